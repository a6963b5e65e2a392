#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// A small synchronous HTTP/1.1 client for tests: one keep-alive connection, every call bounded
// by a timeout (a timeout throws, so a broken server fails the test instead of hanging it), and
// an incremental Server-Sent Events reader. Built on net::BlockingHttpClient.
namespace sluice::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct ClientResponse {
  int status = 0;
  Headers headers;
  std::string body;
  bool keep_alive = false;
  std::string header(std::string_view name) const;  // case-insensitive; "" when absent
};

// One event-stream block: an event (data and maybe id/event) or a comment-only block.
struct SseMessage {
  std::string id;
  std::string event;
  std::string data;     // "data:" lines joined with '\n'
  std::string comment;  // ":" lines joined with '\n'
};

class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port,
                      std::chrono::milliseconds timeout = std::chrono::seconds(5),
                      std::string host = "127.0.0.1");
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Connects on first use and after the server closed the connection. Throws std::runtime_error
  // on a network error or timeout.
  ClientResponse request(std::string_view method, std::string_view target, std::string body = {},
                         const Headers& headers = {});
  ClientResponse get(std::string_view target) { return request("GET", target); }

  // Sends a GET and reads only the response head; then read events with next_event().
  ClientResponse open_stream(std::string_view target, const Headers& headers = {});
  // The next block of the stream, or std::nullopt if none arrives within timeout or the stream
  // ended (see stream_ended()).
  std::optional<SseMessage> next_event(std::chrono::milliseconds timeout);
  bool stream_ended() const;

  // True when the server closes the connection within timeout (reads return EOF).
  bool wait_closed(std::chrono::milliseconds timeout);
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::testing
