// What only the SQLite store does: a file that outlives the process, WAL mode, and a second
// process (here: a second Store) on the same file.

#include <sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>

#include <gtest/gtest.h>

#include "run_command.hpp"
#include "sluice/store/store.hpp"

namespace sluice::store {
namespace {

class StoreSqlite : public ::testing::Test {
 protected:
  std::unique_ptr<Store> open(std::chrono::milliseconds poll = std::chrono::seconds(2)) {
    StoreOptions options;
    options.change_poll_interval = poll;
    auto store = open_store("sqlite:" + path_, options);
    store->migrate();
    return store;
  }

  testing::TempDir dir_;
  std::string path_ = dir_.path() + "/sluice.db";
};

TEST_F(StoreSqlite, AReopenedFileKeepsItsData) {
  {
    auto store = open();
    store->create_flag("checkout", "{}", true, "alice");
    store->set_enabled("checkout", false, "oncall");
  }
  auto store = open();
  auto flag = store->get_flag("checkout");
  ASSERT_TRUE(flag);
  EXPECT_FALSE(flag->enabled);
  EXPECT_EQ(flag->version, 2);
  EXPECT_EQ(store->store_version(), 2);
  EXPECT_EQ(store->audit({}).size(), 2u);
}

TEST_F(StoreSqlite, UsesWriteAheadLogging) {
  auto store = open();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &statement, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(statement), SQLITE_ROW);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(sqlite3_column_text(statement, 0))), "wal");
  sqlite3_finalize(statement);
  sqlite3_close(db);
}

TEST_F(StoreSqlite, InMemoryDatabaseWorks) {
  auto store = open_store("sqlite::memory:");
  store->migrate();
  EXPECT_EQ(store->create_flag("a", "{}", true, "alice").status, WriteStatus::Ok);
  EXPECT_EQ(store->list_flags(false).size(), 1u);
}

TEST_F(StoreSqlite, SubscriberSeesWritesOfAnotherProcessByPolling) {
  auto reader = open(std::chrono::milliseconds(50));
  auto writer = open();
  std::mutex mutex;
  std::condition_variable arrived;
  std::vector<Change> changes;
  reader->subscribe([&](const Change& change) {
    std::lock_guard lock(mutex);
    changes.push_back(change);
    arrived.notify_all();
  });
  writer->create_flag("checkout", "{}", true, "alice");
  std::unique_lock lock(mutex);
  ASSERT_TRUE(arrived.wait_for(lock, std::chrono::seconds(10), [&] { return !changes.empty(); }));
  EXPECT_EQ(changes[0].key, "checkout");
}

TEST_F(StoreSqlite, AnUnopenableFileIsStoreUnavailable) {
  EXPECT_THROW(open_store("sqlite:" + dir_.path() + "/missing-folder/sluice.db"), StoreUnavailable);
}

TEST(StoreOpen, RejectsUnknownUrlsClearly) {
  try {
    open_store("mysql://localhost/sluice");
    FAIL() << "accepted a mysql URL";
  } catch (const StoreError& error) {
    EXPECT_NE(std::string(error.what()).find("sqlite:PATH or postgresql://"), std::string::npos)
        << error.what();
  }
  EXPECT_THROW(open_store("sqlite:"), StoreError);
}

}  // namespace
}  // namespace sluice::store
