#include "sluice/snapshot_publisher.hpp"

namespace sluice {
namespace {

std::atomic<std::uint64_t> next_publisher_id{1};

// One cached snapshot per thread: the last publisher and generation it was read from.
struct ThreadCache {
  std::uint64_t publisher = 0;
  std::uint64_t generation = 0;
  PublishedSnapshot snapshot;
};

thread_local ThreadCache cache;

}  // namespace

SnapshotPublisher::SnapshotPublisher() : id_(next_publisher_id.fetch_add(1)) {}

void SnapshotPublisher::publish(std::shared_ptr<const Snapshot> snapshot, std::int64_t version) {
  std::lock_guard lock(mutex_);
  latest_ = PublishedSnapshot{std::move(snapshot), version};
  version_.store(version, std::memory_order_release);
  generation_.fetch_add(1, std::memory_order_acq_rel);
}

const PublishedSnapshot& SnapshotPublisher::current() const {
  const std::uint64_t generation = generation_.load(std::memory_order_acquire);
  if (cache.publisher != id_ || cache.generation != generation) {
    std::lock_guard lock(mutex_);
    cache.publisher = id_;
    cache.generation = generation_.load(std::memory_order_acquire);
    cache.snapshot = latest_;
  }
  return cache.snapshot;
}

}  // namespace sluice
