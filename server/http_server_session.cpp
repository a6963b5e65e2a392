#include "http_server_session.hpp"

#include <atomic>
#include <exception>
#include <iostream>
#include <iterator>
#include <string_view>

namespace sluice::server::detail {
namespace {

// The one answer to a request: Respond copies share it. If every copy is dropped unanswered
// (a handler forgot, or its worker task was discarded) the client still gets a 500 and the
// session is released.
class ResponseSlot {
 public:
  ResponseSlot(std::weak_ptr<Session> session, std::shared_ptr<ServerShared> shared)
      : session_(std::move(session)), shared_(std::move(shared)) {}
  ~ResponseSlot() {
    if (!done_.load()) {
      deliver(HttpResponse::error(500, "internal", "the handler did not answer"));
    }
  }
  ResponseSlot(const ResponseSlot&) = delete;
  ResponseSlot& operator=(const ResponseSlot&) = delete;

  void deliver(HttpResponse response) {
    if (done_.exchange(true)) return;  // exactly once
    // Answering on the session's own strand (a synchronous handler) skips a post.
    if (auto session = session_.lock(); session && session->strand().running_in_this_thread()) {
      session->on_response(std::move(response));
      return;
    }
    shared_->post_to(session_, [response = std::move(response)](Session& s) mutable {
      s.on_response(std::move(response));
    });
  }

 private:
  std::weak_ptr<Session> session_;
  std::shared_ptr<ServerShared> shared_;
  std::atomic<bool> done_{false};
};

bool is_parse_error(beast::error_code ec) {
  return ec.category() == beast::http::make_error_code(http::error::bad_target).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

// RFC 9112 §6.3: a request whose Transfer-Encoding does not end in chunked has no length the
// server can trust, and codings other than chunked are not implemented here. Read as body-less,
// its body would run as a second request (request smuggling behind a lenient proxy); it is
// refused instead. Only a single Transfer-Encoding field that says exactly "chunked" passes.
bool transfer_encoding_acceptable(const http::request<http::string_body>& message) {
  auto [first, last] = message.equal_range(http::field::transfer_encoding);
  if (first == last) return true;  // none: Content-Length or no body
  if (std::next(first) != last) return false;
  std::string_view value = first->value();
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
    value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
    value.remove_suffix(1);
  return beast::iequals(value, "chunked");
}

}  // namespace

Session::Session(tcp::socket&& socket, std::shared_ptr<ServerShared> shared)
    : strand_(*socket.get_executor().target<Strand>()),
      stream_(std::move(socket)),
      shared_(std::move(shared)),
      heartbeat_(stream_.get_executor()) {
  beast::error_code ec;
  auto peer = stream_.socket().remote_endpoint(ec);
  if (!ec) {
    remote_ = peer.address().is_v6() ? "[" + peer.address().to_string() + "]"
                                     : peer.address().to_string();
    remote_ += ":" + std::to_string(peer.port());
  }
}

Session::~Session() {
  {
    std::lock_guard lock(shared_->mutex);
    shared_->sessions.erase(this);
  }
  shared_->drained.notify_all();
}

void Session::run() {
  {
    std::lock_guard lock(shared_->mutex);
    if (!shared_->accepting) return;  // stop() began between accept and here
    shared_->sessions.emplace(this, weak_from_this());
  }
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_read(); });
}

void Session::do_read() {
  parser_.emplace();
  parser_->body_limit(shared_->options.body_limit);
  busy_ = false;
  stream_.expires_after(shared_->options.idle_timeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&Session::on_read_header, shared_from_this()));
}

void Session::on_read_header(beast::error_code ec, std::size_t /*bytes*/) {
  if (ec) return on_read(ec, 0);
  busy_ = true;
  started_ = std::chrono::steady_clock::now();
  if (!transfer_encoding_acceptable(parser_->get())) {
    route_name_ = kUnmatchedRoute;
    method_ = std::string(parser_->get().method_string());
    http10_ = parser_->get().version() < 11;
    keep_alive_ = false;  // where this request ends is unknown: nothing after it is read
    linger_ = true;
    return send(HttpResponse::error(400, "invalid_transfer_encoding",
                                    "Transfer-Encoding must be exactly \"chunked\""));
  }
  if (parser_->is_done()) return handle_request();
  // Clients that ask first (curl with a large body) wait for 100 Continue before sending it.
  if (beast::iequals(parser_->get()[http::field::expect], "100-continue")) {
    continue_ = http::response<http::empty_body>(http::status::continue_, 11);
    stream_.expires_after(shared_->options.request_timeout);
    http::async_write(stream_, continue_,
                      [self = shared_from_this()](beast::error_code write_ec, std::size_t) {
                        if (write_ec) return self->fail(write_ec, "write 100-continue");
                        self->read_body();
                      });
    return;
  }
  read_body();
}

void Session::read_body() {
  stream_.expires_after(shared_->options.request_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&Session::on_read, shared_from_this()));
}

void Session::on_read(beast::error_code ec, std::size_t /*bytes*/) {
  if (ec == http::error::end_of_stream) return do_close();
  if (ec) {
    if (!busy_) started_ = std::chrono::steady_clock::now();
    route_name_ = kUnmatchedRoute;
    method_ = parser_->is_header_done() ? std::string(parser_->get().method_string()) : "";
    keep_alive_ = false;  // the rest of the stream cannot be trusted
    linger_ = true;
    if (ec == http::error::body_limit) {
      return send(HttpResponse::error(413, "payload_too_large", "the request body is too large"));
    }
    if (ec == http::error::header_limit) {
      return send(
          HttpResponse::error(431, "headers_too_large", "the request headers are too large"));
    }
    if (is_parse_error(ec)) {
      return send(HttpResponse::error(400, "bad_request", "malformed HTTP request"));
    }
    return fail(ec, "read");  // timeout, reset, abort: nobody to answer
  }
  handle_request();
}

void Session::handle_request() {
  auto& message = parser_->get();
  HttpRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  for (const auto& field : message) {
    request.headers.push_back({std::string(field.name_string()), std::string(field.value())});
  }
  request.body = std::move(message.body());
  request.remote = remote_;
  keep_alive_ = message.keep_alive();
  http10_ = message.version() < 11;
  ++requests_;
  method_ = request.method;
  route_name_ = kUnmatchedRoute;

  if (!parse_target(request)) {
    return send(HttpResponse::error(400, "bad_request", "malformed request target"));
  }
  RouteMatch match = shared_->router.match(request);
  switch (match.outcome) {
    case RouteMatch::Outcome::not_found:
      return send(Router::not_found(request));
    case RouteMatch::Outcome::method_not_allowed:
      return send(Router::method_not_allowed(request, std::move(match.allow)));
    case RouteMatch::Outcome::found:
      break;
  }
  route_name_ = match.route->pattern;
  if (match.route->stream) return start_stream(*match.route, std::move(request));

  self_ = shared_from_this();
  auto slot = std::make_shared<ResponseSlot>(weak_from_this(), shared_);
  Router::invoke(*match.route, std::move(request),
                 [slot](HttpResponse response) { slot->deliver(std::move(response)); });
}

void Session::on_response(HttpResponse response) {
  // self_ may be the last owner; keep this session alive through the write.
  auto self = shared_from_this();
  self_.reset();
  send(std::move(response));
}

void Session::send(HttpResponse response) {
  if (response.status < 100 || response.status > 999) response.status = 500;
  response_ = {};
  response_.version(http10_ ? 10 : 11);
  response_.result(static_cast<unsigned>(response.status));
  for (auto& header : response.headers)
    response_.insert(header.name, header.value);
  response_.body() = std::move(response.body);
  bool close =
      !keep_alive_ || stopping_ || requests_ >= shared_->options.max_requests_per_connection;
  response_.keep_alive(!close);
  if (method_ == "HEAD") {
    // The headers a GET would get, Content-Length included, and no body.
    const std::size_t length = response_.body().size();
    response_.body().clear();
    response_.content_length(length);
  } else {
    response_.prepare_payload();
  }
  stream_.expires_after(shared_->options.request_timeout);
  http::async_write(stream_, response_,
                    beast::bind_front_handler(&Session::on_write, shared_from_this(), close));
}

void Session::on_write(bool close, beast::error_code ec, std::size_t /*bytes*/) {
  if (shared_->options.metrics) {
    shared_->options.metrics->observe_request(route_name_, method_, response_.result_int(),
                                              seconds_since_start());
  }
  if (shared_->options.request_log) {
    shared_->options.request_log(method_, route_name_, response_.result_int(),
                                 seconds_since_start());
  }
  if (ec) return fail(ec, "write");
  if (close || stopping_) return do_close();
  do_read();
}

void Session::do_close() {
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (linger_ && !stopping_) return linger();
  // Nothing is pending now: the session ends when this handler returns.
}

void Session::linger() {
  constexpr std::size_t kMaxLingerBytes = 64u << 20;
  if (lingered_bytes_ > kMaxLingerBytes) return;
  stream_.expires_after(std::chrono::seconds(2));
  stream_.async_read_some(
      net::buffer(linger_buffer_),
      [self = shared_from_this()](beast::error_code read_ec, std::size_t bytes) {
        if (read_ec) return;  // EOF, timeout or reset: done either way
        self->lingered_bytes_ += bytes;
        self->linger();
      });
}

void Session::fail(beast::error_code ec, const char* what) {
  // Timeouts, resets and our own cancellations are how connections normally end.
  if (ec == net::error::operation_aborted || ec == beast::error::timeout ||
      ec == net::error::connection_reset || ec == net::error::eof ||
      ec == net::error::broken_pipe || ec == http::error::partial_message) {
    return;
  }
  std::cerr << "sluice: http " << what << ": " << ec.message() << '\n';
}

void Session::on_stop() {
  stopping_ = true;
  if (streaming_) {
    sink_->close();  // the final chunk goes out, then the connection closes
  } else if (!busy_) {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.cancel();  // the idle read ends with operation_aborted
  }
}

void Session::force_close() {
  stopping_ = true;
  if (streaming_) end_stream();
  stream_.close();
  self_.reset();
}

double Session::seconds_since_start() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
}

}  // namespace sluice::server::detail
