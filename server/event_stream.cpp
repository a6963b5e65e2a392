#include "event_stream.hpp"

#include <algorithm>
#include <utility>

namespace sluice::server {
namespace {

// Appends "<prefix><line>\n" for each line of text, splitting at \n, \r\n and \r.
void append_lines(std::string& out, std::string_view prefix, std::string_view text) {
  std::size_t start = 0;
  while (true) {
    std::size_t end = text.find_first_of("\r\n", start);
    out += prefix;
    out += text.substr(start, end - start);
    out += '\n';
    if (end == std::string_view::npos) return;
    start = end + 1;
    if (text[end] == '\r' && start < text.size() && text[start] == '\n') ++start;
  }
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  if (value.empty()) return;
  out += name;
  for (char c : value) {
    if (c != '\r' && c != '\n') out += c;
  }
  out += '\n';
}

}  // namespace

std::string format_event(std::string_view id, std::string_view event, std::string_view data) {
  std::string out;
  out.reserve(id.size() + event.size() + data.size() + 32);
  append_field(out, "id: ", id);
  append_field(out, "event: ", event);
  append_lines(out, "data: ", data);
  out += '\n';
  return out;
}

std::string format_comment(std::string_view text) {
  std::string out;
  append_lines(out, ": ", text);
  out += '\n';
  return out;
}

EventStream::EventStream(std::size_t max_pending) : max_pending_(max_pending) {}

bool EventStream::send(std::string_view id, std::string_view event, std::string_view data) {
  return send_frame(format_event(id, event, data));
}

bool EventStream::comment(std::string_view text) {
  return send_frame(format_comment(text));
}

bool EventStream::send_frame(std::string_view frame) {
  std::lock_guard lock(mutex_);
  if (!open_) return false;
  if (frames_.size() >= max_pending_) {
    // Too far behind: drop what is queued and end the stream instead of buffering more.
    overflowed_ = true;
    open_ = false;
    close_pending_ = true;
    frames_.clear();
    wake_locked();
    return false;
  }
  frames_.emplace_back(frame);
  wake_locked();
  return true;
}

void EventStream::close() {
  std::lock_guard lock(mutex_);
  if (!open_) return;
  open_ = false;
  close_pending_ = true;
  wake_locked();
}

bool EventStream::open() const {
  std::lock_guard lock(mutex_);
  return open_;
}

void EventStream::set_waker(std::function<void()> wake) {
  std::lock_guard lock(mutex_);
  waker_ = std::move(wake);
  wake_outstanding_ = false;
  if (!frames_.empty() || close_pending_) wake_locked();
}

EventStream::Pending EventStream::take() {
  std::lock_guard lock(mutex_);
  Pending pending;
  std::size_t size = 0;
  for (const auto& frame : frames_)
    size += frame.size();
  pending.data.reserve(size);
  for (const auto& frame : frames_)
    pending.data += frame;
  frames_.clear();
  pending.close = close_pending_;
  wake_outstanding_ = false;
  return pending;
}

void EventStream::disconnected() {
  std::lock_guard lock(mutex_);
  open_ = false;
  frames_.clear();
  waker_ = nullptr;
}

bool EventStream::overflowed() const {
  std::lock_guard lock(mutex_);
  return overflowed_;
}

void EventStream::wake_locked() {
  if (wake_outstanding_ || !waker_) return;
  wake_outstanding_ = true;
  waker_();
}

void EventHub::subscribe(std::shared_ptr<EventSink> sink) {
  std::lock_guard lock(mutex_);
  sinks_.push_back(std::move(sink));
}

std::size_t EventHub::publish(std::string_view id, std::string_view event, std::string_view data) {
  return send_all(format_event(id, event, data));
}

std::size_t EventHub::comment(std::string_view text) {
  return send_all(format_comment(text));
}

std::size_t EventHub::send_all(std::string_view frame) {
  std::lock_guard lock(mutex_);
  std::size_t delivered = 0;
  std::erase_if(sinks_, [&](const std::shared_ptr<EventSink>& sink) {
    if (!sink->send_frame(frame)) return true;
    ++delivered;
    return false;
  });
  return delivered;
}

std::size_t EventHub::subscribers() {
  std::lock_guard lock(mutex_);
  std::erase_if(sinks_, [](const std::shared_ptr<EventSink>& sink) { return !sink->open(); });
  return sinks_.size();
}

void EventHub::close_all() {
  std::lock_guard lock(mutex_);
  for (auto& sink : sinks_)
    sink->close();
  sinks_.clear();
}

}  // namespace sluice::server
