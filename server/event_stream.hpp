#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

// Server-Sent Events (https://html.spec.whatwg.org/multipage/server-sent-events.html) without
// sockets: the sink a streaming route writes to, its bounded queue, and a broadcaster. The HTTP
// server drains the queue onto the connection (http_server_session.cpp).
namespace sluice::server {

// One subscriber's stream. Safe to call from any thread. Every call returns false once the
// stream is closed (by the handler, the server, the client going away, or falling behind).
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual bool send(std::string_view id, std::string_view event, std::string_view data) = 0;
  // A frame already made by format_event/format_comment; lets a broadcaster format once.
  virtual bool send_frame(std::string_view frame) = 0;
  virtual bool comment(std::string_view text) = 0;
  virtual void close() = 0;
  virtual bool open() const = 0;
};

// "id: 7\nevent: flag\ndata: line 1\ndata: line 2\n\n". Empty id or event are left out; line
// breaks in them are dropped (they would end the field early); data is split into one "data:"
// line per line (\n, \r\n or \r), and always has at least one, so the event is dispatched.
std::string format_event(std::string_view id, std::string_view event, std::string_view data);
// ": text\n\n" (one ':' line per line of text); clients ignore it, proxies see traffic.
std::string format_comment(std::string_view text);

// The queue-backed sink the server hands to streaming routes. The producer side is EventSink;
// the transport side (set_waker, take, disconnected) is for the connection that drains it.
class EventStream final : public EventSink {
 public:
  // More than max_pending frames not yet taken by the transport means the client reads slower
  // than we publish: the stream is closed rather than growing without bound. It reconnects with
  // Last-Event-ID.
  explicit EventStream(std::size_t max_pending = 1024);

  bool send(std::string_view id, std::string_view event, std::string_view data) override;
  bool send_frame(std::string_view frame) override;
  bool comment(std::string_view text) override;
  void close() override;
  bool open() const override;

  // Called when a frame or a close becomes pending and no earlier call is still unanswered by
  // take(). It runs under the stream's lock, so it must only schedule work (post), never call
  // back into this stream.
  void set_waker(std::function<void()> wake);

  struct Pending {
    std::string data;    // frames, in order, ready to write
    bool close = false;  // write data, then end the stream
  };
  Pending take();
  // The connection is gone: the stream closes and the waker is dropped (never called again).
  void disconnected();
  bool overflowed() const;

 private:
  void wake_locked();

  const std::size_t max_pending_;
  mutable std::mutex mutex_;
  std::vector<std::string> frames_;
  bool open_ = true;
  bool close_pending_ = false;
  bool overflowed_ = false;
  bool wake_outstanding_ = false;
  std::function<void()> waker_;
};

// A broadcaster: every publish goes to all open subscribers; closed ones are dropped.
class EventHub {
 public:
  void subscribe(std::shared_ptr<EventSink> sink);
  // Returns how many subscribers took the event.
  std::size_t publish(std::string_view id, std::string_view event, std::string_view data);
  std::size_t comment(std::string_view text);
  // Open subscribers (closed ones are dropped first).
  std::size_t subscribers();
  void close_all();

 private:
  std::size_t send_all(std::string_view frame);

  std::mutex mutex_;
  std::vector<std::shared_ptr<EventSink>> sinks_;
};

}  // namespace sluice::server
