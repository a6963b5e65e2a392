#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace boost::asio {
class io_context;
}

// An asynchronous HTTP/1.1 client on the event loop (Boost.Beast lives only in its .cpp). Every
// request has a timeout covering resolve, connect, write and read; retries back off and are
// bounded. http:// and https:// (OpenSSL; the peer's certificate is verified against the system's
// CAs and an optional extra CA file, and must name the URL's host; SNI is sent for names).
// Errors name at most host:port, never a URL's path or query (Slack webhook URLs are secrets).
namespace sluice::net {

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // http(s)://host:port/path?query
  std::map<std::string, std::string> headers;
  std::string body;
  // The whole exchange: resolve, connect, TLS handshake, write, read.
  std::chrono::milliseconds timeout{5000};
  // A larger response body is an error, not an allocation without bound. Beast's own default (8
  // MiB) is too small for a batched query over thousands of rollouts.
  std::size_t max_response_bytes = 64u << 20;
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
};

// Either a response (any status) or why there is none ("timed out after 5s", "connection
// refused", "bad URL ...").
struct HttpResult {
  std::optional<HttpResponse> response;
  std::string error;
  bool ok() const { return response.has_value(); }
};

struct RetryPolicy {
  int max_attempts = 3;  // 1 = no retry
  std::chrono::milliseconds backoff_min{200};
  std::chrono::milliseconds backoff_max{2000};
  // Retried: transport errors, timeouts, 429 and 5xx. Never retried: other statuses.
  // Attempt n (n >= 2) first waits a random time in [d/2, d], d = min(backoff_max,
  // backoff_min * 2^(n-2)) ("equal jitter": spread out, yet never an immediate retry).
};

struct ClientOptions {
  // An extra CA bundle (PEM) trusted for https:// besides the system's (a private CA, or a test
  // CA). "" for the system's only. An unreadable file makes the constructor throw.
  std::string ca_file;
};

class HttpClient {
 public:
  explicit HttpClient(boost::asio::io_context& io, ClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Calls `done` exactly once on the io_context (never inline from send). A request still in
  // flight when the client is destroyed completes normally: it owns what it needs.
  void send(HttpRequest request, std::function<void(HttpResult)> done);
  // The same with bounded retries and exponential backoff with jitter between attempts. The
  // last attempt's result is returned; a transport error gets " (N attempts)" appended when
  // there was more than one.
  void send_with_retries(HttpRequest request, RetryPolicy retry,
                         std::function<void(HttpResult)> done);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace sluice::net
