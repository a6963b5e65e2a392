#include "traffic_http.hpp"

#include <algorithm>

#include "sluice/net/blocking_http_client.hpp"
#include "sluice/net/url.hpp"

namespace sluice::app {

using Clock = std::chrono::steady_clock;

KeepAliveConnection::KeepAliveConnection(std::string base_url) {
  std::string why;
  auto url = net::parse_http_url(base_url, &why);
  if (url && url->tls) {
    // parse_http_url takes https:// since notifications; this plain-TCP client does not.
    url_error_ = "bad URL " + base_url + ": only http:// is supported";
  } else if (url) {
    client_ = std::make_unique<net::BlockingHttpClient>(url->host, url->port);
    client_->set_body_limit(kMaxResponseBytes);
    where_ = (url->host.find(':') != std::string::npos ? "[" + url->host + "]" : url->host) + ":" +
             std::to_string(url->port);
  } else {
    url_error_ = "bad URL " + base_url + ": " + why;
  }
}

KeepAliveConnection::~KeepAliveConnection() = default;

void KeepAliveConnection::close() {
  if (client_) client_->close();
}

SimpleResponse KeepAliveConnection::request(
    const std::string& method, const std::string& target,
    const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body,
    std::chrono::milliseconds timeout) {
  SimpleResponse response;
  if (!client_) {
    response.error = url_error_;
    return response;
  }
  if (Clock::now() < retry_after_) {
    response.error = "cannot connect to " + where_ + " (backing off)";
    return response;
  }
  net::HeaderList with_agent = headers;
  with_agent.emplace_back("User-Agent", "sluice-traffic");
  const auto deadline = Clock::now() + timeout;
  auto answer = client_->exchange(method, target, body, with_agent, timeout);
  if (answer.stale_connection) {
    // A kept-alive connection the server closed while idle: send once more on a new one.
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() > 0) answer = client_->exchange(method, target, body, with_agent, left);
  }
  if (answer.connect_failed) {
    backoff_ = std::min(std::chrono::milliseconds(2000),
                        std::max(std::chrono::milliseconds(100), backoff_ * 2));
    retry_after_ = Clock::now() + backoff_;
  } else if (answer.ok()) {
    backoff_ = std::chrono::milliseconds(0);
  }
  response.status = answer.status;
  response.body = std::move(answer.body);
  response.error = std::move(answer.error);
  return response;
}

}  // namespace sluice::app
