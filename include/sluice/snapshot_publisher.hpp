#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "sluice/snapshot.hpp"

namespace sluice {

struct PublishedSnapshot {
  std::shared_ptr<const Snapshot> snapshot;
  std::int64_t version = 0;  // the store version the snapshot reflects
};

// Holds the current snapshot; writers publish a new one, readers never wait. A reader keeps a
// per-thread copy and only takes the writers' mutex on its first read after a publish, so the
// common path is one atomic load with no lock, no reference-count traffic and no allocation.
class SnapshotPublisher {
 public:
  SnapshotPublisher();
  void publish(std::shared_ptr<const Snapshot> snapshot, std::int64_t version);

  // The current snapshot. The reference stays valid until this thread's next call to current()
  // on any publisher; copy it to keep the snapshot longer.
  const PublishedSnapshot& current() const;

  std::int64_t version() const { return version_.load(std::memory_order_acquire); }
  bool has_snapshot() const { return generation_.load(std::memory_order_acquire) != 0; }

 private:
  const std::uint64_t id_;
  std::atomic<std::uint64_t> generation_{0};  // bumped on every publish
  std::atomic<std::int64_t> version_{0};
  mutable std::mutex mutex_;
  PublishedSnapshot latest_;  // guarded by mutex_
};

}  // namespace sluice
