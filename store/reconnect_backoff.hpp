#pragma once

#include <chrono>

namespace sluice::store::detail {

// Exponential backoff between reconnect attempts, bounded by `max`: a down database gets at most
// one connection attempt per interval, and callers in between fail fast instead of each waiting
// for a connect timeout. Not thread-safe; its owner locks.
class ReconnectBackoff {
 public:
  using Clock = std::chrono::steady_clock;

  ReconnectBackoff(std::chrono::milliseconds min, std::chrono::milliseconds max)
      : min_(min), max_(max) {}

  // How long until the next attempt is allowed; zero means "try now".
  std::chrono::milliseconds wait_left(Clock::time_point now) const {
    if (now >= next_attempt_) return std::chrono::milliseconds{0};
    return std::chrono::ceil<std::chrono::milliseconds>(next_attempt_ - now);
  }
  void failed(Clock::time_point now) {
    delay_ = delay_.count() == 0 ? min_ : std::min(delay_ * 2, max_);
    next_attempt_ = now + delay_;
  }
  void succeeded() {
    delay_ = std::chrono::milliseconds{0};
    next_attempt_ = {};
  }

 private:
  std::chrono::milliseconds min_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds delay_{0};
  Clock::time_point next_attempt_{};
};

}  // namespace sluice::store::detail
