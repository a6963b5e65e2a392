#pragma once

// The one place a test may sleep: a poll inside a deadline. End-to-end tests against real
// processes (sluice serve, PostgreSQL, Prometheus, a traffic generator) wait with it for the
// condition they need; unit tests never wait on the wall clock (they step a fake clock or run
// the event loop until a condition).

#include <chrono>
#include <thread>

namespace sluice::testing {

// Calls `condition` until it returns true or `timeout` has passed, `poll_interval` apart;
// returns its last answer (so a condition that turns true at the deadline still counts).
template <typename Condition>
bool wait_until(Condition&& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds poll_interval = std::chrono::milliseconds(50)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(poll_interval);
  }
  return condition();
}

}  // namespace sluice::testing
