#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// A blocking HTTP/1.1 client over one kept-alive plain-TCP connection, for callers that own a
// thread each: the traffic generator's workers (a few connections carry thousands of requests a
// second without a connect, and a TIME_WAIT socket, per request) and the tests (with an
// incremental Server-Sent Events reader). The asynchronous net::HttpClient opens a connection per
// exchange, which is right for Prometheus queries and notifications but not at load-generator
// rates. Boost.Beast stays in blocking_http_client.cpp.
namespace sluice::net {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct BlockingResponse {
  int status = 0;  // 0: no response (see error)
  HeaderList headers;
  std::string body;
  bool keep_alive = false;
  // Why there is no response: "connection refused", "timed out after 2s", "read: end of
  // stream", ... Empty when a response arrived.
  std::string error;
  // The exchange failed before any byte of the response arrived on a connection that an earlier
  // exchange had used: the server most likely closed it while it was idle, so sending the request
  // again on a new connection is safe for an idempotent caller.
  bool stale_connection = false;
  bool connect_failed = false;  // the connection could not be opened (refused, no such host, ...)

  bool ok() const { return status != 0; }
  std::string header(std::string_view name) const;  // case-insensitive; "" when absent
};

// One event-stream block: an event (data and maybe id/event) or a comment-only block.
struct StreamEvent {
  std::string id;
  std::string event;
  std::string data;     // "data:" lines joined with '\n'
  std::string comment;  // ":" lines joined with '\n'
};

class BlockingHttpClient {
 public:
  // Nothing connects until the first request. The Host header is "host:port".
  BlockingHttpClient(std::string host, std::uint16_t port);
  ~BlockingHttpClient();
  BlockingHttpClient(const BlockingHttpClient&) = delete;
  BlockingHttpClient& operator=(const BlockingHttpClient&) = delete;

  // Largest response body accepted (a larger one is an error); none by default.
  void set_body_limit(std::optional<std::size_t> limit);

  // One exchange, bounded by `timeout` from connecting to the last byte. Connects when there is
  // no open connection; after any error the connection is closed and the next exchange
  // reconnects. A Content-Length is sent with a body and with every POST, PUT and PATCH.
  BlockingResponse exchange(std::string_view method, std::string_view target, std::string body,
                            const HeaderList& headers, std::chrono::milliseconds timeout);

  // Sends a GET and reads only the response head (and, unless it is 200, the whole refusal);
  // then read events with next_event().
  BlockingResponse open_stream(std::string_view target, const HeaderList& headers,
                               std::chrono::milliseconds timeout);
  // The next block of the stream, or nothing if none arrives within timeout or the stream ended
  // (see stream_ended()). Throws std::logic_error without open_stream().
  std::optional<StreamEvent> next_event(std::chrono::milliseconds timeout);
  bool stream_ended() const;

  // True when the server closes the connection within timeout (reads return EOF).
  bool wait_closed(std::chrono::milliseconds timeout);
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::net
