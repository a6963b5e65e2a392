// The one store contract, run against SQLite and a real PostgreSQL server.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sluice/store/store.hpp"
#include "store_test_support.hpp"

namespace sluice::store {
namespace {

using test_support::kDefinition;
using test_support::SteppingClock;

constexpr const char* kDefinition2 = R"({"variants":{"on":true,"off":false},"default":"on"})";
const std::string kHashA(64, 'a');
const std::string kHashB(64, 'b');

class StoreContract : public test_support::StoreContractFixture {};

TEST_P(StoreContract, CreateGetAndList) {
  auto created = store_->create_flag("checkout", kDefinition, true, "alice");
  EXPECT_EQ(created.status, WriteStatus::Ok);
  EXPECT_EQ(created.version, 1);
  ASSERT_EQ(store_->create_flag("banner", kDefinition2, false, "bob").status, WriteStatus::Ok);

  auto flag = store_->get_flag("checkout");
  ASSERT_TRUE(flag);
  EXPECT_EQ(flag->key, "checkout");
  EXPECT_EQ(flag->definition_json, kDefinition);
  EXPECT_TRUE(flag->enabled);
  EXPECT_FALSE(flag->archived);
  EXPECT_EQ(flag->version, 1);
  EXPECT_EQ(flag->created_at, SteppingClock::at(1));
  EXPECT_EQ(flag->updated_at, SteppingClock::at(1));
  EXPECT_EQ(flag->updated_by, "alice");
  EXPECT_FALSE(store_->get_flag("missing"));

  auto flags = store_->list_flags(false);
  ASSERT_EQ(flags.size(), 2u);
  EXPECT_EQ(flags[0].key, "banner");  // ordered by key
  EXPECT_FALSE(flags[0].enabled);
  EXPECT_EQ(flags[1].key, "checkout");
}

TEST_P(StoreContract, DuplicateCreateAnswersAlreadyExists) {
  ASSERT_EQ(store_->create_flag("checkout", kDefinition, true, "alice").status, WriteStatus::Ok);
  auto again = store_->create_flag("checkout", kDefinition2, false, "bob");
  EXPECT_EQ(again.status, WriteStatus::AlreadyExists);
  EXPECT_EQ(again.store_version, 0);
  EXPECT_EQ(store_->get_flag("checkout")->definition_json, kDefinition);
}

TEST_P(StoreContract, UpdateChecksTheExpectedVersion) {
  store_->create_flag("checkout", kDefinition, true, "alice");
  auto updated = store_->update_flag("checkout", kDefinition2, 1, "bob");
  EXPECT_EQ(updated.status, WriteStatus::Ok);
  EXPECT_EQ(updated.version, 2);

  auto stale = store_->update_flag("checkout", kDefinition, 1, "carol");
  EXPECT_EQ(stale.status, WriteStatus::Conflict);
  EXPECT_EQ(stale.version, 2);  // the current version, so the caller can re-read
  EXPECT_EQ(store_->get_flag("checkout")->definition_json, kDefinition2);

  auto unconditional = store_->update_flag("checkout", kDefinition, std::nullopt, "carol");
  EXPECT_EQ(unconditional.status, WriteStatus::Ok);
  EXPECT_EQ(unconditional.version, 3);
  auto flag = store_->get_flag("checkout");
  EXPECT_EQ(flag->updated_by, "carol");
  EXPECT_EQ(flag->created_at, SteppingClock::at(1));

  EXPECT_EQ(store_->update_flag("missing", kDefinition, std::nullopt, "bob").status,
            WriteStatus::NotFound);
}

TEST_P(StoreContract, KillAndReviveChangeOnlyTheState) {
  store_->create_flag("checkout", kDefinition, true, "alice");
  auto killed = store_->set_enabled("checkout", false, "oncall");
  EXPECT_EQ(killed.status, WriteStatus::Ok);
  EXPECT_EQ(killed.version, 2);
  auto flag = store_->get_flag("checkout");
  EXPECT_FALSE(flag->enabled);
  EXPECT_EQ(flag->definition_json, kDefinition);
  EXPECT_EQ(flag->version, 2);

  EXPECT_EQ(store_->set_enabled("checkout", true, "oncall").version, 3);
  EXPECT_TRUE(store_->get_flag("checkout")->enabled);
  EXPECT_EQ(store_->set_enabled("missing", false, "oncall").status, WriteStatus::NotFound);

  auto entries = store_->audit({.flag = "checkout"});
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[1].action, "kill");
  EXPECT_EQ(entries[2].action, "revive");
  auto before = nlohmann::json::parse(*entries[1].before_json);
  auto after = nlohmann::json::parse(*entries[1].after_json);
  EXPECT_EQ(before["enabled"], true);
  EXPECT_EQ(after["enabled"], false);
  EXPECT_EQ(before["definition"], after["definition"]);

  auto changes = store_->changes_since(0, 100);
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].kind, "flag");
  EXPECT_EQ(changes[1].kind, "state");
  EXPECT_EQ(changes[2].kind, "state");
}

TEST_P(StoreContract, ArchiveHidesFromListAndFreezesTheFlag) {
  store_->create_flag("old", kDefinition, true, "alice");
  store_->create_flag("new", kDefinition, true, "alice");
  EXPECT_EQ(store_->archive_flag("old", 7, "bob").status, WriteStatus::Conflict);
  auto archived = store_->archive_flag("old", 1, "bob");
  EXPECT_EQ(archived.status, WriteStatus::Ok);
  EXPECT_EQ(archived.version, 2);

  auto visible = store_->list_flags(false);
  ASSERT_EQ(visible.size(), 1u);
  EXPECT_EQ(visible[0].key, "new");
  EXPECT_EQ(store_->list_flags(true).size(), 2u);
  EXPECT_TRUE(store_->get_flag("old")->archived);

  EXPECT_EQ(store_->update_flag("old", kDefinition2, std::nullopt, "bob").status,
            WriteStatus::Archived);
  EXPECT_EQ(store_->set_enabled("old", false, "bob").status, WriteStatus::Archived);
  EXPECT_EQ(store_->archive_flag("old", std::nullopt, "bob").status, WriteStatus::Archived);
  EXPECT_EQ(store_->create_flag("old", kDefinition, true, "bob").status,
            WriteStatus::AlreadyExists);
  EXPECT_EQ(store_->archive_flag("missing", std::nullopt, "bob").status, WriteStatus::NotFound);
}

TEST_P(StoreContract, AuditRecordsWhoWhatAndBeforeAfter) {
  store_->create_flag("checkout", kDefinition, true, "alice");
  store_->update_flag("checkout", kDefinition2, 1, "bob");

  auto entries = store_->audit({});
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].actor, "alice");
  EXPECT_EQ(entries[0].action, "create");
  EXPECT_EQ(entries[0].target_kind, "flag");
  EXPECT_EQ(entries[0].target_key, "checkout");
  EXPECT_EQ(entries[0].at, SteppingClock::at(1));
  EXPECT_FALSE(entries[0].before_json);
  ASSERT_TRUE(entries[0].after_json);
  EXPECT_EQ(nlohmann::json::parse(*entries[0].after_json)["definition"],
            nlohmann::json::parse(kDefinition));

  EXPECT_EQ(entries[1].action, "update");
  EXPECT_EQ(entries[1].actor, "bob");
  EXPECT_LT(entries[0].id, entries[1].id);
  EXPECT_EQ(nlohmann::json::parse(*entries[1].before_json)["definition"],
            nlohmann::json::parse(kDefinition));
  EXPECT_EQ(nlohmann::json::parse(*entries[1].after_json)["definition"],
            nlohmann::json::parse(kDefinition2));
  EXPECT_EQ(nlohmann::json::parse(*entries[1].after_json)["version"], 2);

  // Refused writes leave no trace.
  store_->update_flag("checkout", kDefinition, 1, "mallory");
  EXPECT_EQ(store_->audit({}).size(), 2u);
}

TEST_P(StoreContract, AuditFiltersByFlagActorAndTime) {
  store_->create_flag("a", kDefinition, true, "alice");         // t1
  store_->create_flag("b", kDefinition, true, "bob");           // t2
  store_->update_flag("a", kDefinition2, std::nullopt, "bob");  // t3
  store_->create_segment("beta", "{}", "alice");                // t4
  store_->set_enabled("a", false, "alice");                     // t5

  auto for_a = store_->audit({.flag = "a"});
  ASSERT_EQ(for_a.size(), 3u);
  for (const auto& entry : for_a)
    EXPECT_EQ(entry.target_key, "a");

  auto by_bob = store_->audit({.actor = "bob"});
  ASSERT_EQ(by_bob.size(), 2u);
  EXPECT_EQ(by_bob[0].target_key, "b");

  auto a_by_alice = store_->audit({.flag = "a", .actor = "alice"});
  ASSERT_EQ(a_by_alice.size(), 2u);

  // since is inclusive, until exclusive; other RFC 3339 spellings of the same instant work.
  auto window =
      store_->audit({.since = SteppingClock::at(2), .until = "2024-01-01T01:00:04+01:00"});
  ASSERT_EQ(window.size(), 2u);
  EXPECT_EQ(window[0].at, SteppingClock::at(2));
  EXPECT_EQ(window[1].at, SteppingClock::at(3));
  EXPECT_THROW(store_->audit({.since = "yesterday"}), std::invalid_argument);
}

TEST_P(StoreContract, AuditPagesWithACursorEitherWay) {
  for (int i = 0; i < 5; ++i) {
    store_->create_flag("f" + std::to_string(i), kDefinition, true, "alice");
  }
  // Pages of 2, following the cursor the order uses: after_id oldest first, before_id newest.
  auto read_all = [&](bool newest_first) {
    std::vector<std::string> seen;
    AuditQuery query{.newest_first = newest_first, .limit = 2};
    for (int page = 0; page < 10; ++page) {
      auto entries = store_->audit(query);
      if (entries.empty()) break;
      EXPECT_LE(entries.size(), 2u);
      for (const auto& entry : entries)
        seen.push_back(entry.target_key);
      (newest_first ? query.before_id : query.after_id) = entries.back().id;
    }
    return seen;
  };
  EXPECT_EQ(read_all(false), (std::vector<std::string>{"f0", "f1", "f2", "f3", "f4"}));
  EXPECT_EQ(read_all(true), (std::vector<std::string>{"f4", "f3", "f2", "f1", "f0"}));
}

TEST_P(StoreContract, SegmentsCrud) {
  EXPECT_EQ(store_->create_segment("beta", R"({"rules":[]})", "alice").status, WriteStatus::Ok);
  EXPECT_EQ(store_->create_segment("beta", "{}", "alice").status, WriteStatus::AlreadyExists);
  store_->create_segment("alpha", "{}", "alice");

  auto segment = store_->get_segment("beta");
  ASSERT_TRUE(segment);
  EXPECT_EQ(segment->definition_json, R"({"rules":[]})");
  EXPECT_EQ(segment->version, 1);
  EXPECT_EQ(segment->updated_by, "alice");

  EXPECT_EQ(store_->update_segment("beta", R"({"rules":[1]})", 1, "bob").version, 2);
  EXPECT_EQ(store_->update_segment("beta", "{}", 1, "bob").status, WriteStatus::Conflict);
  EXPECT_EQ(store_->update_segment("nope", "{}", std::nullopt, "bob").status,
            WriteStatus::NotFound);
  auto list = store_->list_segments();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].key, "alpha");
  EXPECT_EQ(list[1].definition_json, R"({"rules":[1]})");

  EXPECT_EQ(store_->delete_segment("beta", 1, "bob").status, WriteStatus::Conflict);
  EXPECT_EQ(store_->delete_segment("beta", 2, "bob").status, WriteStatus::Ok);
  EXPECT_FALSE(store_->get_segment("beta"));
  EXPECT_EQ(store_->delete_segment("beta", std::nullopt, "bob").status, WriteStatus::NotFound);

  auto entries = store_->audit({.actor = "bob"});
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].action, "delete");
  EXPECT_EQ(entries[1].target_kind, "segment");
  EXPECT_TRUE(entries[1].before_json);
  EXPECT_FALSE(entries[1].after_json);
}

TEST_P(StoreContract, TokensAreFoundByHashUntilRevoked) {
  EXPECT_EQ(store_->create_token("ci", TokenScope::Admin, kHashA, "root").status, WriteStatus::Ok);
  EXPECT_EQ(store_->create_token("ci", TokenScope::Read, kHashB, "root").status,
            WriteStatus::AlreadyExists);
  EXPECT_EQ(store_->create_token("other", TokenScope::Read, kHashA, "root").status,
            WriteStatus::AlreadyExists);
  store_->create_token("web", TokenScope::Sdk, kHashB, "root");

  auto token = store_->token_by_hash(std::string(64, 'A'));  // hex case does not matter
  ASSERT_TRUE(token);
  EXPECT_EQ(token->name, "ci");
  EXPECT_EQ(token->scope, TokenScope::Admin);
  EXPECT_EQ(token->sha256_hex, kHashA);
  EXPECT_FALSE(token->revoked_at);
  EXPECT_FALSE(store_->token_by_hash(std::string(64, 'c')));

  EXPECT_TRUE(store_->revoke_token("ci", "root"));
  EXPECT_FALSE(store_->revoke_token("ci", "root"));
  EXPECT_FALSE(store_->revoke_token("nobody", "root"));
  EXPECT_FALSE(store_->token_by_hash(kHashA));
  EXPECT_TRUE(store_->token_by_hash(kHashB));

  auto tokens = store_->list_tokens();
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_TRUE(tokens[0].revoked_at);
  EXPECT_EQ(tokens[1].scope, TokenScope::Sdk);

  EXPECT_THROW(store_->create_token("bad", TokenScope::Read, "secret-token", "root"),
               std::invalid_argument);
  for (const auto& entry : store_->audit({})) {
    EXPECT_EQ(entry.target_kind, "token");
    for (const auto& json : {entry.before_json, entry.after_json}) {
      if (json) {
        EXPECT_EQ(json->find(kHashA), std::string::npos) << "hash leaked into audit";
      }
    }
  }
}

TEST_P(StoreContract, StoreVersionCountsWritesAndFeedsChangesSince) {
  EXPECT_EQ(store_->store_version(), 0);
  EXPECT_EQ(store_->create_flag("a", kDefinition, true, "alice").store_version, 1);
  EXPECT_EQ(store_->create_segment("s", "{}", "alice").store_version, 2);
  store_->create_flag("a", kDefinition, true, "alice");  // refused: no version used
  EXPECT_EQ(store_->set_enabled("a", false, "alice").store_version, 3);
  store_->create_token("t", TokenScope::Read, kHashA, "alice");
  EXPECT_EQ(store_->store_version(), 4);

  auto all = store_->changes_since(0, 100);
  ASSERT_EQ(all.size(), 4u);
  for (std::size_t i = 0; i < all.size(); ++i)
    EXPECT_EQ(all[i].version, std::int64_t(i) + 1);
  EXPECT_EQ(all[1].kind, "segment");
  EXPECT_EQ(all[1].key, "s");
  EXPECT_EQ(all[3].kind, "token");

  auto tail = store_->changes_since(2, 100);
  ASSERT_EQ(tail.size(), 2u);
  EXPECT_EQ(tail[0].version, 3);
  EXPECT_EQ(store_->changes_since(1, 1).size(), 1u);
  EXPECT_TRUE(store_->changes_since(4, 100).empty());
}

TEST_P(StoreContract, MigrationsAreRecordedAndIdempotent) {
  EXPECT_EQ(store_->schema_version(), 4);
  store_->create_flag("a", kDefinition, true, "alice");
  store_->migrate();
  store_.reset();
  auto reopened = open(url_);
  EXPECT_EQ(reopened->schema_version(), 4);
  reopened->migrate();
  EXPECT_EQ(reopened->schema_version(), 4);
  EXPECT_TRUE(reopened->get_flag("a"));
}

TEST_P(StoreContract, RefusesASchemaNewerThanTheBinary) {
  store_.reset();
  execute_raw(url_, "INSERT INTO schema_migrations (version, applied_at) VALUES (99, 'later')");
  auto reopened = open(url_);
  try {
    reopened->migrate();
    FAIL() << "migrate() accepted a newer schema";
  } catch (const SchemaTooNew& error) {
    EXPECT_EQ(error.database_version(), 99);
    EXPECT_EQ(std::string(error.what()),
              "database schema version 99 is newer than this sluice binary supports (4); "
              "upgrade sluice");
  }
}

TEST_P(StoreContract, ConcurrentWritersLoseNoUpdate) {
  store_->create_flag("hot", kDefinition, true, "alice");
  constexpr int kThreads = 2;
  constexpr int kAttempts = 200;
  std::atomic<int> ok{0};
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kAttempts; ++i) {
        auto current = store_->get_flag("hot");
        auto result = store_->update_flag("hot", "{\"writer\":" + std::to_string(t) + "}",
                                          current->version, "writer" + std::to_string(t));
        if (result.status == WriteStatus::Ok) ++ok;
        if (result.status == WriteStatus::Conflict) ++conflicts;
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  EXPECT_EQ(ok + conflicts, kThreads * kAttempts);
  EXPECT_EQ(store_->get_flag("hot")->version, 1 + ok);
  EXPECT_EQ(store_->store_version(), 1 + ok);
  EXPECT_EQ(static_cast<int>(store_->changes_since(0, 10000).size()), 1 + ok);
  EXPECT_EQ(static_cast<int>(store_->audit({.limit = 1000}).size()), 1 + ok);
}

TEST_P(StoreContract, SubscribersGetEachCommittedChangeInOrder) {
  store_->create_flag("before", kDefinition, true, "alice");  // before subscribing: not delivered
  std::mutex mutex;
  std::condition_variable arrived;
  std::vector<Change> received;
  store_->subscribe([&](const Change& change) {
    std::lock_guard lock(mutex);
    received.push_back(change);
    arrived.notify_all();
  });
  store_->create_flag("a", kDefinition, true, "alice");
  store_->set_enabled("a", false, "alice");
  store_->create_segment("s", "{}", "alice");

  std::unique_lock lock(mutex);
  ASSERT_TRUE(
      arrived.wait_for(lock, std::chrono::seconds(10), [&] { return received.size() >= 3; }))
      << "got " << received.size() << " changes";
  ASSERT_EQ(received.size(), 3u);
  EXPECT_EQ(received[0].version, 2);
  EXPECT_EQ(received[0].key, "a");
  EXPECT_EQ(received[1].kind, "state");
  EXPECT_EQ(received[2].version, 4);
}

TEST_P(StoreContract, RejectsArgumentsNoDatabaseShouldSee) {
  EXPECT_THROW(store_->create_flag("", kDefinition, true, "alice"), std::invalid_argument);
  EXPECT_THROW(store_->create_flag("a", kDefinition, true, ""), std::invalid_argument);
  EXPECT_THROW(store_->token_by_hash("abc"), std::invalid_argument);
  EXPECT_EQ(store_->store_version(), 0);
}

INSTANTIATE_TEST_SUITE_P(Store, StoreContract, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& test) { return test.param; });

}  // namespace
}  // namespace sluice::store
