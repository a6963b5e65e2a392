#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "reconnect_backoff.hpp"

namespace sluice::store::detail {

// LISTENs on the change channel on a connection of its own and calls `poke` for every
// notification, and once after each (re)connect, because notifications sent while it was
// disconnected are lost. Reconnects with bounded backoff until destroyed.
class PostgresListener {
 public:
  struct Settings {
    std::string conninfo;
    std::chrono::milliseconds statement_timeout;
    std::chrono::milliseconds backoff_min;
    std::chrono::milliseconds backoff_max;
  };

  PostgresListener(Settings settings, std::function<void()> poke);
  ~PostgresListener();
  PostgresListener(const PostgresListener&) = delete;
  PostgresListener& operator=(const PostgresListener&) = delete;

 private:
  void run();
  void listen_until_broken(ReconnectBackoff& backoff);
  void sleep_unless_stopping(std::chrono::milliseconds duration);

  Settings settings_;
  std::function<void()> poke_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;  // last: starts after every other member exists
};

}  // namespace sluice::store::detail
