#include "http_client.hpp"

#include <stdexcept>

#include "sluice/net/blocking_http_client.hpp"

// The tests' client is net::BlockingHttpClient (the traffic generator's too) with one timeout
// for every call and errors thrown, so a broken server fails the test instead of hanging it.
namespace sluice::testing {
namespace {

ClientResponse checked(net::BlockingResponse response) {
  if (!response.ok()) throw std::runtime_error("http client " + response.error);
  return ClientResponse{response.status, std::move(response.headers), std::move(response.body),
                        response.keep_alive};
}

}  // namespace

std::string ClientResponse::header(std::string_view name) const {
  net::BlockingResponse view;
  view.headers = headers;
  return view.header(name);
}

struct HttpClient::Impl {
  Impl(std::uint16_t port, std::chrono::milliseconds t, std::string host)
      : timeout(t), client(std::move(host), port) {}
  std::chrono::milliseconds timeout;
  net::BlockingHttpClient client;
};

HttpClient::HttpClient(std::uint16_t port, std::chrono::milliseconds timeout, std::string host)
    : impl_(std::make_unique<Impl>(port, timeout, std::move(host))) {}

HttpClient::~HttpClient() = default;

ClientResponse HttpClient::request(std::string_view method, std::string_view target,
                                   std::string body, const Headers& headers) {
  return checked(impl_->client.exchange(method, target, std::move(body), headers, impl_->timeout));
}

ClientResponse HttpClient::open_stream(std::string_view target, const Headers& headers) {
  return checked(impl_->client.open_stream(target, headers, impl_->timeout));
}

std::optional<SseMessage> HttpClient::next_event(std::chrono::milliseconds timeout) {
  auto event = impl_->client.next_event(timeout);
  if (!event) return std::nullopt;
  return SseMessage{std::move(event->id), std::move(event->event), std::move(event->data),
                    std::move(event->comment)};
}

bool HttpClient::stream_ended() const {
  return impl_->client.stream_ended();
}

bool HttpClient::wait_closed(std::chrono::milliseconds timeout) {
  return impl_->client.wait_closed(timeout);
}

void HttpClient::close() {
  impl_->client.close();
}

}  // namespace sluice::testing
