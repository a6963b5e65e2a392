#pragma once

#include <array>

// Private to http_server*.cpp: it brings in Boost.Beast. Do not include it elsewhere.

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "event_stream.hpp"
#include "http_server.hpp"

namespace sluice::server::detail {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

class Session;

// What the server and its sessions share. Outlives every session (they hold it).
struct ServerShared {
  ServerShared(Router& r, HttpServerOptions o) : router(r), options(std::move(o)) {}

  Router& router;
  const HttpServerOptions options;

  std::mutex mutex;
  std::condition_variable drained;  // notified when a session ends
  bool accepting = true;            // false once stop() began
  bool alive = true;                // false once the threads are gone: nothing may post
  std::unordered_map<const Session*, std::weak_ptr<Session>> sessions;

  // Runs fn(session) on the session's strand, from any thread, if both still exist. The lock
  // keeps the io_context from being destroyed while we post into it.
  template <typename Fn>
  void post_to(const std::weak_ptr<Session>& weak, Fn fn);
};

// One connection: reads requests, calls the router, writes responses, or streams events. Lives
// as long as an async operation (or a handler that has not answered yet) holds it. Everything
// runs on its strand; other threads reach it only through ServerShared::post_to.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, std::shared_ptr<ServerShared> shared);
  ~Session();

  void run();
  // On the strand: stop() began. Idle connections close; busy ones close after the response.
  void on_stop();
  // On the strand: the grace period is over.
  void force_close();
  // Only when no thread runs the io_context: drop the self-reference held for a pending handler.
  void release() { self_.reset(); }

  using Strand = net::strand<net::io_context::executor_type>;
  const Strand& strand() const { return strand_; }
  void on_response(HttpResponse response);
  void flush_stream();

 private:
  void do_read();
  void on_read_header(beast::error_code ec, std::size_t bytes);
  void read_body();
  void on_read(beast::error_code ec, std::size_t bytes);
  void handle_request();
  void send(HttpResponse response);
  void on_write(bool close, beast::error_code ec, std::size_t bytes);
  void do_close();
  void linger();
  void fail(beast::error_code ec, const char* what);

  void start_stream(const Route& route, HttpRequest&& request);
  void on_stream_header(beast::error_code ec, std::size_t bytes);
  void on_stream_write(beast::error_code ec, std::size_t bytes);
  void on_client_read(beast::error_code ec, std::size_t bytes);
  void arm_heartbeat();
  void end_stream();

  double seconds_since_start() const;

  const Strand strand_;  // the socket's executor, typed, for running_in_this_thread()
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::shared_ptr<ServerShared> shared_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::empty_body> continue_;
  http::response<http::string_body> response_;

  bool busy_ = false;      // a request is being handled or answered
  bool stopping_ = false;  // stop() began: answer with Connection: close
  bool keep_alive_ = true;
  // After refusing a request mid-body (413, 431, 400) the client may still be sending: read and
  // drop what comes, bounded, before closing, or the unread bytes make the kernel reset the
  // connection and the client never sees the refusal.
  bool linger_ = false;
  std::size_t lingered_bytes_ = 0;
  std::array<char, 16384> linger_buffer_{};
  bool http10_ = false;
  std::size_t requests_ = 0;
  std::string remote_;  // the peer, "address:port"
  std::string route_name_;
  std::string method_;
  std::chrono::steady_clock::time_point started_;
  // Held while a handler owns the request, so the session outlives an async handler.
  std::shared_ptr<Session> self_;

  // Event stream state.
  std::shared_ptr<EventStream> sink_;
  std::unique_ptr<http::response<http::empty_body>> stream_header_;
  std::unique_ptr<http::response_serializer<http::empty_body>> stream_serializer_;
  net::steady_timer heartbeat_;
  std::string stream_out_;
  bool streaming_ = false;
  bool stream_header_done_ = false;
  bool stream_writing_ = false;
  bool stream_closing_ = false;
  bool stream_ended_ = false;
  char probe_[1] = {};
};

template <typename Fn>
void ServerShared::post_to(const std::weak_ptr<Session>& weak, Fn fn) {
  std::lock_guard lock(mutex);
  if (!alive) return;
  if (auto session = weak.lock()) {
    auto executor = session->strand();
    net::post(executor,
              [session = std::move(session), fn = std::move(fn)]() mutable { fn(*session); });
  }
}

}  // namespace sluice::server::detail
