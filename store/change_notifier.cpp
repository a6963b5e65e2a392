#include "change_notifier.hpp"

#include <utility>

#include "sluice/store/errors.hpp"

namespace sluice::store::detail {

ChangeNotifier::ChangeNotifier(Fetch fetch, std::int64_t start_version,
                               std::chrono::milliseconds poll_interval)
    : fetch_(std::move(fetch)),
      poll_interval_(poll_interval),
      delivered_(start_version),
      thread_([this] { run(); }) {}

ChangeNotifier::~ChangeNotifier() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void ChangeNotifier::add(std::function<void(const Change&)> callback) {
  std::lock_guard lock(mutex_);
  callbacks_.push_back(std::move(callback));
}

void ChangeNotifier::poke() {
  {
    std::lock_guard lock(mutex_);
    poked_ = true;
  }
  wake_.notify_all();
}

void ChangeNotifier::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, poll_interval_, [this] { return poked_ || stopping_; });
    if (stopping_) break;
    poked_ = false;
    lock.unlock();
    deliver_pending();
    lock.lock();
  }
}

void ChangeNotifier::deliver_pending() {
  for (;;) {
    std::vector<Change> changes;
    try {
      changes = fetch_(delivered_);
    } catch (const StoreError&) {
      return;  // unreachable now; the next poll or poke tries again from the same version
    }
    if (changes.empty()) return;
    std::vector<std::function<void(const Change&)>> callbacks;
    {
      std::lock_guard lock(mutex_);
      callbacks = callbacks_;
    }
    for (const Change& change : changes) {
      for (const auto& callback : callbacks) {
        try {
          callback(change);
        } catch (...) {
          // A subscriber's failure must not stop delivery to the others.
        }
      }
      delivered_ = change.version;
    }
  }
}

}  // namespace sluice::store::detail
