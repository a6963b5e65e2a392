// The rollout part of the store contract (migration 2), run against SQLite and a real
// PostgreSQL server like store_contract_test.cpp.

#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../store/migrations.hpp"  // migration 1 alone, to build a database at schema 1
#include "rollout_contract_support.hpp"
#include "sluice/store/store.hpp"
#include "store_test_support.hpp"

namespace sluice::store {
namespace {

using test_support::kDefinition;
using test_support::kPolicy;
using test_support::kPolicyHash;
using test_support::SteppingClock;
using test_support::StoreContractFixture;

using test_support::RolloutContract;

TEST_P(RolloutContract, CreateRolloutAndReadItBack) {
  ASSERT_EQ(store_->create_flag("checkout", kDefinition, true, "alice").status, WriteStatus::Ok);
  auto created = store_->create_rollout("checkout", kPolicy, kPolicyHash, R"({"stage":0})",
                                        R"({"n":0})", "pending", "deployer");
  ASSERT_EQ(created.status, RolloutCreateStatus::Ok);
  EXPECT_EQ(created.store_version, 2);
  ASSERT_TRUE(created.rollout);
  const RolloutRecord& rollout = *created.rollout;
  EXPECT_GT(rollout.id, 0);
  EXPECT_EQ(rollout.flag, "checkout");
  EXPECT_EQ(rollout.policy_json, kPolicy);
  EXPECT_EQ(rollout.policy_hash, kPolicyHash);
  EXPECT_EQ(rollout.state_json, R"({"stage":0})");
  EXPECT_EQ(rollout.window_json, R"({"n":0})");
  EXPECT_EQ(rollout.phase, "pending");
  EXPECT_TRUE(rollout.active);
  EXPECT_EQ(rollout.sequence, 0);
  EXPECT_EQ(rollout.started_by, "deployer");
  EXPECT_EQ(rollout.created_at, SteppingClock::at(2));
  EXPECT_EQ(rollout.updated_at, SteppingClock::at(2));
  EXPECT_EQ(rollout.version, 2);

  auto read = store_->get_rollout(rollout.id);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->policy_json, kPolicy);
  EXPECT_EQ(read->created_at, rollout.created_at);
  EXPECT_EQ(store_->latest_rollout("checkout")->id, rollout.id);
  EXPECT_FALSE(store_->latest_rollout("other"));
  EXPECT_FALSE(store_->get_rollout(rollout.id + 100));
  ASSERT_EQ(store_->list_rollouts(false).size(), 1u);
  EXPECT_EQ(store_->list_rollouts(true).size(), 1u);
  EXPECT_EQ(to_string(created.status), "ok");
}

TEST_P(RolloutContract, OneActiveRolloutPerFlag) {
  const RolloutRecord first = start("checkout");
  const std::int64_t version = store_->store_version();
  auto again =
      store_->create_rollout("checkout", kPolicy, kPolicyHash, "{}", "{}", "pending", "bob");
  EXPECT_EQ(again.status, RolloutCreateStatus::ActiveExists);
  EXPECT_EQ(to_string(again.status), "active_exists");
  ASSERT_TRUE(again.rollout);
  EXPECT_EQ(again.rollout->id, first.id);
  EXPECT_EQ(again.rollout->started_by, "alice");
  EXPECT_EQ(again.store_version, 0);
  EXPECT_EQ(store_->store_version(), version);  // a refusal uses no version
  EXPECT_EQ(store_->list_rollouts(true).size(), 1u);
}

TEST_P(RolloutContract, RolloutOfAMissingOrArchivedFlagIsRefused) {
  auto missing =
      store_->create_rollout("missing", kPolicy, kPolicyHash, "{}", "{}", "pending", "alice");
  EXPECT_EQ(missing.status, RolloutCreateStatus::FlagNotFound);
  EXPECT_FALSE(missing.rollout);
  store_->create_flag("old", kDefinition, true, "alice");
  store_->archive_flag("old", std::nullopt, "alice");
  auto archived =
      store_->create_rollout("old", kPolicy, kPolicyHash, "{}", "{}", "pending", "alice");
  EXPECT_EQ(archived.status, RolloutCreateStatus::FlagNotFound);
  EXPECT_EQ(to_string(archived.status), "flag_not_found");
  EXPECT_EQ(store_->store_version(), 2);
  EXPECT_TRUE(store_->list_rollouts(true).empty());
}

TEST_P(RolloutContract, ANewRolloutMayStartOnceThePreviousFinished) {
  const RolloutRecord first = start("checkout");
  auto finished = store_->record_decisions({decision(first, 0, "complete", /*active=*/false)});
  ASSERT_EQ(finished.at(0).status, DecisionWriteStatus::Ok);
  EXPECT_FALSE(store_->get_rollout(first.id)->active);
  EXPECT_EQ(store_->get_rollout(first.id)->phase, "completed");
  EXPECT_TRUE(store_->list_rollouts(false).empty());

  auto second =
      store_->create_rollout("checkout", kPolicy, kPolicyHash, "{}", "{}", "pending", "bob");
  ASSERT_EQ(second.status, RolloutCreateStatus::Ok);
  EXPECT_GT(second.rollout->id, first.id);
  EXPECT_EQ(store_->latest_rollout("checkout")->id, second.rollout->id);
  auto active = store_->list_rollouts(false);
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].id, second.rollout->id);
  auto all = store_->list_rollouts(true);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, first.id);  // oldest first
  EXPECT_EQ(all[1].id, second.rollout->id);
}

TEST_P(RolloutContract, ADecisionUpdatesTheRolloutAndIsLogged) {
  const RolloutRecord rollout = start("checkout");
  DecisionWrite write = decision(rollout, 0);
  write.decision.flag = "ignored";  // the store files it under the rollout's flag
  write.decision.rollout_id = 0;    // may be left out
  auto results = store_->record_decisions({write});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].status, DecisionWriteStatus::Ok);
  EXPECT_EQ(to_string(results[0].status), "ok");
  EXPECT_EQ(results[0].store_version, 3);
  EXPECT_EQ(store_->store_version(), 3);

  auto after = store_->get_rollout(rollout.id);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->state_json, write.state_json);
  EXPECT_EQ(after->window_json, write.window_json);
  EXPECT_EQ(after->phase, "progressing");
  EXPECT_TRUE(after->active);
  EXPECT_EQ(after->sequence, 1);
  EXPECT_EQ(after->version, 3);
  EXPECT_EQ(after->updated_at, SteppingClock::at(3));
  EXPECT_EQ(after->created_at, rollout.created_at);

  auto logged = store_->decisions(rollout.id, 0, 100);
  ASSERT_EQ(logged.size(), 1u);
  const DecisionRecord& d = logged[0];
  EXPECT_EQ(d.rollout_id, rollout.id);
  EXPECT_EQ(d.sequence, 1);
  EXPECT_EQ(d.flag, "checkout");
  EXPECT_EQ(d.at, "2024-02-01T10:00:01.000Z");  // canonical form
  EXPECT_EQ(d.actor, "controller");
  EXPECT_EQ(d.kind, "advance");
  EXPECT_EQ(d.from_phase, "pending");
  EXPECT_EQ(d.to_phase, "progressing");
  EXPECT_EQ(d.from_stage, 0);
  EXPECT_EQ(d.to_stage, 1);
  EXPECT_EQ(d.from_bp, 0);
  EXPECT_EQ(d.to_bp, 100);
  EXPECT_EQ(d.verdict, "healthy");
  EXPECT_EQ(d.reason, "");
  EXPECT_EQ(d.sentence, "Stage 1 looks healthy.");
  EXPECT_EQ(d.evidence_json, R"({"checks":[]})");
}

TEST_P(RolloutContract, RefusedDecisionsLeaveTheRolloutUntouched) {
  const RolloutRecord rollout = start("checkout");
  ASSERT_EQ(store_->record_decisions({decision(rollout, 0)}).at(0).status, DecisionWriteStatus::Ok);
  const RolloutRecord before = *store_->get_rollout(rollout.id);
  const std::int64_t version = store_->store_version();

  DecisionWrite retry = decision(rollout, 0);  // already written (a retry after a lost commit)
  retry.state_json = R"({"other":true})";
  DecisionWrite ahead = decision(rollout, 5);  // the rollout is at 1, not 5
  RolloutRecord missing = rollout;
  missing.id = rollout.id + 1000;
  auto results = store_->record_decisions({retry, ahead, decision(missing, 0)});
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].status, DecisionWriteStatus::Duplicate);
  EXPECT_EQ(results[1].status, DecisionWriteStatus::Conflict);
  EXPECT_EQ(results[2].status, DecisionWriteStatus::NotFound);
  for (const auto& result : results)
    EXPECT_EQ(result.store_version, 0);
  EXPECT_EQ(to_string(results[0].status), "duplicate");
  EXPECT_EQ(to_string(results[1].status), "conflict");
  EXPECT_EQ(to_string(results[2].status), "not_found");
  EXPECT_EQ(store_->store_version(), version);  // nothing written, no version used

  const RolloutRecord after = *store_->get_rollout(rollout.id);
  EXPECT_EQ(after.state_json, before.state_json);
  EXPECT_EQ(after.sequence, 1);
  EXPECT_EQ(after.version, before.version);
  EXPECT_EQ(after.updated_at, before.updated_at);
  EXPECT_EQ(store_->decisions(rollout.id, 0, 100).size(), 1u);

  // A finished rollout takes no more decisions; a retry of the finishing one is a Duplicate.
  ASSERT_EQ(store_->record_decisions({decision(rollout, 1, "complete", false)}).at(0).status,
            DecisionWriteStatus::Ok);
  auto late = store_->record_decisions({decision(rollout, 2), decision(rollout, 1)});
  EXPECT_EQ(late.at(0).status, DecisionWriteStatus::NotActive);
  EXPECT_EQ(to_string(late.at(0).status), "not_active");
  EXPECT_EQ(late.at(1).status, DecisionWriteStatus::Duplicate);
  EXPECT_EQ(store_->get_rollout(rollout.id)->sequence, 2);
  EXPECT_EQ(store_->get_rollout(rollout.id)->phase, "completed");
}

TEST_P(RolloutContract, ARefusedWriteDoesNotStopTheOthersInTheBatch) {
  const RolloutRecord a = start("a");
  const RolloutRecord b = start("b");
  const RolloutRecord c = start("c");
  const std::int64_t version = store_->store_version();
  auto results = store_->record_decisions({decision(a, 0), decision(b, 3), decision(c, 0)});
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].status, DecisionWriteStatus::Ok);
  EXPECT_EQ(results[1].status, DecisionWriteStatus::Conflict);
  EXPECT_EQ(results[2].status, DecisionWriteStatus::Ok);
  // Each written decision has its own store version, in order.
  EXPECT_EQ(results[0].store_version, version + 1);
  EXPECT_EQ(results[1].store_version, 0);
  EXPECT_EQ(results[2].store_version, version + 2);
  EXPECT_EQ(store_->store_version(), version + 2);
  EXPECT_EQ(store_->get_rollout(a.id)->sequence, 1);
  EXPECT_EQ(store_->get_rollout(a.id)->version, version + 1);
  EXPECT_EQ(store_->get_rollout(b.id)->sequence, 0);
  EXPECT_EQ(store_->get_rollout(b.id)->version, b.version);
  EXPECT_TRUE(store_->decisions(b.id, 0, 100).empty());
  EXPECT_EQ(store_->get_rollout(c.id)->sequence, 1);
  EXPECT_EQ(store_->get_rollout(c.id)->version, version + 2);

  auto changes = store_->changes_since(version, 100);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].version, version + 1);
  EXPECT_EQ(changes[0].kind, "rollout");
  EXPECT_EQ(changes[0].key, "a");
  EXPECT_EQ(changes[1].version, version + 2);
  EXPECT_EQ(changes[1].key, "c");
}

TEST_P(RolloutContract, SeveralDecisionsOfOneRolloutInOneBatchChainInOrder) {
  const RolloutRecord rollout = start("checkout");
  auto results = store_->record_decisions(
      {decision(rollout, 0), decision(rollout, 1), decision(rollout, 1), decision(rollout, 5)});
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0].status, DecisionWriteStatus::Ok);
  EXPECT_EQ(results[1].status, DecisionWriteStatus::Ok);
  EXPECT_EQ(results[2].status, DecisionWriteStatus::Duplicate);
  EXPECT_EQ(results[3].status, DecisionWriteStatus::Conflict);
  EXPECT_EQ(results[1].store_version, results[0].store_version + 1);
  auto after = store_->get_rollout(rollout.id);
  EXPECT_EQ(after->sequence, 2);
  EXPECT_EQ(after->state_json, decision(rollout, 1).state_json);  // the last write's state
  EXPECT_EQ(after->version, results[1].store_version);
  EXPECT_EQ(store_->decisions(rollout.id, 0, 100).size(), 2u);
}

TEST_P(RolloutContract, DecisionsComeInSequenceOrderAndPage) {
  const RolloutRecord rollout = start("checkout");
  const RolloutRecord other = start("other");
  for (std::int64_t expected = 0; expected < 5; ++expected) {
    auto results =
        store_->record_decisions({decision(other, expected), decision(rollout, expected)});
    ASSERT_EQ(results.at(1).status, DecisionWriteStatus::Ok);
  }
  auto all = store_->decisions(rollout.id, 0, 1000);
  ASSERT_EQ(all.size(), 5u);
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].sequence, static_cast<std::int64_t>(i) + 1);
    EXPECT_EQ(all[i].rollout_id, rollout.id);
  }
  auto page1 = store_->decisions(rollout.id, 0, 2);
  ASSERT_EQ(page1.size(), 2u);
  EXPECT_EQ(page1[1].sequence, 2);
  auto page2 = store_->decisions(rollout.id, page1.back().sequence, 2);
  ASSERT_EQ(page2.size(), 2u);
  EXPECT_EQ(page2[0].sequence, 3);
  auto page3 = store_->decisions(rollout.id, page2.back().sequence, 2);
  ASSERT_EQ(page3.size(), 1u);
  EXPECT_EQ(page3[0].sequence, 5);
  EXPECT_TRUE(store_->decisions(rollout.id, 5, 2).empty());
  EXPECT_EQ(store_->decisions(rollout.id, 0, 0).size(), 1u);  // limit clamped to 1..1000
  EXPECT_TRUE(store_->decisions(rollout.id + 1000, 0, 10).empty());
}

TEST_P(RolloutContract, OutboxKeepsTheFirstRowOfAKeyAndListsDueRows) {
  const RolloutRecord a = start("a");
  const RolloutRecord b = start("b");
  DecisionWrite first = decision(a, 0);
  first.outbox = {outbox("rollout/a/1/advanced", R"({"first":true})"),
                  outbox("rollout/a/1/slack", R"({"to":"slack"})")};
  first.outbox[1].next_attempt_at = "2024-03-01T00:00:00Z";  // not due before then
  DecisionWrite second = decision(b, 0);
  second.outbox = {outbox("rollout/a/1/advanced", R"({"first":false})"),  // same key: dropped
                   outbox("rollout/b/1/advanced"), outbox("rollout/b/1/advanced")};
  DecisionWrite delivered = decision(b, 1);
  delivered.outbox = {outbox("rollout/b/2/delivered")};
  delivered.outbox[0].delivered_at = "2024-02-02T00:00:00.000Z";
  auto results = store_->record_decisions({first, second, delivered});
  for (const auto& result : results)
    ASSERT_EQ(result.status, DecisionWriteStatus::Ok);

  auto due = store_->due_outbox("2024-02-15T00:00:00Z", 100);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].idempotency_key, "rollout/a/1/advanced");
  EXPECT_EQ(due[0].payload_json, R"({"first":true})");
  EXPECT_EQ(due[0].event_kind, "advanced");
  EXPECT_EQ(due[0].attempts, 0);
  EXPECT_FALSE(due[0].next_attempt_at);
  EXPECT_FALSE(due[0].delivered_at);
  EXPECT_FALSE(due[0].last_error);
  EXPECT_FALSE(due[0].created_at.empty());
  EXPECT_EQ(due[1].idempotency_key, "rollout/b/1/advanced");
  EXPECT_LT(due[0].id, due[1].id);  // oldest first

  auto later = store_->due_outbox("2024-03-01T01:00:00+01:00", 100);  // = 00:00Z: due now
  ASSERT_EQ(later.size(), 3u);
  EXPECT_EQ(later[1].idempotency_key, "rollout/a/1/slack");
  EXPECT_EQ(later[1].next_attempt_at, "2024-03-01T00:00:00.000Z");
  EXPECT_EQ(store_->due_outbox("2024-03-01T01:00:00+01:00", 1).size(), 1u);

  // A key written again in a later call is dropped too.
  DecisionWrite again = decision(a, 1);
  again.outbox = {outbox("rollout/a/1/advanced", R"({"third":true})")};
  ASSERT_EQ(store_->record_decisions({again}).at(0).status, DecisionWriteStatus::Ok);
  EXPECT_EQ(store_->due_outbox("2024-03-02T00:00:00Z", 100).size(), 3u);
  EXPECT_THROW(store_->due_outbox("yesterday", 10), std::invalid_argument);
}

TEST_P(RolloutContract, RolloutWritesAreInTheChangeFeedAndReachSubscribers) {
  store_->create_flag("a", kDefinition, true, "alice");
  store_->create_flag("b", kDefinition, true, "alice");
  std::mutex mutex;
  std::condition_variable arrived;
  std::vector<Change> received;
  store_->subscribe([&](const Change& change) {
    std::lock_guard lock(mutex);
    received.push_back(change);
    arrived.notify_all();
  });
  auto a = store_->create_rollout("a", kPolicy, kPolicyHash, "{}", "{}", "pending", "alice");
  auto b = store_->create_rollout("b", kPolicy, kPolicyHash, "{}", "{}", "pending", "alice");
  auto hold = decision(*b.rollout, 0);
  hold.changes_split = false;  // a hold: nothing served changes
  store_->record_decisions({decision(*a.rollout, 0), hold});

  std::unique_lock lock(mutex);
  ASSERT_TRUE(
      arrived.wait_for(lock, std::chrono::seconds(10), [&] { return received.size() >= 4; }))
      << "got " << received.size() << " changes";
  ASSERT_EQ(received.size(), 4u);
  const std::vector<std::string> keys{"a", "b", "a", "b"};
  const std::vector<std::string> kinds{"rollout", "rollout", "rollout", "decision"};
  for (std::size_t i = 0; i < received.size(); ++i) {
    EXPECT_EQ(received[i].kind, kinds[i]);
    EXPECT_EQ(received[i].key, keys[i]);
    EXPECT_EQ(received[i].version, static_cast<std::int64_t>(i) + 3);
  }
}

TEST_P(RolloutContract, StartsAndAuditedDecisionsAreAudited) {
  const RolloutRecord rollout = start("checkout");
  DecisionWrite pause = decision(rollout, 1, "pause");
  pause.decision.actor = "oncall-token";
  pause.decision.reason = "error budget looks odd";
  pause.decision.verdict = "";
  pause.audit = true;
  auto results = store_->record_decisions({decision(rollout, 0), pause});
  ASSERT_EQ(results.at(1).status, DecisionWriteStatus::Ok);

  auto entries = store_->audit({.limit = 100});
  ASSERT_EQ(entries.size(), 3u);  // create flag, start, pause; the controller's advance is not
  EXPECT_EQ(entries[1].action, "start");
  EXPECT_EQ(entries[1].actor, "alice");
  EXPECT_EQ(entries[1].target_kind, "rollout");
  EXPECT_EQ(entries[1].target_key, "checkout");
  EXPECT_FALSE(entries[1].before_json);
  ASSERT_TRUE(entries[1].after_json);
  auto started = nlohmann::json::parse(*entries[1].after_json);
  EXPECT_EQ(started["id"], rollout.id);
  EXPECT_EQ(started["flag"], "checkout");
  EXPECT_EQ(started["phase"], "pending");
  EXPECT_EQ(started["policy_hash"], kPolicyHash);

  EXPECT_EQ(entries[2].action, "pause");
  EXPECT_EQ(entries[2].actor, "oncall-token");
  EXPECT_EQ(entries[2].target_kind, "rollout");
  EXPECT_EQ(entries[2].target_key, "checkout");
  ASSERT_TRUE(entries[2].after_json);
  auto paused = nlohmann::json::parse(*entries[2].after_json);
  EXPECT_EQ(paused["sequence"], 2);
  EXPECT_EQ(paused["rollout_id"], rollout.id);
  EXPECT_EQ(paused["reason"], "error budget looks odd");
  EXPECT_EQ(paused["evidence"], nlohmann::json::parse(R"({"checks":[]})"));
}

TEST_P(RolloutContract, RejectsArgumentsNoDatabaseShouldSee) {
  const RolloutRecord rollout = start("checkout");
  const std::int64_t version = store_->store_version();
  DecisionWrite gap = decision(rollout, 0);
  gap.decision.sequence = 3;
  EXPECT_THROW(store_->record_decisions({gap}), std::invalid_argument);
  DecisionWrite bad_time = decision(rollout, 0);
  bad_time.decision.at = "soon";
  EXPECT_THROW(store_->record_decisions({bad_time}), std::invalid_argument);
  DecisionWrite no_key = decision(rollout, 0);
  no_key.outbox = {outbox("")};
  EXPECT_THROW(store_->record_decisions({decision(rollout, 0), no_key}), std::invalid_argument);
  EXPECT_THROW(store_->create_rollout("", kPolicy, kPolicyHash, "{}", "{}", "pending", "alice"),
               std::invalid_argument);
  EXPECT_THROW(store_->create_rollout("checkout", kPolicy, kPolicyHash, "{}", "{}", "pending", ""),
               std::invalid_argument);
  EXPECT_EQ(store_->store_version(), version);
  EXPECT_TRUE(store_->record_decisions({}).empty());
  EXPECT_EQ(store_->get_rollout(rollout.id)->sequence, 0);
}

TEST_P(RolloutContract, ADatabaseAtSchemaOneMigratesToTheLatestAndKeepsItsFlags) {
  const std::string url = new_database();
  const detail::Migration& first =
      postgres() ? detail::postgres_migrations().at(0) : detail::sqlite_migrations().at(0);
  ASSERT_EQ(first.number, 1);
  const std::string archived = postgres() ? "false" : "0";
  const std::string enabled = postgres() ? "true" : "1";
  execute_raw(url,
              "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT "
              "NOT NULL);" +
                  first.sql +
                  "INSERT INTO schema_migrations VALUES (1, '2024-01-01T00:00:00.000Z');"
                  "INSERT INTO flags VALUES ('checkout', '{}', 3, " +
                  archived +
                  ", '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z', 'alice');"
                  "INSERT INTO flag_state VALUES ('checkout', " +
                  enabled +
                  ", '2024-01-01T00:00:00.000Z', 'alice');"
                  "UPDATE store_meta SET version = 7;");
  auto old = open(url);
  EXPECT_EQ(old->schema_version(), 1);
  old->migrate();
  EXPECT_EQ(old->schema_version(), 4);
  auto flag = old->get_flag("checkout");
  ASSERT_TRUE(flag);
  EXPECT_EQ(flag->version, 3);
  EXPECT_TRUE(flag->enabled);
  EXPECT_EQ(old->store_version(), 7);
  auto created =
      old->create_rollout("checkout", kPolicy, kPolicyHash, "{}", "{}", "pending", "alice");
  EXPECT_EQ(created.status, RolloutCreateStatus::Ok);
  EXPECT_EQ(created.store_version, 8);
  old->migrate();  // idempotent
  EXPECT_EQ(old->schema_version(), 4);
}

INSTANTIATE_TEST_SUITE_P(Store, RolloutContract, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& test) { return test.param; });

}  // namespace
}  // namespace sluice::store
