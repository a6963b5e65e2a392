// The rollout simulator (controller/simulation.hpp): the real state machine and judge on
// synthetic traffic, and the Flagger-style baseline.

#include <gtest/gtest.h>

#include <string>

#include "simulation.hpp"
#include "simulation_json.hpp"
#include "sluice/policy_loader.hpp"

namespace sluice::simulation {
namespace {

Policy example_policy() {
  PolicyLoadResult loaded = load_policy_paths(
      {std::string(SLUICE_SOURCE_DIR) + "/examples/policies/new-pdf-engine.yaml"});
  EXPECT_TRUE(loaded.ok());
  EXPECT_EQ(loaded.policies.size(), 1u);
  return loaded.policies.at(0);
}

Scenario scenario(double error_multiplier, std::uint32_t runs, std::uint64_t seed = 1) {
  Scenario s;
  s.requests_per_second = 1000;
  s.base_error_rate = 0.01;
  s.error_multiplier = error_multiplier;
  s.runs = runs;
  s.seed = seed;
  return s;
}

TEST(SimulationRng, SamplersHaveTheRightMeans) {
  Rng rng(42);
  const int n = 20000;
  double small = 0, large = 0, binom_small = 0, binom_large = 0;
  for (int i = 0; i < n; ++i) {
    small += static_cast<double>(rng.poisson(3.5));
    large += static_cast<double>(rng.poisson(1500));
    binom_small += static_cast<double>(rng.binomial(1000, 0.01));
    binom_large += static_cast<double>(rng.binomial(30000, 0.01));
  }
  EXPECT_NEAR(small / n, 3.5, 0.05);
  EXPECT_NEAR(large / n, 1500, 1.0);
  EXPECT_NEAR(binom_small / n, 10, 0.1);
  EXPECT_NEAR(binom_large / n, 300, 0.5);
  EXPECT_EQ(rng.binomial(0, 0.5), 0u);
  EXPECT_EQ(rng.binomial(10, 1.0), 10u);
  EXPECT_EQ(rng.binomial(10, 0.0), 0u);
}

TEST(SimulationPercentile, NearestRank) {
  EXPECT_FALSE(percentile({}, 0.5).has_value());
  EXPECT_EQ(*percentile({30, 10, 20}, 0.5), 20);
  EXPECT_EQ(*percentile({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0.95), 10);
}

TEST(Simulation, SameSeedSameJson) {
  const Policy policy = example_policy();
  const Scenario s = scenario(1.5, 40, 7);
  const std::string a = app::simulation_json(policy, s, simulate(policy, s));
  const std::string b = app::simulation_json(policy, s, simulate(policy, s));
  EXPECT_EQ(a, b);
  const Scenario other = scenario(1.5, 40, 8);
  EXPECT_NE(a, app::simulation_json(policy, other, simulate(policy, other)));
}

// ARCHITECTURE.md's budget: at most 1% false rollbacks over 1,000 healthy rollouts. The
// simulator is seeded, so this is one fixed sample of 1,000 runs (seed 1, the one
// docs/benchmarks.md reports: 0 rolled back). With 1,000 runs a judge whose true false-rollback
// rate were 2% would exceed 10 in about 98% of samples (binomial, mean 20, sd 4.4), so the
// bound tells the 1% budget from a 2% judge; the former 300 runs with a bound of 6 let a 2%
// judge pass about 60% of the time.
TEST(Simulation, HealthyRolloutsStayWithinTheOnePercentFalseRollbackBudget) {
  const Policy policy = example_policy();
  const Summary s = simulate(policy, scenario(1.0, 1000));
  EXPECT_EQ(s.runs, 1000u);
  EXPECT_EQ(s.rolled_back + s.completed + s.paused + s.unfinished + s.aborted, 1000u);
  EXPECT_LE(s.rolled_back, 10u);  // <= 1%
  EXPECT_GE(s.completed, 900u);
  ASSERT_TRUE(s.seconds_to_complete_p50.has_value());
  // Four stages of at least 5 minutes each.
  EXPECT_GE(*s.seconds_to_complete_p50, 4 * 300.0);
}

TEST(Simulation, ThreeTimesTheErrorsRollsBack) {
  const Policy policy = example_policy();
  const Summary s = simulate(policy, scenario(3.0, 200));
  EXPECT_GE(s.rolled_back, 180u);  // >= 90%
  ASSERT_TRUE(s.seconds_to_rollback_p50.has_value());
  ASSERT_TRUE(s.seconds_to_rollback_p95.has_value());
  EXPECT_LE(*s.seconds_to_rollback_p50, *s.seconds_to_rollback_p95);
  EXPECT_GT(*s.seconds_to_rollback_p50, 0);
  EXPECT_GT(s.rolled_back_at_stage.at(0), 0u);
}

// docs/benchmarks.md, "Rollout simulator": a 2x error regression at 1% base error, 1,000 runs,
// seed 1, is rolled back in every run, at 60 s (p50) and 240 s (p95) from the start. The
// simulator is deterministic for a seed, so these are the documented figures exactly: a change
// to the judge or the state machine that moves them must update the table.
TEST(Simulation, TwofoldErrorsRollBackAsTheBenchmarksState) {
  const Policy policy = example_policy();
  const Summary s = simulate(policy, scenario(2.0, 1000));
  EXPECT_EQ(s.rolled_back, 1000u);
  ASSERT_TRUE(s.seconds_to_rollback_p50.has_value());
  ASSERT_TRUE(s.seconds_to_rollback_p95.has_value());
  EXPECT_EQ(*s.seconds_to_rollback_p50, 60.0);
  EXPECT_EQ(*s.seconds_to_rollback_p95, 240.0);
}

TEST(Simulation, SlowTreatmentRollsBackOnLatency) {
  const Policy policy = example_policy();
  Scenario s = scenario(1.0, 50);
  s.latency_multiplier = 3.0;
  EXPECT_GE(simulate(policy, s).rolled_back, 45u);
}

TEST(Simulation, FlaggerBaselineRuns) {
  const Policy policy = example_policy();
  Scenario healthy = scenario(1.0, 200);
  healthy.judge = Judge::flagger;
  const Summary h = simulate(policy, healthy);
  EXPECT_EQ(h.rolled_back + h.completed, 200u);
  EXPECT_GE(h.completed, 190u);

  Scenario broken = scenario(3.0, 200);
  broken.judge = Judge::flagger;
  const Summary b = simulate(policy, broken);
  EXPECT_GE(b.rolled_back, 180u);
  ASSERT_TRUE(b.seconds_to_rollback_p95.has_value());
  // Three failed checks take at least three intervals.
  EXPECT_GE(*b.seconds_to_rollback_p50, 3.0 * 30);

  const std::string json = app::simulation_json(policy, broken, b);
  EXPECT_NE(json.find("\"judge\":\"flagger\""), std::string::npos);
  EXPECT_NE(json.find("\"seconds_to_rollback_p95\":"), std::string::npos);
  EXPECT_EQ(app::simulation_json(policy, broken, simulate(policy, broken)), json);
}

TEST(Simulation, NoRollbackGivesNullPercentiles) {
  const Policy policy = example_policy();
  Scenario s = scenario(1.0, 5);
  s.base_error_rate = 0;
  const Summary summary = simulate(policy, s);
  EXPECT_EQ(summary.rolled_back, 0u);
  const std::string json = app::simulation_json(policy, s, summary);
  EXPECT_NE(json.find("\"seconds_to_rollback_p50\":null"), std::string::npos);
  EXPECT_NE(json.find("\"seconds_to_rollback_p95\":null"), std::string::npos);
}

}  // namespace
}  // namespace sluice::simulation
