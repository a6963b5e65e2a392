// Unit tests of the rollout state machine beyond the golden timelines: the policy -> judge
// mapping, the number formats of the sentences, names, and a seeded random walk of ticks and
// commands checking the invariants (never skip a stage, terminal phases are final, roll back
// serves the control to everyone, no data never advances).

#include <gtest/gtest.h>

#include <cstdint>

#include "sluice/rollout.hpp"

namespace {

using namespace sluice::rollout;
using sluice::Policy;

Policy three_stage_policy() {
  Policy p;
  p.flag = "checkout";
  p.treatment = "on";
  p.control = "off";
  p.interval = std::chrono::seconds(60);
  p.min_duration = std::chrono::seconds(120);
  p.min_samples = 1000;
  // Built in place: copying a PolicyStage trips GCC 12's -Wmaybe-uninitialized at -O3 (a
  // false positive on std::optional<std::string>).
  p.stages.resize(3);
  p.stages[0].basis_points = 1000;
  p.stages[1].basis_points = 5000;
  p.stages[2].basis_points = 10000;
  p.checks.error_rate.warning = 1.5;
  return p;
}

const TimePoint kT0 = TimePoint{} + std::chrono::hours(24 * 365 * 56);

Observations counts(double t, double te, double c, double ce) {
  Observations o;
  o.treatment.requests = t;
  o.treatment.errors = te;
  o.control.requests = c;
  o.control.errors = ce;
  return o;
}

TEST(RolloutFormat, SharesAndDurations) {
  EXPECT_EQ(format_share(0), "0%");
  EXPECT_EQ(format_share(500), "5%");
  EXPECT_EQ(format_share(250), "2.5%");
  EXPECT_EQ(format_share(1), "0.01%");
  EXPECT_EQ(format_share(10000), "100%");
  EXPECT_EQ(format_elapsed(std::chrono::minutes(10)), "10m0s");
  EXPECT_EQ(format_elapsed(std::chrono::seconds(45)), "45s");
  EXPECT_EQ(format_elapsed(std::chrono::seconds(3723)), "1h2m3s");
  EXPECT_EQ(format_elapsed(std::chrono::milliseconds(1500)), "1.5s");
}

TEST(RolloutFormat, NamesRoundTrip) {
  for (Phase p : {Phase::pending, Phase::progressing, Phase::paused, Phase::waiting_for_approval,
                  Phase::completed, Phase::rolled_back, Phase::aborted})
    EXPECT_EQ(parse_phase(to_string(p)), p);
  for (CommandKind k :
       {CommandKind::pause, CommandKind::resume, CommandKind::promote, CommandKind::rollback,
        CommandKind::abort, CommandKind::approve, CommandKind::set_percent})
    EXPECT_EQ(parse_command_kind(to_string(k)), k);
  for (PauseCause c : {PauseCause::none, PauseCause::warning, PauseCause::no_data,
                       PauseCause::manual, PauseCause::set_percent})
    EXPECT_EQ(parse_pause_cause(to_string(c)), c);
  EXPECT_EQ(parse_decision_kind("wait_for_approval"), DecisionKind::wait_for_approval);
  EXPECT_FALSE(parse_phase("done").has_value());
}

TEST(RolloutSettings, PolicyMapsOntoTheJudge) {
  Policy p = three_stage_policy();
  p.stages[1].min_samples = 5000;
  p.checks.error_rate.critical = 3.0;
  p.checks.error_rate.control_floor = 0.002;
  sluice::LatencyCheck latency;
  latency.ratio = sluice::Thresholds{std::nullopt, 1.5, {}};
  latency.max_ms = sluice::Thresholds{250.0, 500.0, {}};
  p.checks.latency_p95 = latency;
  sluice::CustomCheck custom;
  custom.name = "conversion";
  custom.direction = sluice::CheckDirection::LowerIsWorse;
  custom.compare = sluice::CheckComparison::Ratio;
  custom.bounds.warning = 0.95;
  custom.bounds.critical = 0.9;
  p.checks.custom.push_back(custom);

  const sluice::judge::Settings s = judge_settings(p, 1);
  ASSERT_TRUE(s.error_rate.has_value());
  EXPECT_EQ(s.error_rate->warning_ratio, 1.5);
  EXPECT_EQ(s.error_rate->critical_ratio, 3.0);
  EXPECT_EQ(s.error_rate->control_floor, 0.002);
  EXPECT_EQ(s.error_rate->min_samples, 5000);
  ASSERT_TRUE(s.latency.has_value());
  EXPECT_EQ(s.latency->quantile, 0.95);
  EXPECT_FALSE(s.latency->warning_ratio.has_value());
  EXPECT_EQ(s.latency->critical_ratio, 1.5);
  EXPECT_DOUBLE_EQ(*s.latency->warning_bound, 0.25);  // milliseconds -> seconds
  EXPECT_DOUBLE_EQ(*s.latency->critical_bound, 0.5);
  ASSERT_EQ(s.custom.size(), 1u);
  EXPECT_EQ(s.custom[0].direction, sluice::judge::Direction::lower_is_worse);
  EXPECT_TRUE(s.custom[0].compare_to_control);
  EXPECT_EQ(s.custom[0].critical_bound, 0.9);

  p.checks.error_rate.warning.reset();
  EXPECT_FALSE(judge_settings(p, 0).error_rate->warning_ratio.has_value());
  EXPECT_EQ(judge_settings(p, 0).error_rate->min_samples, 1000);
}

TEST(RolloutStep, TerminalPhasesIgnoreTicksAndKeepTheSequence) {
  const Policy p = three_stage_policy();
  for (Phase phase : {Phase::completed, Phase::rolled_back, Phase::aborted}) {
    RolloutState s = initial_state(p);
    s.phase = phase;
    s.sequence = 41;
    const Decision d = step(p, s, counts(1e6, 1e5, 1e6, 10), kT0);
    EXPECT_EQ(d.kind, DecisionKind::none);
    EXPECT_EQ(d.next, s);
    EXPECT_FALSE(d.effects.split.has_value());
    EXPECT_TRUE(d.effects.notify.empty());
  }
}

TEST(RolloutStep, DecisionCarriesFromToAndSequence) {
  const Policy p = three_stage_policy();
  const Decision start = step(p, initial_state(p), Observations{}, kT0);
  EXPECT_EQ(start.next.sequence, 1u);
  EXPECT_EQ(start.from_phase, Phase::pending);
  EXPECT_EQ(start.next.stage_started_at, kT0);
  const Decision advance =
      step(p, start.next, counts(5000, 50, 45000, 450), kT0 + std::chrono::minutes(2));
  EXPECT_EQ(advance.kind, DecisionKind::advance);
  EXPECT_EQ(advance.next.sequence, 2u);
  EXPECT_EQ(advance.from_bp, 1000u);
  EXPECT_EQ(advance.next.treatment_bp, 5000u);
  EXPECT_EQ(advance.at, kT0 + std::chrono::minutes(2));
  ASSERT_TRUE(advance.evidence.has_value());
  EXPECT_FALSE(advance.evidence->checks.empty());
}

TEST(RolloutStep, AJudgementMadeElsewhereIsHonoured) {
  const Policy p = three_stage_policy();
  const RolloutState s = step(p, initial_state(p), Observations{}, kT0).next;
  sluice::judge::Judgement j;
  j.overall = sluice::judge::Verdict::fail;
  sluice::judge::CheckResult r;
  r.check = "custom:cost";
  r.verdict = sluice::judge::Verdict::fail;
  r.explanation = "cost per request 2.1x the control's";
  j.checks.push_back(r);
  const Decision d = step(p, s, counts(5000, 50, 45000, 450), j, kT0 + std::chrono::minutes(1));
  EXPECT_EQ(d.kind, DecisionKind::rollback);
  EXPECT_EQ(d.sentence,
            "rolled back checkout at 10%: custom:cost: cost per request 2.1x the "
            "control's");
}

// A seeded random walk over ticks (healthy, regressed, no data) and commands: the invariants
// hold at every step, whatever the order.
TEST(RolloutStep, RandomWalkKeepsTheInvariants) {
  Policy p = three_stage_policy();
  p.stages[1].approval = true;
  std::uint64_t x = 20261121;
  auto next = [&x]() {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  int decisions = 0, refusals = 0, completed = 0, rolled_back = 0;
  for (int run = 0; run < 200; ++run) {
    RolloutState s = initial_state(p);
    TimePoint now = kT0;
    for (int i = 0; i < 40 && !s.terminal(); ++i) {
      now += std::chrono::seconds(30 + static_cast<int>(next() % 120));
      const std::uint64_t r = next() % 100;
      RolloutState after;
      if (r < 12) {
        Command c;
        c.kind = static_cast<CommandKind>(next() % 7);
        c.actor = "fuzz";
        c.basis_points = static_cast<std::uint32_t>(next() % 12000);
        const CommandResult result = apply(p, s, c, now);
        if (!result.ok()) {
          EXPECT_FALSE(result.error.empty());
          ++refusals;
          continue;
        }
        after = result.decision->next;
        EXPECT_EQ(result.decision->actor, "fuzz");
      } else {
        const double t = static_cast<double>(next() % 20000);
        const double c = static_cast<double>(next() % 100000);
        Observations o = counts(t, t * (r < 20 ? 0.05 : 0.01), c, c * 0.01);
        if (r > 95) o.unavailable = "down";
        const Decision d = step(p, s, o, now);
        after = d.next;
        if (o.unavailable) {
          EXPECT_NE(d.kind, DecisionKind::advance);
          EXPECT_NE(d.kind, DecisionKind::complete);
          EXPECT_NE(d.kind, DecisionKind::wait_for_approval);
        }
        if (d.kind == DecisionKind::rollback) {
          ASSERT_TRUE(d.effects.split.has_value());
          EXPECT_TRUE(d.effects.split->control_to_all);
        }
      }
      ++decisions;
      EXPECT_LE(after.stage, s.stage + 1);
      EXPECT_GE(after.stage, s.stage);
      EXPECT_EQ(after.sequence, s.sequence + 1);
      if (after.phase == Phase::progressing) {
        EXPECT_EQ(after.treatment_bp, p.stages[after.stage].basis_points.value_or(0));
      }
      if (after.phase == Phase::rolled_back) {
        EXPECT_EQ(after.treatment_bp, 0u);
      }
      s = after;
    }
    completed += s.phase == Phase::completed;
    rolled_back += s.phase == Phase::rolled_back;
  }
  EXPECT_GT(decisions, 1000);
  EXPECT_GT(refusals, 0);
  EXPECT_GT(completed + rolled_back, 0);
}

}  // namespace
