// The scheduler on a real io_context and a real SQLite store, with a scripted metrics source
// standing in for Prometheus at the adapter boundary (the real Prometheus runs in the
// end-to-end tests) and a clock the test moves; the test ticks it by hand (run_once).

#include <gtest/gtest.h>

#include <atomic>

#include "rollout_json.hpp"
#include "scheduler_test_support.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;
using rollout::TimePoint;

const char* kFlags = R"(
flags:
  - key: alpha
    variants: {on: true, off: false}
    off_variant: off
    default: {variant: off}
  - key: beta
    variants: {on: true, off: false}
    off_variant: off
    default: {variant: off}
  - key: gamma
    variants: {on: true, off: false}
    off_variant: off
    default: {variant: off}
)";

std::string policy_json(const std::string& flag) {
  return R"({"flag":")" + flag + R"(","treatment":"on","control":"off","interval":"10s",
    "min_duration":"20s","min_samples":100,"stages":[{"percent":5},{"percent":50},{"percent":100}],
    "checks":{"error_rate":{"warning":1.5,"critical":2.0}}})";
}

class SchedulerTest : public scheduler_test::SchedulerFixture {
 protected:
  void SetUp() override { open(kFlags); }
  void start(const std::string& flag) { start_policy(policy_json(flag)); }
};

TEST_F(SchedulerTest, HealthyRolloutsAdvanceWithOneQueryBatchPerTickForAll) {
  source_.set_flag("alpha", 0.05, 0.01);
  source_.set_flag("beta", 0.05, 0.01);
  source_.set_flag("gamma", 0.05, 0.01);
  for (const char* f : {"alpha", "beta", "gamma"})
    start(f);
  start_scheduler();
  for (const char* f : {"alpha", "beta", "gamma"})
    wait_for_sequence(f, 1);  // start
  const int calls_before = source_.window_calls();
  tick({"alpha", "beta", "gamma"});
  EXPECT_EQ(source_.window_calls() - calls_before, 1) << "one batch for three rollouts";

  for (int i = 0; i < 20 && store_->latest_rollout("alpha")->active; ++i) {
    const auto r = controller::state_from_json(store_->latest_rollout("alpha")->state_json);
    const double share = r.treatment_bp / 10000.0;
    for (const char* f : {"alpha", "beta", "gamma"})
      source_.set_flag(f, share, 0.01);
    tick({"alpha", "beta", "gamma"});
  }
  auto record = store_->latest_rollout("alpha");
  EXPECT_EQ(record->phase, "completed");
  EXPECT_FALSE(record->active);
  std::int64_t expected = 1;
  std::int64_t last_stage = 0;
  for (const auto& d : decisions("alpha")) {
    EXPECT_EQ(d.sequence, expected++);
    EXPECT_LE(d.to_stage - last_stage, 1) << "never skips a stage: " << d.sentence;
    EXPECT_GE(d.to_stage, last_stage);
    last_stage = d.to_stage;
  }
  EXPECT_EQ(decisions("alpha").back().kind, "complete");
}

TEST_F(SchedulerTest, ThreeTimesTheErrorsRollsBackAndTheSentenceSaysWhy) {
  source_.set_flag("alpha", 0.05, 0.03);
  start("alpha");
  start_scheduler();
  wait_for_sequence("alpha", 1);
  // 50 treatment requests an interval at 5%: the sequential test needs a few hundred.
  for (int i = 0; i < 30 && store_->latest_rollout("alpha")->active; ++i)
    tick({"alpha"});
  auto record = store_->latest_rollout("alpha");
  EXPECT_EQ(record->phase, "rolled_back");
  const auto last = decisions("alpha").back();
  EXPECT_EQ(last.kind, "rollback");
  EXPECT_NE(last.sentence.find("rolled back alpha at 5%: errors 3.0% vs 1.0% on control"),
            std::string::npos)
      << last.sentence;
  EXPECT_NE(last.evidence_json.find("\"error_rate\""), std::string::npos);
}

TEST_F(SchedulerTest, MetricsDownHoldsAndSaysSo) {
  source_.set_down(true);
  start("alpha");
  start_scheduler();
  wait_for_sequence("alpha", 1);
  tick({"alpha"});
  tick({"alpha"});
  const auto last = decisions("alpha").back();
  EXPECT_EQ(last.kind, "hold");
  EXPECT_NE(last.sentence.find("timed out after 5s"), std::string::npos) << last.sentence;
  EXPECT_EQ(store_->latest_rollout("alpha")->phase, "progressing");
}

TEST_F(SchedulerTest, AnIntervalWithoutSeriesIsNoDataNotZeroTraffic) {
  source_.set_flag("alpha", 0.05, 0.01);
  source_.set_volume("alpha", 4000);  // 200 treatment requests an interval
  start("alpha");
  start_scheduler();
  wait_for_sequence("alpha", 1);
  tick({"alpha"});  // the stage has its samples (200 of 100), not its duration (10 s of 20 s)
  ASSERT_EQ(decisions("alpha").back().kind, "hold");
  source_.remove_flag("alpha");  // the application stops reporting
  for (int i = 0; i < 3; ++i)
    tick({"alpha"});  // the minimum duration has passed meanwhile
  const auto last = decisions("alpha").back();
  EXPECT_EQ(last.kind, "hold") << "advanced on old counts: " << last.sentence;
  EXPECT_NE(last.sentence.find("no requests reported for alpha"), std::string::npos)
      << last.sentence;
  EXPECT_EQ(last.verdict, "no_data");
  source_.set_flag("alpha", 0.05, 0.01);
  tick({"alpha"});
  EXPECT_EQ(decisions("alpha").back().kind, "advance");
}

TEST_F(SchedulerTest, ARestartedControllerCatchesUpMissedIntervalsInOrder) {
  // Too little treatment traffic to finish the stage: every caught-up interval is a hold. (A
  // decision that changes the split skips the intervals until its commit: the old split was
  // served while the controller was down.)
  source_.set_flag("alpha", 0.01, 0.01);
  start("alpha");
  start_scheduler();
  wait_for_sequence("alpha", 1);
  tick({"alpha"});
  scheduler_->stop();
  scheduler_.reset();
  const std::int64_t sequence = store_->latest_rollout("alpha")->sequence;
  advance(40s);  // four intervals while no controller ran
  const auto asked_before = source_.asked_at().size();
  start_scheduler();
  for (int i = 0; i < 4; ++i) {  // one missed interval per tick, the oldest first
    const controller::TickReport report = step();
    EXPECT_EQ(report.decisions_written, 1u) << "tick " << i;
    EXPECT_EQ(report.more_due, i < 3) << "tick " << i;
  }
  EXPECT_EQ(step().decisions_written, 0u) << "caught up: nothing more is due";
  wait_for_sequence("alpha", sequence + 4);
  const auto asked = source_.asked_at();
  ASSERT_GE(asked.size(), asked_before + 4);
  for (std::size_t i = asked_before + 1; i < asked_before + 4; ++i) {
    EXPECT_EQ(asked[i] - asked[i - 1], std::chrono::seconds(10)) << "one interval after another";
  }
  const auto all = decisions("alpha");
  EXPECT_EQ(all.size(), static_cast<std::size_t>(sequence + 4));
  for (std::size_t i = 0; i < all.size(); ++i)
    EXPECT_EQ(all[i].sequence, static_cast<std::int64_t>(i + 1));
}

TEST_F(SchedulerTest, APersonsCommandIsADecisionAndANonsenseOneIsRefused) {
  source_.set_flag("alpha", 0.05, 0.01);
  start("alpha");
  start_scheduler();
  wait_for_sequence("alpha", 1);
  rollout::Command pause{rollout::CommandKind::pause, "bob", "checking a support ticket", 0};
  auto paused = service_->command("alpha", pause);
  ASSERT_EQ(paused.status, controller::CommandOutcome::Status::ok) << paused.error;
  EXPECT_EQ(paused.decision->actor, "bob");
  EXPECT_EQ(paused.decision->reason, "checking a support ticket");
  auto again = service_->command("alpha", pause);
  EXPECT_EQ(again.status, controller::CommandOutcome::Status::refused);
  EXPECT_NE(again.error.find("cannot pause alpha"), std::string::npos) << again.error;
  rollout::Command percent{rollout::CommandKind::set_percent, "bob", "more traffic", 3000};
  auto set = service_->command("alpha", percent);
  ASSERT_EQ(set.status, controller::CommandOutcome::Status::ok) << set.error;
  EXPECT_EQ(set.decision->to_bp, 3000);
  auto audit = store_->audit(store::AuditQuery{.actor = "bob"});
  bool audited = false;
  for (const auto& a : audit)
    audited = audited || (a.actor == "bob" && a.target_kind == "rollout");
  EXPECT_TRUE(audited);
}

// The timer loop is the same tick: start() runs one at once, wake() another (the poll interval
// is an hour, so no timer fires while the test looks).
TEST_F(SchedulerTest, TheLoopTicksAtStartAndWhenWoken) {
  source_.set_flag("alpha", 0.05, 0.01);
  start("alpha");
  start_scheduler();
  scheduler_->start();
  run_until([&] { return store_->latest_rollout("alpha")->sequence == 1; });
  EXPECT_EQ(decisions("alpha").back().kind, "start");
  advance(10s);
  scheduler_->wake();
  run_until([&] { return store_->latest_rollout("alpha")->sequence == 2; });
  EXPECT_EQ(decisions("alpha").back().kind, "hold");
  EXPECT_EQ(decisions("alpha").size(), 2u);
}

}  // namespace
}  // namespace sluice
