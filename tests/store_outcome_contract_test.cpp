// A finished rollout's outcome as runtime state of its flag (migration 4), run against SQLite and
// a real PostgreSQL server like store_contract_test.cpp: written with the decision that finishes
// the rollout, audited on the flag, kept across a reopen, kept by definition writes that do not
// override it, and cleared only by an explicit override.

#include <gtest/gtest.h>

#include "sluice/store/store.hpp"
#include "store_test_support.hpp"

namespace sluice::store {
namespace {

using test_support::StoreContractFixture;

constexpr const char* kServed = R"({"treatment":"new","control":"old","treatment_bp":10000})";

class OutcomeContract : public StoreContractFixture {
 protected:
  // The decision that finishes `rollout` (its first), carrying `outcome` when given.
  static DecisionWrite finishing(const RolloutRecord& rollout,
                                 std::optional<RolloutOutcome> outcome,
                                 std::string actor = "controller") {
    DecisionWrite write;
    write.rollout_id = rollout.id;
    write.expected_sequence = 0;
    write.state_json = R"({"phase":"completed"})";
    write.window_json = "{}";
    write.phase = "completed";
    write.active = false;
    write.decision.sequence = 1;
    write.decision.at = "2026-03-01T12:00:00+00:00";
    write.decision.actor = std::move(actor);
    write.decision.kind = "complete";
    write.decision.evidence_json = "null";
    write.outcome = std::move(outcome);
    return write;
  }

  static RolloutOutcome completed(std::int64_t rollout_id) {
    return RolloutOutcome{"completed", rollout_id, kServed, "2026-03-01T12:00:00+00:00"};
  }

  // Whether any audit entry of `flag` has `action`, and by whom.
  std::optional<AuditEntry> audited(const std::string& flag, const std::string& action) {
    AuditQuery query;
    query.flag = flag;
    for (auto& entry : store_->audit(query)) {
      if (entry.action == action) return entry;
    }
    return std::nullopt;
  }
};

TEST_P(OutcomeContract, TheFinishingDecisionKeepsTheOutcomeOnTheFlag) {
  const RolloutRecord rollout = start("checkout");
  const std::int64_t version_before = store_->get_flag("checkout")->version;
  auto results = store_->record_decisions({finishing(rollout, completed(rollout.id))});
  ASSERT_EQ(results.at(0).status, DecisionWriteStatus::Ok);

  auto flag = store_->get_flag("checkout");
  ASSERT_TRUE(flag->rollout_outcome);
  EXPECT_EQ(flag->rollout_outcome->kind, "completed");
  EXPECT_EQ(flag->rollout_outcome->rollout_id, rollout.id);
  EXPECT_EQ(flag->rollout_outcome->served_json, kServed);
  EXPECT_EQ(flag->rollout_outcome->at, "2026-03-01T12:00:00.000Z");  // canonical
  EXPECT_EQ(flag->version, version_before + 1);                      // runtime state, like a kill
  EXPECT_TRUE(flag->enabled);

  auto entry = audited("checkout", "rollout_completed");
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->actor, "controller");
  EXPECT_NE(entry->after_json->find("\"rollout_outcome\""), std::string::npos);
  EXPECT_EQ(entry->before_json->find("\"rollout_outcome\""), std::string::npos);

  // Listed too, and kept by a new connection (a restart, another replica).
  auto listed = store_->list_flags(false);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].rollout_outcome, flag->rollout_outcome);
  store_.reset();
  auto reopened = open(url_);
  EXPECT_EQ(reopened->get_flag("checkout")->rollout_outcome, flag->rollout_outcome);
}

TEST_P(OutcomeContract, ADecisionWithoutAnOutcomeLeavesTheFlagAlone) {
  const RolloutRecord rollout = start("checkout");
  const std::int64_t version_before = store_->get_flag("checkout")->version;
  ASSERT_EQ(store_->record_decisions({finishing(rollout, std::nullopt)}).at(0).status,
            DecisionWriteStatus::Ok);
  auto flag = store_->get_flag("checkout");
  EXPECT_FALSE(flag->rollout_outcome);
  EXPECT_EQ(flag->version, version_before);
}

TEST_P(OutcomeContract, AWriteThatDoesNotOverrideKeepsTheOutcome) {
  const RolloutRecord rollout = start("checkout");
  store_->record_decisions({finishing(rollout, completed(rollout.id))});
  int asked = 0;
  FlagWriteGuard guard;
  guard.overrides = [&](const FlagRecord& before) {
    ++asked;
    EXPECT_TRUE(before.rollout_outcome);  // judged from the flag as stored
    return false;
  };
  auto result = store_->update_flag("checkout", R"({"description":"same split"})", std::nullopt,
                                    "alice", guard);
  EXPECT_EQ(result.status, WriteStatus::Ok);
  EXPECT_EQ(asked, 1);
  auto flag = store_->get_flag("checkout");
  EXPECT_EQ(flag->definition_json, R"({"description":"same split"})");
  ASSERT_TRUE(flag->rollout_outcome);
  EXPECT_EQ(flag->rollout_outcome->kind, "completed");
  // Without a guard (no opinion) the outcome stays too.
  store_->update_flag("checkout", R"({"description":"again"})", std::nullopt, "alice");
  EXPECT_TRUE(store_->get_flag("checkout")->rollout_outcome);
}

TEST_P(OutcomeContract, AnOverridingWriteIsRefusedUnlessItSaysSo) {
  const RolloutRecord rollout = start("checkout");
  store_->record_decisions({finishing(rollout, completed(rollout.id))});
  const auto before = store_->get_flag("checkout");
  const std::int64_t store_version = store_->store_version();
  FlagWriteGuard guard;
  guard.overrides = [](const FlagRecord&) { return true; };

  auto refused = store_->update_flag("checkout", R"({"changed":true})", std::nullopt, "bob", guard);
  EXPECT_EQ(refused.status, WriteStatus::OverridesRollout);
  EXPECT_EQ(refused.version, before->version);
  EXPECT_EQ(store_->store_version(), store_version);  // nothing written
  EXPECT_EQ(store_->get_flag("checkout")->definition_json, before->definition_json);

  guard.override_rollout = true;
  auto written = store_->update_flag("checkout", R"({"changed":true})", std::nullopt, "bob", guard);
  EXPECT_EQ(written.status, WriteStatus::Ok);
  auto flag = store_->get_flag("checkout");
  EXPECT_FALSE(flag->rollout_outcome);
  EXPECT_EQ(flag->definition_json, R"({"changed":true})");
  auto entry = audited("checkout", "override_rollout");
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->actor, "bob");
  EXPECT_NE(entry->before_json->find("\"completed\""), std::string::npos);
  EXPECT_EQ(entry->after_json->find("\"rollout_outcome\""), std::string::npos);
}

TEST_P(OutcomeContract, TheNextFinishedRolloutReplacesTheOutcome) {
  const RolloutRecord first = start("checkout");
  store_->record_decisions({finishing(first, completed(first.id))});
  auto second = store_->create_rollout("checkout", test_support::kPolicy, test_support::kPolicyHash,
                                       "{}", "{}", "pending", "alice");
  ASSERT_EQ(second.status, RolloutCreateStatus::Ok);
  RolloutOutcome rolled_back{"rolled_back", second.rollout->id, R"({"control_to_all":true})",
                             "2026-03-02T08:00:00Z"};
  auto write = finishing(*second.rollout, rolled_back, "alice");
  write.phase = "rolled_back";
  ASSERT_EQ(store_->record_decisions({write}).at(0).status, DecisionWriteStatus::Ok);
  auto flag = store_->get_flag("checkout");
  ASSERT_TRUE(flag->rollout_outcome);
  EXPECT_EQ(flag->rollout_outcome->kind, "rolled_back");
  EXPECT_EQ(flag->rollout_outcome->rollout_id, second.rollout->id);
  auto entry = audited("checkout", "rollout_rolled_back");
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->actor, "alice");  // a person's rollback is theirs
}

TEST_P(OutcomeContract, RejectsAnOutcomeWithoutKindOrTime) {
  const RolloutRecord rollout = start("checkout");
  RolloutOutcome bad = completed(rollout.id);
  bad.kind = "";
  EXPECT_THROW(store_->record_decisions({finishing(rollout, bad)}), std::invalid_argument);
  bad = completed(rollout.id);
  bad.at = "yesterday";
  EXPECT_THROW(store_->record_decisions({finishing(rollout, bad)}), std::invalid_argument);
  EXPECT_FALSE(store_->get_flag("checkout")->rollout_outcome);
}

INSTANTIATE_TEST_SUITE_P(Store, OutcomeContract, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& test) { return test.param; });

}  // namespace
}  // namespace sluice::store
