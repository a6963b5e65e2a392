// What only PostgreSQL does: changes reaching other replicas through LISTEN/NOTIFY, and the
// server going away and coming back.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "postgres_server.hpp"
#include "sluice/store/store.hpp"
#include "wait_until.hpp"

namespace sluice::store {
namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kDefinition = R"({"default":"off"})";

// Collects changes from a subscription so a test can wait for them.
class ChangeInbox {
 public:
  std::function<void(const Change&)> callback() {
    return [this](const Change& change) {
      std::lock_guard lock(mutex_);
      changes_.push_back(change);
      arrived_.notify_all();
    };
  }
  bool wait_for_version(std::int64_t version, std::chrono::seconds timeout) {
    std::unique_lock lock(mutex_);
    return arrived_.wait_for(
        lock, timeout, [&] { return !changes_.empty() && changes_.back().version >= version; });
  }
  std::vector<Change> changes() {
    std::lock_guard lock(mutex_);
    return changes_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<Change> changes_;
};

class StorePostgres : public ::testing::Test {
 protected:
  void SetUp() override {
    SLUICE_REQUIRE_POSTGRES();
    url_ = testing::shared_postgres().create_database();
  }

  // Polling is slowed to a minute so that only NOTIFY can deliver within the test's timeouts.
  std::unique_ptr<Store> open() {
    StoreOptions options;
    options.change_poll_interval = std::chrono::seconds(60);
    options.connect_timeout = std::chrono::seconds(2);
    options.statement_timeout = std::chrono::milliseconds(2000);
    options.reconnect_backoff_min = std::chrono::milliseconds(50);
    options.reconnect_backoff_max = std::chrono::milliseconds(300);
    auto store = open_store(url_, options);
    store->migrate();
    return store;
  }

  std::string url_;
};

TEST_F(StorePostgres, SubscriberSeesChangesMadeThroughAnotherReplica) {
  auto replica_a = open();
  auto replica_b = open();
  ChangeInbox inbox;
  replica_a->subscribe(inbox.callback());

  auto written = replica_b->create_flag("checkout", kDefinition, true, "alice");
  ASSERT_EQ(written.status, WriteStatus::Ok);
  ASSERT_TRUE(inbox.wait_for_version(written.store_version, std::chrono::seconds(10)))
      << "replica A never heard of replica B's write";
  auto changes = inbox.changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind, "flag");
  EXPECT_EQ(changes[0].key, "checkout");

  replica_b->set_enabled("checkout", false, "oncall");
  ASSERT_TRUE(inbox.wait_for_version(2, std::chrono::seconds(10)));
  EXPECT_EQ(inbox.changes().back().kind, "state");
  EXPECT_FALSE(replica_a->get_flag("checkout")->enabled);
}

TEST_F(StorePostgres, OneReplicaLeadsTheControllerAndAnotherTakesOverWhenItDies) {
  auto replica_a = open();
  auto replica_b = open();
  EXPECT_TRUE(replica_a->hold_controller_lease());
  EXPECT_TRUE(replica_a->hold_controller_lease()) << "holding is idempotent";
  EXPECT_FALSE(replica_b->hold_controller_lease()) << "two leaders";
  replica_a.reset();  // its connections close, and the session lock with them
  const bool took_over =
      testing::wait_until([&] { return replica_b->hold_controller_lease(); },
                          std::chrono::seconds(5), std::chrono::milliseconds(100));
  EXPECT_TRUE(took_over);
}

TEST_F(StorePostgres, ReplicasStartingTogetherMigrateOnce) {
  std::vector<std::unique_ptr<Store>> stores;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 3; ++i)
    stores.push_back(open_store(url_));
  for (auto& store : stores) {
    threads.emplace_back([&failures, &store] {
      try {
        store->migrate();
      } catch (const std::exception&) {
        ++failures;
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(stores[0]->schema_version(), 4);
}

TEST_F(StorePostgres, UnreachableServerIsStoreUnavailableThenRecovers) {
  auto store = open();
  auto other_replica = open();
  ChangeInbox inbox;
  store->subscribe(inbox.callback());
  ASSERT_EQ(store->create_flag("checkout", kDefinition, true, "alice").status, WriteStatus::Ok);

  testing::shared_postgres().stop();
  const auto started = Clock::now();
  EXPECT_THROW(store->get_flag("checkout"), StoreUnavailable);
  EXPECT_THROW(store->set_enabled("checkout", false, "oncall"), StoreUnavailable);
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(5)) << "failing took too long";

  testing::shared_postgres().start();
  std::optional<FlagRecord> flag;
  const auto reconnected = [](auto call) {
    return [call] {
      try {
        call();
        return true;
      } catch (const StoreUnavailable&) {
        return false;
      }
    };
  };
  testing::wait_until(reconnected([&] { flag = store->get_flag("checkout"); }),
                      std::chrono::seconds(20));
  ASSERT_TRUE(flag) << "the store did not reconnect";
  EXPECT_TRUE(flag->enabled);

  // The listener reconnected too: another replica's write still arrives.
  std::optional<WriteResult> killed;
  testing::wait_until(
      reconnected([&] { killed = other_replica->set_enabled("checkout", false, "oncall"); }),
      std::chrono::seconds(20));
  ASSERT_TRUE(killed);
  EXPECT_TRUE(inbox.wait_for_version(killed->store_version, std::chrono::seconds(10)));
}

TEST_F(StorePostgres, ARefusedConnectionIsStoreUnavailable) {
  StoreOptions options;
  options.connect_timeout = std::chrono::seconds(1);
  // Port 1 on loopback: nothing listens there, the kernel refuses at once.
  auto store = open_store("postgresql://postgres@127.0.0.1:1/sluice", options);
  EXPECT_THROW(store->migrate(), StoreUnavailable);
  try {
    store->store_version();
  } catch (const StoreUnavailable& error) {
    EXPECT_NE(std::string(error.what()).find("postgresql"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace sluice::store
