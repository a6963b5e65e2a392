// Simulation of the error-rate judge under repeated looks, with the simulator's fixed-seed PRNG
// and exact binomial sampling (no <random> distributions, whose output is implementation-defined).
// The figures it prints are the ones quoted in docs/judge.md.

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>

#include "simulation.hpp"
#include "sluice/judge.hpp"

namespace sluice::judge {
namespace {

struct Scenario {
  double control_rate = 0.01;
  double treatment_multiplier = 1.0;
  int requests_per_interval = 500;  // per variant
  int intervals = 20;
  int runs = 2000;
  std::uint64_t seed = 20261121;
};

struct Outcome {
  int runs = 0;
  int failed = 0;  // runs with a fail at some look
  int warned = 0;  // runs with a warn or fail at some look
  // failed_at[i]: runs whose first fail came at interval i + 1
  std::array<int, 64> failed_at{};
  int first_eligible_interval = 0;  // the first interval where both variants have min samples
};

Outcome simulate(const Scenario& sc, const Settings& settings) {
  Outcome out;
  out.runs = sc.runs;
  const double min_samples = settings.error_rate->min_samples;
  out.first_eligible_interval = static_cast<int>(std::ceil(min_samples / sc.requests_per_interval));
  simulation::Rng rng(sc.seed);  // the simulator's fixed-seed generator and exact binomial
  for (int run = 0; run < sc.runs; ++run) {
    Observations o;
    o.expected_treatment_share_bp = 5000;
    bool warned = false;
    for (int interval = 1; interval <= sc.intervals; ++interval) {
      const int n = sc.requests_per_interval;
      o.treatment.requests += n;
      o.control.requests += n;
      o.treatment.errors += static_cast<double>(
          rng.binomial(static_cast<std::uint64_t>(n), sc.control_rate * sc.treatment_multiplier));
      o.control.errors +=
          static_cast<double>(rng.binomial(static_cast<std::uint64_t>(n), sc.control_rate));
      const Judgement j = evaluate(settings, o);
      const Verdict v = j.checks.at(1).verdict;  // error_rate
      if (v == Verdict::warn || v == Verdict::fail) warned = true;
      if (v == Verdict::fail) {
        ++out.failed;
        ++out.failed_at[static_cast<std::size_t>(interval - 1)];
        break;
      }
    }
    if (warned) ++out.warned;
  }
  return out;
}

// Runs whose first fail came no later than `interval`.
int failed_by(const Outcome& o, int interval) {
  int sum = 0;
  for (int i = 0; i < interval; ++i)
    sum += o.failed_at[static_cast<std::size_t>(i)];
  return sum;
}

Settings default_settings() {
  Settings s;
  s.error_rate =
      ErrorRateCheck{};  // warning 1.5, critical 2.0, floor 0.1%, 1,000 samples, budget 1%
  return s;
}

TEST(JudgeSimulation, HealthyFalseAlarmRateStaysWithinBudget) {
  const Outcome o = simulate(Scenario{}, default_settings());
  std::printf(
      "[ healthy ] 1%% vs 1%%, %d runs x 20 looks: fail %d (%.2f%%), warn-or-fail %d (%.2f%%)\n",
      o.runs, o.failed, 100.0 * o.failed / o.runs, o.warned, 100.0 * o.warned / o.runs);
  EXPECT_LE(o.failed, o.runs / 100);  // <= 1%
  EXPECT_LE(o.warned, o.runs / 100);
  // docs/judge.md's table (seeded, so exact): fail 0.35% (7), warn-or-fail 0.45% (9) of 2,000.
  EXPECT_EQ(o.failed, 7);
  EXPECT_EQ(o.warned, 9);
}

TEST(JudgeSimulation, ThreefoldRegressionIsDetectedWithinThreeIntervalsAfterMinSamples) {
  Scenario sc;
  sc.treatment_multiplier = 3.0;
  const Outcome o = simulate(sc, default_settings());
  const int eligible = o.first_eligible_interval;
  std::printf(
      "[ 3x      ] 3%% vs 1%%, %d runs: fail %d (%.2f%%); first eligible look: interval %d; "
      "cumulative "
      "detection by interval",
      o.runs, o.failed, 100.0 * o.failed / o.runs, eligible);
  for (int i = eligible; i <= eligible + 5; ++i)
    std::printf(" %d: %.1f%%", i, 100.0 * failed_by(o, i) / o.runs);
  std::printf("\n");
  EXPECT_EQ(failed_by(o, eligible - 1), 0);                  // never before the minimum samples
  EXPECT_GE(failed_by(o, eligible + 3), o.runs * 95 / 100);  // within 3 intervals after min samples
}

TEST(JudgeSimulation, TwofoldRegressionFigures) {
  // Recorded for docs/judge.md; a 2x regression sits exactly on the critical ratio 2.0, so the
  // point-estimate gate lets only about half the looks through at any one time.
  Scenario sc;
  sc.treatment_multiplier = 2.0;
  sc.runs = 1000;
  const Outcome o = simulate(sc, default_settings());
  const int eligible = o.first_eligible_interval;
  std::printf("[ 2x      ] 2%% vs 1%%, %d runs: fail %d (%.2f%%); cumulative detection by interval",
              o.runs, o.failed, 100.0 * o.failed / o.runs);
  for (int i = eligible; i <= eligible + 5; ++i)
    std::printf(" %d: %.1f%%", i, 100.0 * failed_by(o, i) / o.runs);
  std::printf(" 20: %.1f%%\n", 100.0 * failed_by(o, 20) / o.runs);
  EXPECT_EQ(failed_by(o, eligible - 1), 0);
  // docs/judge.md's table: 42.4% by interval 5, 60.0% by 7, 79.6% by 20. The generator is seeded,
  // so these counts are exact; a change that moves them must update the table.
  EXPECT_EQ(failed_by(o, 5), 424);
  EXPECT_EQ(failed_by(o, 7), 600);
  EXPECT_EQ(failed_by(o, 20), 796);
}

}  // namespace
}  // namespace sluice::judge
