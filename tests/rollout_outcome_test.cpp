// A finished rollout's outcome as the controller writes it with the finishing decision and as the
// snapshot reads it back (controller/runtime/rollout_outcome.hpp), and how it reaches the
// explanation of an evaluation.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "decision_writes.hpp"
#include "evaluation_explanation.hpp"
#include "rollout_outcome.hpp"
#include "sluice/flag_loader.hpp"
#include "sluice/policy_loader.hpp"
#include "sluice/rollout_split.hpp"
#include "sluice/snapshot.hpp"

namespace sluice {
namespace {

using ::testing::HasSubstr;

const char* kPolicy = R"({"flag":"checkout-v2","treatment":"new","control":"old",
  "interval":"30s","stages":[{"segment":"beta"},{"percent":10},{"percent":100}]})";

Policy policy() {
  PolicyLoadResult read = read_single_policy_json(kPolicy);
  EXPECT_TRUE(read.ok());
  return read.policies.at(0);
}

rollout::Decision finishing(rollout::Phase phase) {
  rollout::Decision decision;
  decision.kind = rollout::DecisionKind::none;
  decision.next.flag = "checkout-v2";
  decision.next.phase = phase;
  decision.next.stage = 1;
  decision.next.treatment_bp = 1000;
  decision.next.sequence = 4;
  decision.at = rollout::TimePoint(std::chrono::seconds(1'772'366'400));  // 2026-03-01T12:00:00Z
  return decision;
}

TEST(RolloutOutcome, OnlyAFinishingDecisionHasOne) {
  EXPECT_FALSE(controller::rollout_outcome(7, policy(), finishing(rollout::Phase::progressing)));
  EXPECT_FALSE(controller::rollout_outcome(7, policy(), finishing(rollout::Phase::paused)));
  auto completed = controller::rollout_outcome(7, policy(), finishing(rollout::Phase::completed));
  ASSERT_TRUE(completed);
  EXPECT_EQ(completed->kind, "completed");
  EXPECT_EQ(completed->rollout_id, 7);
  EXPECT_EQ(completed->at, "2026-03-01T12:00:00.000Z");
}

// Completed: the treatment to everyone; rolled back: the control; aborted: the split as it was
// (the stage's share and the cohorts reached), as docs/rollout-state-machine.md says.
TEST(RolloutOutcome, RoundTripsWhatEachEndServes) {
  const Policy p = policy();
  for (auto phase :
       {rollout::Phase::completed, rollout::Phase::rolled_back, rollout::Phase::aborted}) {
    const rollout::Decision decision = finishing(phase);
    auto outcome = controller::rollout_outcome(7, p, decision);
    ASSERT_TRUE(outcome);
    auto served = controller::served_by_outcome("checkout-v2", *outcome);
    ASSERT_TRUE(served) << outcome->served_json;
    EXPECT_EQ(served->split, rollout::served_split(p, decision.next)) << outcome->kind;
    EXPECT_EQ(served->treatment, "new");
    EXPECT_EQ(served->control, "old");
    EXPECT_THAT(served->source, HasSubstr("the rollout of checkout-v2 (" + outcome->kind));
  }
  auto aborted = controller::served_by_outcome(
      "checkout-v2", *controller::rollout_outcome(7, p, finishing(rollout::Phase::aborted)));
  EXPECT_EQ(aborted->split.treatment_bp, 1000u);
  EXPECT_EQ(aborted->split.cohorts, std::vector<std::string>{"beta"});
}

TEST(RolloutOutcome, AnUnreadableOutcomeServesNothing) {
  EXPECT_FALSE(controller::served_by_outcome("f", {"completed", 1, "not json", "x"}));
  EXPECT_FALSE(controller::served_by_outcome("f", {"completed", 1, R"({"treatment":1})", "x"}));
}

TEST(RolloutOutcome, TheDecisionWriteCarriesIt) {
  store::RolloutRecord record;
  record.id = 7;
  record.flag = "checkout-v2";
  record.window_json = "{}";
  auto finished = controller::decision_write(record, policy(),
                                             finishing(rollout::Phase::rolled_back), {}, false);
  ASSERT_TRUE(finished.outcome);
  EXPECT_EQ(finished.outcome->kind, "rolled_back");
  auto running = controller::decision_write(record, policy(),
                                            finishing(rollout::Phase::progressing), {}, false);
  EXPECT_FALSE(running.outcome);
}

// The trial's explanation said "the flag has no rules, so the default applies" while a completed
// rollout served `new` to everyone.
TEST(RolloutOutcome, TheExplanationNamesTheRollout) {
  LoadResult read;
  read_flag_yaml(R"(
key: checkout-v2
variants: {new: true, old: false}
off_variant: old
default:
  split: {weights: {new: 10, old: 90}}
)",
                 "checkout-v2.yaml", read);
  ASSERT_TRUE(read.ok());
  FlagSet set = std::move(read.definitions);
  auto outcome = controller::rollout_outcome(7, policy(), finishing(rollout::Phase::completed));
  controller::apply_rollout_splits(set, {*controller::served_by_outcome("checkout-v2", *outcome)});
  CompileResult compiled = compile_snapshot(std::move(set));
  ASSERT_TRUE(compiled.snapshot);
  const Snapshot& snapshot = *compiled.snapshot;
  Context context;
  context.set(kTargetingKey, Value(std::string("user-1")));
  const PreparedContext prepared = snapshot.prepare(context);
  const Evaluation evaluation = snapshot.evaluate("checkout-v2", prepared);
  EXPECT_EQ(evaluation.variant, "new");
  const std::string text = server::explain_evaluation(snapshot, snapshot.definitions().flags.at(0),
                                                      context, prepared, evaluation);
  EXPECT_THAT(text, HasSubstr("served by the rollout of checkout-v2 (completed on "
                              "2026-03-01T12:00:00.000Z; rollout 7)"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("the default applies")));
}

}  // namespace
}  // namespace sluice
