#include "http_server_session.hpp"

#include <cstdio>
#include <iostream>

// The Server-Sent Events half of Session: a route that accepts streams events as chunks until
// the sink closes or the client leaves.
namespace sluice::server::detail {
namespace {

std::string chunk(std::string_view data) {
  char size[32];
  int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  std::string out;
  out.reserve(static_cast<std::size_t>(n) + data.size() + 2);
  out.append(size, static_cast<std::size_t>(n));
  out += data;
  out += "\r\n";
  return out;
}

constexpr std::string_view kLastChunk = "0\r\n\r\n";

}  // namespace

void Session::start_stream(const Route& route, HttpRequest&& request) {
  auto sink = std::make_shared<EventStream>(shared_->options.sse_max_pending);
  std::optional<HttpResponse> refused;
  try {
    refused = route.stream(request, sink);
  } catch (const std::exception& e) {
    std::cerr << "sluice: stream handler for " << route.pattern << " threw: " << e.what() << '\n';
    refused = Router::internal_error();
  } catch (...) {
    std::cerr << "sluice: stream handler for " << route.pattern << " threw\n";
    refused = Router::internal_error();
  }
  if (refused) {
    sink->disconnected();
    return send(std::move(*refused));
  }
  sink_ = std::move(sink);
  streaming_ = true;
  if (shared_->options.metrics) shared_->options.metrics->sse_subscriber_added();

  stream_header_ =
      std::make_unique<http::response<http::empty_body>>(http::status::ok, http10_ ? 10 : 11);
  stream_header_->set(http::field::content_type, "text/event-stream");
  stream_header_->set(http::field::cache_control, "no-cache");
  stream_header_->set("X-Accel-Buffering", "no");  // nginx would otherwise buffer the stream
  stream_header_->keep_alive(false);               // the connection ends with the stream
  if (!http10_) stream_header_->chunked(true);     // HTTP/1.0 gets a close-delimited body
  stream_serializer_ =
      std::make_unique<http::response_serializer<http::empty_body>>(*stream_header_);
  stream_.expires_after(shared_->options.request_timeout);
  http::async_write_header(
      stream_, *stream_serializer_,
      beast::bind_front_handler(&Session::on_stream_header, shared_from_this()));
}

void Session::on_stream_header(beast::error_code ec, std::size_t /*bytes*/) {
  if (shared_->options.metrics) {
    shared_->options.metrics->observe_request(route_name_, method_, 200, seconds_since_start());
  }
  if (shared_->options.request_log) {
    shared_->options.request_log(method_, route_name_, 200, seconds_since_start());
  }
  if (ec) {
    fail(ec, "write stream header");
    return end_stream();
  }
  stream_header_done_ = true;
  // A pending read notices the client leaving even while no event is sent. No read deadline:
  // idle streams are the point; writes keep their own deadline.
  stream_.expires_never();
  stream_.async_read_some(net::buffer(probe_),
                          beast::bind_front_handler(&Session::on_client_read, shared_from_this()));
  sink_->set_waker([weak = weak_from_this(), shared = shared_] {
    shared->post_to(weak, [](Session& s) { s.flush_stream(); });
  });
  arm_heartbeat();
  if (stopping_) sink_->close();
  flush_stream();
}

void Session::flush_stream() {
  if (!stream_header_done_ || stream_writing_ || stream_ended_) return;
  EventStream::Pending pending = sink_->take();
  if (pending.data.empty() && !pending.close) return;
  stream_out_.clear();
  if (http10_) {
    stream_out_ = std::move(pending.data);
  } else {
    if (!pending.data.empty()) stream_out_ = chunk(pending.data);
    if (pending.close) stream_out_ += kLastChunk;
  }
  stream_closing_ = pending.close;
  stream_writing_ = true;
  stream_.expires_after(shared_->options.request_timeout);  // only the write: the read is pending
  net::async_write(stream_, net::buffer(stream_out_),
                   beast::bind_front_handler(&Session::on_stream_write, shared_from_this()));
}

void Session::on_stream_write(beast::error_code ec, std::size_t /*bytes*/) {
  stream_writing_ = false;
  if (ec) {
    fail(ec, "write event");
    return end_stream();
  }
  if (stream_closing_) return end_stream();
  flush_stream();
}

void Session::on_client_read(beast::error_code ec, std::size_t /*bytes*/) {
  if (ec) return end_stream();  // the client left (or we closed)
  // Clients do not send on an event stream; ignore stray bytes and keep watching.
  stream_.async_read_some(net::buffer(probe_),
                          beast::bind_front_handler(&Session::on_client_read, shared_from_this()));
}

void Session::arm_heartbeat() {
  auto interval = shared_->options.sse_heartbeat;
  if (interval.count() <= 0 || stream_ended_) return;
  heartbeat_.expires_after(interval);
  heartbeat_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->stream_ended_) return;
    if (self->sink_->comment("heartbeat")) self->arm_heartbeat();
  });
}

void Session::end_stream() {
  if (stream_ended_) return;
  stream_ended_ = true;
  sink_->disconnected();
  heartbeat_.cancel();
  if (shared_->options.metrics) shared_->options.metrics->sse_subscriber_removed();
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.close();  // ends the pending client read, and with it the session
}

}  // namespace sluice::server::detail
