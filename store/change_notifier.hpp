#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "sluice/store/records.hpp"

namespace sluice::store::detail {

// Delivers the change feed to subscribers on its own thread. A poke (a commit here, a NOTIFY
// from another replica) or the poll interval makes it read changes after the last one it
// delivered, so delivery is in version order, each change once, with no gap even when a
// notification was lost: notifications only say "look now", the feed table is the truth.
class ChangeNotifier {
 public:
  using Fetch = std::function<std::vector<Change>(std::int64_t after_version)>;

  ChangeNotifier(Fetch fetch, std::int64_t start_version, std::chrono::milliseconds poll_interval);
  ~ChangeNotifier();
  ChangeNotifier(const ChangeNotifier&) = delete;
  ChangeNotifier& operator=(const ChangeNotifier&) = delete;

  void add(std::function<void(const Change&)> callback);
  void poke();

 private:
  void run();
  void deliver_pending();

  Fetch fetch_;
  std::chrono::milliseconds poll_interval_;
  std::int64_t delivered_;  // only the notifier thread touches it after construction
  std::mutex mutex_;
  std::condition_variable wake_;
  bool poked_ = false;
  bool stopping_ = false;
  std::vector<std::function<void(const Change&)>> callbacks_;
  std::thread thread_;  // last: starts after every other member exists
};

}  // namespace sluice::store::detail
