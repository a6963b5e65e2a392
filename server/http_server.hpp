#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "router.hpp"
#include "server_metrics.hpp"

// The HTTP/1.1 server for `sluice serve`. Boost.Beast stays in http_server*.cpp (pimpl), so
// including this header costs nothing.
namespace boost::asio {
class io_context;
}

namespace sluice::server {

struct HttpServerOptions {
  // "host:port" or "[v6]:port"; port 0 picks a free port (see HttpServer::port()).
  std::string listen = "127.0.0.1:8080";
  std::size_t threads = 2;           // threads running the one io_context
  std::size_t body_limit = 1 << 20;  // larger bodies get 413
  // Waiting for the next request's headers on a new or kept-alive connection.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(30)};
  // Reading one request's body, and writing any response or event chunk.
  std::chrono::milliseconds request_timeout{std::chrono::seconds(30)};
  std::size_t max_requests_per_connection = 10000;  // then Connection: close
  // stop() lets in-flight requests finish for this long, then closes what is left.
  std::chrono::milliseconds shutdown_grace{std::chrono::seconds(10)};
  // A comment on every event stream this often, so proxies keep idle streams open; 0 = none.
  std::chrono::milliseconds sse_heartbeat{std::chrono::seconds(15)};
  // Frames queued for one slow subscriber before it is disconnected.
  std::size_t sse_max_pending = 1024;
  std::shared_ptr<ServerMetrics> metrics;  // null: no metrics
  // Called once per answered request (on a server thread; keep it quick). Empty: no log.
  std::function<void(std::string_view method, std::string_view route, int status, double seconds)>
      request_log;
};

class HttpServer {
 public:
  using Options = HttpServerOptions;

  // The router must outlive the server and not change after start().
  explicit HttpServer(Router& router, Options options = {});
  ~HttpServer();  // stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the threads. Throws std::system_error if it cannot bind; its what()
  // is one line: "cannot listen on HOST:PORT: Address already in use".
  void start();
  // The event loop (run by the server's threads once started): the rollout controller and its
  // outbound HTTP share it.
  boost::asio::io_context& io_context();

  // The bound port (useful with port 0); 0 before start().
  std::uint16_t port() const;
  // Stops accepting, lets in-flight requests finish (bounded by shutdown_grace), closes idle
  // keep-alive connections and event streams, stops the threads, then returns. Idempotent.
  // Blocks: call it from outside the server's threads (never from a handler).
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Blocks the calling thread until SIGINT or SIGTERM, then server.stop(). The caller then exits 0.
// `before_stop` runs first, while the event loop still runs (the controller finishes its tick).
void run_until_signal(HttpServer& server, const std::function<void()>& before_stop = {});

}  // namespace sluice::server
