// The rules of one controller step (controller/rollout_step.cpp) one by one, through the public
// step() with a judgement made here: each rule's contract and that the order of caution holds
// (terminal, pending, critical, paused, warning, waiting for approval, unjudgeable, stage gates,
// advance or complete; the first that decides wins). The golden timelines cover whole rollouts.

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "sluice/rollout.hpp"

namespace {

using namespace sluice::rollout;
using sluice::Policy;
using sluice::judge::CheckResult;
using sluice::judge::Judgement;
using sluice::judge::Verdict;
using std::chrono::minutes;

const TimePoint kT0 = TimePoint{} + std::chrono::hours(24 * 365 * 56);

Policy policy() {
  Policy p;
  p.flag = "checkout";
  p.treatment = "on";
  p.control = "off";
  p.interval = std::chrono::seconds(60);
  p.min_duration = minutes(2);
  p.min_samples = 1000;
  p.stages.resize(3);  // built in place (see rollout_state_machine_test.cpp)
  p.stages[0].basis_points = 1000;
  p.stages[1].basis_points = 5000;
  p.stages[2].basis_points = 10000;
  return p;
}

RolloutState at_stage(std::size_t stage, std::uint32_t bp, Phase phase = Phase::progressing) {
  RolloutState s;
  s.flag = "checkout";
  s.phase = phase;
  s.stage = stage;
  s.treatment_bp = bp;
  s.stage_started_at = kT0;
  s.window_started_at = kT0;
  return s;
}

Observations plenty() {
  Observations o;
  o.treatment.requests = 5000;
  o.control.requests = 45000;
  return o;
}

Judgement judged(Verdict overall, Verdict check_verdict = Verdict::pass, bool elevated = false) {
  Judgement j;
  j.overall = overall;
  j.summary = std::string(sluice::judge::to_string(overall));
  CheckResult c;
  c.check = "custom:cost";
  c.verdict = check_verdict;
  c.elevated = elevated;
  c.explanation = "cost 1.3x the control's";
  j.checks.push_back(c);
  return j;
}

const TimePoint kLater = kT0 + minutes(10);

TEST(RolloutRules, TerminalDecidesNothingWhateverTheJudgement) {
  const Decision d = step(policy(), at_stage(2, 10000, Phase::completed), plenty(),
                          judged(Verdict::fail, Verdict::fail), kLater);
  EXPECT_EQ(d.kind, DecisionKind::none);
  EXPECT_EQ(d.next.sequence, 0u);
  EXPECT_EQ(d.sentence, "checkout is completed: nothing to do");
}

TEST(RolloutRules, CriticalRollsBackEvenWhenPaused) {
  RolloutState s = at_stage(1, 5000, Phase::paused);
  s.pause_cause = PauseCause::manual;
  s.paused_by = "ana";
  const Decision d = step(policy(), s, plenty(), judged(Verdict::fail, Verdict::fail), kLater);
  EXPECT_EQ(d.kind, DecisionKind::rollback);
  EXPECT_EQ(d.next.phase, Phase::rolled_back);
  EXPECT_EQ(d.sentence, "rolled back checkout at 50%: custom:cost: cost 1.3x the control's");
}

TEST(RolloutRules, AWarningWhilePausedHoldsOnFreshTraffic) {
  RolloutState s = at_stage(1, 5000, Phase::paused);
  s.pause_cause = PauseCause::warning;
  s.paused_by = "controller";
  s.healthy_intervals = 2;
  const Decision d = step(policy(), s, plenty(), judged(Verdict::warn, Verdict::warn), kLater);
  EXPECT_EQ(d.kind, DecisionKind::hold);  // not a second pause
  EXPECT_EQ(d.next.healthy_intervals, 0u);
  EXPECT_EQ(d.next.window_started_at, kLater);
  EXPECT_EQ(d.sentence, "paused checkout at 50% (warning, by controller): still warn");
}

TEST(RolloutRules, AWarningPausesAProgressingRollout) {
  const Decision d =
      step(policy(), at_stage(0, 1000), plenty(), judged(Verdict::warn, Verdict::warn), kLater);
  EXPECT_EQ(d.kind, DecisionKind::pause);
  EXPECT_EQ(d.next.pause_cause, PauseCause::warning);
  EXPECT_EQ(d.next.resume_to, Phase::progressing);
  EXPECT_EQ(d.sentence, "paused checkout at 10%: custom:cost: cost 1.3x the control's");
}

TEST(RolloutRules, WaitingForApprovalHoldsOnAPass) {
  Policy p = policy();
  p.stages[1].approval = true;
  const Decision d = step(p, at_stage(1, 1000, Phase::waiting_for_approval), plenty(),
                          judged(Verdict::pass), kLater);
  EXPECT_EQ(d.kind, DecisionKind::hold);
  EXPECT_EQ(d.sentence, "holding checkout at 10%: waiting for approval to enter stage 2 of 3, 50%");
}

TEST(RolloutRules, AnElevatedCheckHoldsBelowFullButNotAtFull) {
  const Judgement elevated = judged(Verdict::pass, Verdict::pass, true);
  const Decision below = step(policy(), at_stage(1, 5000), plenty(), elevated, kLater);
  EXPECT_EQ(below.kind, DecisionKind::hold);
  EXPECT_EQ(below.sentence,
            "holding checkout at 50%: custom:cost elevated, cost 1.3x the control's");
  // At 100% there is no control to compare with: the stage is a soak and completes.
  const Decision full = step(policy(), at_stage(2, 10000), plenty(), elevated, kLater);
  EXPECT_EQ(full.kind, DecisionKind::complete);
}

TEST(RolloutRules, StageGatesHoldUntilDurationAndSamplesAreMet) {
  Observations few = plenty();
  few.control.requests = 400;
  const Decision d =
      step(policy(), at_stage(0, 1000), few, judged(Verdict::pass), kT0 + minutes(1));
  EXPECT_EQ(d.kind, DecisionKind::hold);
  EXPECT_EQ(d.sentence,
            "holding checkout at 10%: 1m0s of 2m0s in the stage, 400 of 1,000 requests on "
            "control so far");
}

TEST(RolloutRules, GatesMetAdvances) {
  const Decision d = step(policy(), at_stage(0, 1000), plenty(), judged(Verdict::pass), kLater);
  EXPECT_EQ(d.kind, DecisionKind::advance);
  EXPECT_EQ(d.next.stage, 1u);
  EXPECT_EQ(d.sentence,
            "advanced checkout from 10% to 50% after 10m0s and 5,000/45,000 requests: every check "
            "passed");
}

}  // namespace
