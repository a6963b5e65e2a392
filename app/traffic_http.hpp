#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sluice::net {
class BlockingHttpClient;
}

// The traffic generator's and the demo's connection to a Sluice server: one kept-alive
// net::BlockingHttpClient (each worker thread owns one, so a few connections carry thousands of
// requests a second), plus what a load generator needs on top: a base URL, a size limit, one
// more try when the server had closed an idle connection, and a back-off after a failed connect.
// Plain http:// only.
namespace sluice::app {

struct SimpleResponse {
  int status = 0;  // 0: no response (see error)
  std::string body;
  std::string error;  // "timed out after 2s", "connection refused", ...
  bool ok() const { return status != 0; }
};

class KeepAliveConnection {
 public:
  // `base_url`: http://host:port (a path, if any, is ignored). Nothing connects until the first
  // request.
  explicit KeepAliveConnection(std::string base_url);
  ~KeepAliveConnection();
  KeepAliveConnection(const KeepAliveConnection&) = delete;
  KeepAliveConnection& operator=(const KeepAliveConnection&) = delete;

  // One exchange, bounded by `timeout` from the first byte to the last (connect included). Opens
  // or reopens the connection when needed; on any error the connection is closed and the next
  // request reconnects. After a failed connect, requests fail at once ("... (backing off)") for
  // a short, growing time, so a server that is down costs no busy loop.
  SimpleResponse request(const std::string& method, const std::string& target,
                         const std::vector<std::pair<std::string, std::string>>& headers,
                         const std::string& body, std::chrono::milliseconds timeout);

  // Closes the connection (a request in progress on another thread is not allowed).
  void close();

  // Largest response accepted; larger is an error.
  static constexpr std::size_t kMaxResponseBytes = 16u << 20;

 private:
  std::unique_ptr<net::BlockingHttpClient> client_;
  std::string where_;      // host:port, for errors
  std::string url_error_;  // set when the URL is not usable
  std::chrono::steady_clock::time_point retry_after_{};
  std::chrono::milliseconds backoff_{0};
};

}  // namespace sluice::app
