// What the snapshot serves for a flag whose rollout finished (RolloutService::splits) on a real
// SQLite store: the outcome kept on the flag with the finishing decision, not a rule on
// `updated_at` — a later definition write that keeps the default keeps it. And the start-up
// adoption of rollouts that finished before schema 4.

#include <sqlite3.h>

#include <gtest/gtest.h>

#include "scheduler_test_support.hpp"

namespace sluice::scheduler_test {
namespace {

const char* kFlags = R"(
key: checkout-v2
variants: {new: true, old: false}
off_variant: old
default:
  split: {weights: {new: 10, old: 90}}
)";

const char* kPolicy = R"({"flag":"checkout-v2","treatment":"new","control":"old",
  "interval":"10s","min_samples":1000000,"stages":[{"percent":50},{"percent":100}]})";

class OutcomeServiceTest : public SchedulerFixture {
 protected:
  controller::CommandOutcome command(rollout::CommandKind kind) {
    return service_->command("checkout-v2", rollout::Command{kind, "alice", "test", 0});
  }
  std::optional<controller::RolloutSplit> served() {
    auto splits = service_->splits(store_->list_flags(false));
    if (splits.empty()) return std::nullopt;
    return splits.front();
  }
  // Drops the flag's outcome behind the store's back, as a database from before schema 4 has it.
  void forget_outcome() {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_.path() + "/sluice.db").c_str(), &db), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db,
                           "UPDATE flag_state SET outcome_kind = NULL, outcome_rollout_id = NULL, "
                           "outcome_served_json = NULL, outcome_at = NULL",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
};

TEST_F(OutcomeServiceTest, ARolledBackRolloutServesTheControlAfterADescriptionEdit) {
  open(kFlags);
  start_policy(kPolicy);
  ASSERT_EQ(command(rollout::CommandKind::rollback).status, controller::CommandOutcome::Status::ok);
  auto flag = store_->get_flag("checkout-v2");
  ASSERT_TRUE(flag->rollout_outcome);
  EXPECT_EQ(flag->rollout_outcome->kind, "rolled_back");
  ASSERT_TRUE(served());
  EXPECT_TRUE(served()->split.control_to_all);

  // Before: a write after the rollout ended gave the flag back to its 10/90 definition.
  std::string edited = flag->definition_json;
  edited.replace(edited.find("\"description\":\"\""), 16, "\"description\":\"edited\"");
  ASSERT_EQ(store_->update_flag("checkout-v2", edited, std::nullopt, "bob").status,
            store::WriteStatus::Ok);
  ASSERT_TRUE(served());
  EXPECT_TRUE(served()->split.control_to_all);
  EXPECT_EQ(served()->source.rfind("the rollout of checkout-v2 (rolled_back on ", 0), 0u);
}

TEST_F(OutcomeServiceTest, AnActiveRolloutServesItsCurrentShare) {
  open(kFlags);
  start_policy(kPolicy);
  ASSERT_TRUE(served());
  EXPECT_EQ(served()->split.treatment_bp, 0u);  // pending: nothing of the treatment yet
  EXPECT_EQ(served()->source.rfind("the rollout of checkout-v2 (pending; rollout ", 0), 0u);
}

TEST_F(OutcomeServiceTest, RolloutsFinishedBeforeSchemaFourAreAdoptedOnce) {
  open(kFlags);
  start_policy(kPolicy);
  ASSERT_EQ(command(rollout::CommandKind::rollback).status, controller::CommandOutcome::Status::ok);
  forget_outcome();
  EXPECT_FALSE(served());

  auto lines = service_->adopt_finished_rollouts();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("rolled_back"), std::string::npos);
  auto flag = store_->get_flag("checkout-v2");
  ASSERT_TRUE(flag->rollout_outcome);
  EXPECT_EQ(flag->rollout_outcome->kind, "rolled_back");
  ASSERT_TRUE(served());
  EXPECT_TRUE(served()->split.control_to_all);
  store::AuditQuery query;
  query.flag = "checkout-v2";
  bool audited = false;
  for (const auto& entry : store_->audit(query))
    audited |= entry.action == "rollout_rolled_back" && entry.actor == "controller";
  EXPECT_TRUE(audited);
  EXPECT_TRUE(service_->adopt_finished_rollouts().empty());  // once

  // A flag written after its rollout ended was its definition's again under the old rule.
  forget_outcome();
  ASSERT_EQ(store_->update_flag("checkout-v2", flag->definition_json, std::nullopt, "bob").status,
            store::WriteStatus::Ok);
  EXPECT_TRUE(service_->adopt_finished_rollouts().empty());
  EXPECT_FALSE(served());
}

}  // namespace
}  // namespace sluice::scheduler_test
