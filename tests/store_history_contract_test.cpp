// The deployment-history part of the store contract (migration 3), run against SQLite and a real
// PostgreSQL server like store_rollouts_contract_test.cpp.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sluice/store/store.hpp"
#include "store_test_support.hpp"

namespace sluice::store {
namespace {

using test_support::kDefinition;
using test_support::kPolicy;
using test_support::kPolicyHash;
using test_support::StoreContractFixture;

constexpr const char* kStages =
    R"([{"stage":1,"percent":5,"features":{"error_ratio":1.0,"error_rate_treatment":0.01}}])";

RolloutHistoryRecord history(const std::string& key, const std::string& finished_at,
                             const std::string& outcome = "completed") {
  RolloutHistoryRecord record;
  record.key = key;
  record.flag = "checkout";
  record.outcome = outcome;
  record.started_at = "2024-03-01T09:00:00Z";
  record.finished_at = finished_at;
  record.stages_json = kStages;
  return record;
}

class HistoryContract : public StoreContractFixture {};

TEST_P(HistoryContract, EmptyAtFirst) {
  EXPECT_TRUE(store_->list_history().empty());
}

TEST_P(HistoryContract, ImportCountsDuplicatesAuditsOnceAndFeedsTheChangeFeed) {
  auto first =
      store_->import_history({history("deploy-1", "2024-03-01T10:00:00Z"),
                              history("deploy-2", "2024-03-01T10:30:00+01:00", "rolled_back_auto")},
                             "alice");
  EXPECT_EQ(first.inserted, 2u);
  EXPECT_EQ(first.duplicates, 0u);
  EXPECT_EQ(first.store_version, 1);

  // deploy-2 again (and twice within the call), one new key.
  auto second = store_->import_history({history("deploy-2", "2024-03-02T10:00:00Z"),
                                        history("deploy-3", "2024-03-02T10:00:00Z", "aborted"),
                                        history("deploy-3", "2024-03-02T12:00:00Z")},
                                       "bob");
  EXPECT_EQ(second.inserted, 1u);
  EXPECT_EQ(second.duplicates, 2u);
  EXPECT_EQ(second.store_version, 2);

  // Nothing new: nothing audited, no version used.
  auto third = store_->import_history({history("deploy-1", "2024-03-09T10:00:00Z")}, "bob");
  EXPECT_EQ(third.inserted, 0u);
  EXPECT_EQ(third.duplicates, 1u);
  EXPECT_EQ(third.store_version, 0);
  EXPECT_EQ(store_->store_version(), 2);

  const auto rows = store_->list_history();
  ASSERT_EQ(rows.size(), 3u);
  // Oldest first by finished_at: deploy-2 finished at 09:30Z (10:30+01:00), then deploy-1.
  EXPECT_EQ(rows[0].key, "deploy-2");
  EXPECT_EQ(rows[0].finished_at, "2024-03-01T09:30:00.000Z");  // canonical
  EXPECT_EQ(rows[0].outcome, "rolled_back_auto");              // the first row with a key is kept
  EXPECT_EQ(rows[1].key, "deploy-1");
  EXPECT_EQ(rows[2].key, "deploy-3");
  EXPECT_EQ(rows[2].outcome, "aborted");
  EXPECT_EQ(rows[1].source, "import");
  EXPECT_EQ(rows[1].started_at, "2024-03-01T09:00:00.000Z");
  EXPECT_EQ(rows[1].stages_json, kStages);
  EXPECT_FALSE(rows[1].rollout_id);
  EXPECT_EQ(rows[1].flag, "checkout");
  EXPECT_FALSE(rows[1].created_at.empty());

  const auto changes = store_->changes_since(0, 10);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].kind, "history");
  EXPECT_EQ(changes[0].key, "history");
  EXPECT_EQ(changes[1].version, 2);

  const auto audit = store_->audit(AuditQuery{});
  ASSERT_EQ(audit.size(), 2u);
  EXPECT_EQ(audit[0].actor, "alice");
  EXPECT_EQ(audit[0].action, "import");
  EXPECT_EQ(audit[0].target_kind, "history");
  EXPECT_EQ(audit[0].target_key, "history");
  ASSERT_TRUE(audit[1].after_json);
  const auto after = nlohmann::json::parse(*audit[1].after_json);
  EXPECT_EQ(after.at("inserted"), 1);
  EXPECT_EQ(after.at("duplicates"), 2);
}

TEST_P(HistoryContract, OneBadRecordImportsNothing) {
  auto bad_time = history("deploy-2", "yesterday");
  auto bad_outcome = history("deploy-2", "2024-03-01T10:00:00Z", "exploded");
  auto no_key = history("", "2024-03-01T10:00:00Z");
  auto bad_json = history("deploy-2", "2024-03-01T10:00:00Z");
  bad_json.stages_json = "[{";
  auto backwards = history("deploy-2", "2024-03-01T08:00:00Z");
  for (const auto& bad : {bad_time, bad_outcome, no_key, bad_json, backwards}) {
    try {
      store_->import_history({history("deploy-1", "2024-03-01T10:00:00Z"), bad}, "alice");
      ADD_FAILURE() << "accepted " << bad.key << " " << bad.outcome << " " << bad.finished_at;
    } catch (const std::invalid_argument& e) {
      // The message names the record (its position) and the field.
      EXPECT_NE(std::string(e.what()).find("history record 2"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(store_->import_history({history("deploy-1", "2024-03-01T10:00:00Z")}, ""),
               std::invalid_argument);
  EXPECT_TRUE(store_->list_history().empty());
  EXPECT_EQ(store_->store_version(), 0);
  EXPECT_TRUE(store_->audit(AuditQuery{}).empty());
}

TEST_P(HistoryContract, RecordDecisionsWritesTheHistoryRowOfAFinishingDecision) {
  ASSERT_EQ(store_->create_flag("checkout", kDefinition, true, "alice").status, WriteStatus::Ok);
  auto created = store_->create_rollout("checkout", kPolicy, kPolicyHash, R"({"stage":0})",
                                        R"({"n":0})", "pending", "alice");
  ASSERT_EQ(created.status, RolloutCreateStatus::Ok);
  const RolloutRecord rollout = *created.rollout;

  DecisionWrite write;
  write.rollout_id = rollout.id;
  write.expected_sequence = 0;
  write.state_json = R"({"stage":1})";
  write.window_json = R"({"n":1})";
  write.phase = "completed";
  write.active = false;
  write.decision.rollout_id = rollout.id;
  write.decision.sequence = 1;
  write.decision.flag = "checkout";
  write.decision.at = "2024-03-05T10:00:00Z";
  write.decision.actor = "controller";
  write.decision.kind = "complete";
  write.decision.evidence_json = "null";
  RolloutHistoryRecord row =
      history("rollout/" + std::to_string(rollout.id), "2024-03-05T10:00:00+00:00");
  row.rollout_id = rollout.id;
  row.source = "controller";
  write.history = row;
  // An imported row that finished later, to check the order.
  store_->import_history({history("deploy-9", "2024-03-06T00:00:00Z")}, "alice");

  auto results = store_->record_decisions({write});
  ASSERT_EQ(results.size(), 1u);
  ASSERT_EQ(results[0].status, DecisionWriteStatus::Ok);

  // A retry of the same decision is a Duplicate and writes no second row.
  auto again = store_->record_decisions({write});
  EXPECT_EQ(again[0].status, DecisionWriteStatus::Duplicate);

  const auto rows = store_->list_history();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].key, "rollout/" + std::to_string(rollout.id));
  EXPECT_EQ(rows[0].rollout_id, rollout.id);
  EXPECT_EQ(rows[0].source, "controller");
  EXPECT_EQ(rows[0].finished_at, "2024-03-05T10:00:00.000Z");
  EXPECT_EQ(rows[0].stages_json, kStages);
  EXPECT_EQ(rows[1].key, "deploy-9");

  // Importing the controller's key again keeps the controller's row.
  auto imported = store_->import_history({history(rows[0].key, "2024-03-07T00:00:00Z")}, "bob");
  EXPECT_EQ(imported.duplicates, 1u);
  EXPECT_EQ(store_->list_history()[0].source, "controller");
}

TEST_P(HistoryContract, NewestReadsOnlyTheMostRecentRowsInOrder) {
  std::vector<RolloutHistoryRecord> records;
  for (int day = 9; day >= 1; --day)  // imported newest first: the order is the store's
    records.push_back(
        history("deploy-" + std::to_string(day), "2024-03-0" + std::to_string(day) + "T10:00:00Z"));
  ASSERT_EQ(store_->import_history(records, "alice").inserted, 9u);
  const auto newest = store_->list_history(3);
  ASSERT_EQ(newest.size(), 3u);
  EXPECT_EQ(newest[0].key, "deploy-7");
  EXPECT_EQ(newest[1].key, "deploy-8");
  EXPECT_EQ(newest[2].key, "deploy-9");
  EXPECT_EQ(store_->list_history(100).size(), 9u);
  EXPECT_EQ(store_->list_history().size(), 9u);
}

TEST_P(HistoryContract, SameFinishTimeIsOrderedById) {
  std::vector<RolloutHistoryRecord> records;
  for (int i = 0; i < 70; ++i)
    records.push_back(history("deploy-" + std::to_string(i), "2024-03-01T10:00:00Z"));
  EXPECT_EQ(store_->import_history(records, "alice").inserted, 70u);
  const auto rows = store_->list_history();
  ASSERT_EQ(rows.size(), 70u);
  for (std::size_t i = 1; i < rows.size(); ++i)
    EXPECT_LT(rows[i - 1].id, rows[i].id);
  EXPECT_EQ(rows.front().key, "deploy-0");
  EXPECT_EQ(rows.back().key, "deploy-69");
}

INSTANTIATE_TEST_SUITE_P(Store, HistoryContract, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& test) { return test.param; });

}  // namespace
}  // namespace sluice::store
