#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "sluice/snapshot_publisher.hpp"

namespace sluice {
namespace {

std::shared_ptr<const Snapshot> snapshot_with(const std::string& key) {
  FlagDefinition flag;
  flag.key = key;
  flag.variants = {{"on", Value(true), {}}, {"off", Value(false), {}}};
  flag.off_variant = "off";
  flag.fallthrough.variant = "on";
  auto compiled = compile_snapshot(FlagSet{{flag}, {}});
  return compiled.snapshot;
}

TEST(SnapshotPublisher, ReadersSeeTheLatestPublish) {
  SnapshotPublisher publisher;
  EXPECT_FALSE(publisher.has_snapshot());
  publisher.publish(snapshot_with("a"), 1);
  EXPECT_TRUE(publisher.has_snapshot());
  EXPECT_EQ(publisher.current().version, 1);
  EXPECT_TRUE(publisher.current().snapshot->find("a").has_value());
  publisher.publish(snapshot_with("b"), 2);
  const PublishedSnapshot& now = publisher.current();
  EXPECT_EQ(now.version, 2);
  EXPECT_FALSE(now.snapshot->find("a").has_value());
  EXPECT_TRUE(now.snapshot->find("b").has_value());
}

TEST(SnapshotPublisher, TwoPublishersDoNotShareTheThreadCache) {
  SnapshotPublisher first;
  SnapshotPublisher second;
  first.publish(snapshot_with("a"), 1);
  second.publish(snapshot_with("b"), 7);
  EXPECT_EQ(first.current().version, 1);
  EXPECT_EQ(second.current().version, 7);
  EXPECT_EQ(first.current().version, 1);
}

// Readers on several threads while a writer publishes: every read is a complete snapshot whose
// version never goes backwards on one thread.
TEST(SnapshotPublisher, ConcurrentReadersNeverSeeAnOlderVersion) {
  SnapshotPublisher publisher;
  publisher.publish(snapshot_with("v0"), 0);
  std::atomic<bool> done{false};
  std::atomic<int> violations{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      std::int64_t last = 0;
      while (!done.load()) {
        const PublishedSnapshot& p = publisher.current();
        if (p.version < last || p.snapshot == nullptr ||
            !p.snapshot->find("v" + std::to_string(p.version)).has_value()) {
          ++violations;
        }
        last = p.version;
      }
    });
  }
  for (int v = 1; v <= 200; ++v)
    publisher.publish(snapshot_with("v" + std::to_string(v)), v);
  done = true;
  for (auto& r : readers)
    r.join();
  EXPECT_EQ(violations.load(), 0);
  EXPECT_EQ(publisher.current().version, 200);
}

}  // namespace
}  // namespace sluice
