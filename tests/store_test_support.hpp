#pragma once

// What the store contract tests share: a deterministic clock and the fixture that runs each test
// against SQLite (a file in a temporary folder) and a real PostgreSQL server (the shared one).
// Not namespace sluice::store::testing: inside sluice::store that would hide sluice::testing.

#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "postgres_server.hpp"
#include "run_command.hpp"
#include "sluice/store/store.hpp"

namespace sluice::store::test_support {

// Each call is one second after the previous, from 2024-01-01T00:00:00.000Z: deterministic and
// distinct, so time filters can be tested exactly.
class SteppingClock {
 public:
  Clock clock() {
    return [this] { return at(++ticks_); };
  }
  static std::string at(int second) {
    return format_rfc3339_ms(std::chrono::sys_days(std::chrono::year(2024) / 1 / 1) +
                             std::chrono::seconds(second));
  }
  void restart() { ticks_ = 0; }

 private:
  std::atomic<int> ticks_{0};
};

// A flag definition, and a rollout policy with its hash, for tests that need any.
inline constexpr const char* kDefinition =
    R"({"variants":{"on":true,"off":false},"default":"off"})";
inline constexpr const char* kPolicy = R"({"flag":"checkout","stages":[{"percent":10}]})";
inline const std::string kPolicyHash(64, 'c');

// Parameterised by "sqlite" or "postgresql". SetUp opens store_ on a new, migrated database at
// url_, with the clock restarted so the test's first write happens at second 1.
class StoreContractFixture : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (postgres()) {
      SLUICE_REQUIRE_POSTGRES();
    }
    url_ = new_database();
    store_ = open(url_);
    store_->migrate();
    clock_.restart();
  }

  bool postgres() const { return GetParam() == "postgresql"; }

  // A new, empty database; returns its URL.
  std::string new_database() {
    if (postgres()) return sluice::testing::shared_postgres().create_database();
    return "sqlite:" + dir_.path() + "/sluice" + std::to_string(++databases_) + ".db";
  }

  // A store on `url` with the stepping clock and a 100 ms change poll.
  std::unique_ptr<Store> open(const std::string& url) {
    StoreOptions options;
    options.clock = clock_.clock();
    options.change_poll_interval = std::chrono::milliseconds(100);
    return open_store(url, options);
  }

  // Runs SQL behind the store's back.
  void execute_raw(const std::string& url, const std::string& sql) {
    if (postgres()) {
      sluice::testing::shared_postgres().execute(url, sql);
      return;
    }
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(url.substr(std::string("sqlite:").size()).c_str(), &db), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
  }

  // A flag and an active rollout of it.
  RolloutRecord start(const std::string& flag) {
    EXPECT_EQ(store_->create_flag(flag, kDefinition, true, "alice").status, WriteStatus::Ok);
    auto created = store_->create_rollout(flag, kPolicy, kPolicyHash, R"({"stage":0})",
                                          R"({"n":0})", "pending", "alice");
    EXPECT_EQ(created.status, RolloutCreateStatus::Ok);
    return created.rollout.value_or(RolloutRecord{});
  }

  sluice::testing::TempDir dir_;
  int databases_ = 0;
  SteppingClock clock_;
  std::string url_;
  std::unique_ptr<Store> store_;
};

}  // namespace sluice::store::test_support
