#pragma once

// The rollout simulator: the real state machine (sluice::rollout::step) and judge, driven in
// virtual time by synthetic per-variant traffic. Pure: no I/O, no clock reads, no globals; a
// fixed seed gives the same result on every platform (its own PRNG and samplers, no <random>
// distributions, whose output is implementation-defined).
//
// Traffic model, per interval of the policy: requests per variant ~ Poisson(share x RPS x
// interval) (treatment share = the served split, control the rest), errors ~ Binomial(requests,
// rate) with rate = base x multiplier for the treatment, latencies log-normal (median 100 ms,
// sigma 0.5; the treatment's scaled by the latency multiplier) counted into Prometheus' default
// histogram buckets. The regression applies to the treatment from the start.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/anomaly.hpp"
#include "sluice/policy.hpp"
#include "sluice/rollout.hpp"

namespace sluice::simulation {

// Regression shapes the threshold checks tend to miss (docs/anomaly.md), applied to the treatment.
enum class Shape {
  none,           // error_multiplier and latency_multiplier as given
  latency_creep,  // the treatment's latency x (1 + latency_creep_per_interval x intervals run)
  error_1_6x,     // the treatment's error rate x 1.6 (under a critical ratio of 2.0)
  business_drop,  // the treatment's conversion rate x (1 - business_drop)
};

enum class Judge {
  sluice,   // rollout::step with the policy's checks (the real controller)
  flagger,  // Flagger-style: treatment error rate alone vs a fixed threshold, each interval
};

struct Scenario {
  double requests_per_second = 1000;  // total over treatment + control
  double base_error_rate = 0.01;      // the control's (and a healthy treatment's)
  double error_multiplier = 1.0;      // the treatment's error rate = base x this (capped at 1)
  double latency_multiplier = 1.0;    // the treatment's latencies = control's x this
  std::uint32_t runs = 1000;
  std::uint64_t seed = 1;
  Judge judge = Judge::sluice;
  // Flagger-style judge: a check fails when the treatment's error rate over the interval is above
  // flagger_threshold_factor x base_error_rate; roll back at flagger_failed_checks failures.
  double flagger_threshold_factor = 2.0;
  std::uint32_t flagger_failed_checks = 3;
  Shape shape = Shape::none;
  double latency_creep_per_interval = 0.01;
  double business_drop = 0.10;
  // The business metric: when the policy has a custom check named "conversion", each variant
  // reports conversions / requests, conversions ~ Binomial(requests, conversion_rate).
  double conversion_rate = 0.2;
  // The anomaly model: `history` past rollouts of the same policy are simulated first (seeded
  // apart from the runs) and train an anomaly::AnomalyModel; with `anomaly` the runs' ticks are
  // scored by it (rollout::Observations::anomaly; the policy's `anomaly:` block decides what
  // happens). With history > 0, every rollout (past and run) gets realistic spread: its own small
  // true differences between variants (latency x 1 + N(0, 0.02), errors x e^N(0, 0.05),
  // conversion x 1 + N(0, 0.01)), and the past ones their own traffic (x e^U(-0.7, 0.7)) and
  // base error rate (U(0.5%, 2%)). A fraction of the past rollouts carries a regression (errors
  // 2.5x, latency 1.8x or conversion 0.7x) and usually ends rolled back.
  bool anomaly = false;
  std::uint32_t history = 0;
  double history_bad_fraction = 0.1;
  // A run that is not finished (completed or rolled back) by then stops; 0 = automatic:
  // 3 x the sum of the stages' minimum durations + 20 intervals.
  std::int64_t max_seconds = 0;
};

struct RunResult {
  rollout::Phase phase = rollout::Phase::pending;  // at the end of the run
  std::size_t stage = 0;                           // the stage served (or rolled back from)
  std::optional<double> seconds_to_rollback;       // from the rollout's start
  std::optional<double> seconds_to_complete;
  double seconds = 0;  // virtual time simulated
  std::uint64_t steps = 0;
  bool rolled_back_by_anomaly = false;  // the rollback was the anomaly model's (judge passed)
  bool paused_by_anomaly = false;       // the anomaly model paused it at least once
  // The last vector the controller saw per stage (for history generation).
  std::vector<anomaly::StageFeatures> stages;
};

struct Summary {
  std::uint32_t runs = 0;
  std::uint32_t rolled_back = 0;
  std::uint32_t completed = 0;
  std::uint32_t paused = 0;      // ended paused (a warning or no data; resume is manual)
  std::uint32_t unfinished = 0;  // still progressing or waiting at max_seconds
  std::uint32_t aborted = 0;
  std::optional<double> seconds_to_rollback_p50;
  std::optional<double> seconds_to_rollback_p95;
  std::optional<double> seconds_to_complete_p50;
  std::optional<double> seconds_to_complete_p95;
  std::vector<std::uint32_t> rolled_back_at_stage;  // per stage index
  std::uint64_t steps = 0;                          // intervals judged, over all runs
  std::uint32_t rolled_back_by_anomaly = 0;
  std::uint32_t paused_by_anomaly = 0;  // runs the model paused at least once
  std::uint32_t history = 0;            // past rollouts the model was trained on
  std::uint32_t history_completed = 0;  // of which completed
};

// Runs one rollout; `run` selects the run's own random stream (seeded from scenario.seed).
// `model` scores the ticks when scenario.anomaly is set.
RunResult simulate_one(const Policy& policy, const Scenario& scenario, std::uint32_t run,
                       const anomaly::AnomalyModel* model = nullptr);

// scenario.history past rollouts of the policy (seeded apart from the runs), as history entries
// ("sim/<i>", flags "past-<i % 12>").
std::vector<anomaly::HistoryEntry> simulate_history(const Policy& policy, const Scenario& scenario);

std::optional<Shape> parse_shape(std::string_view text);
std::string_view to_string(Shape shape);

// Runs scenario.runs rollouts and summarises them.
Summary simulate(const Policy& policy, const Scenario& scenario);

// Nearest-rank percentile (q in [0, 1]) of the values; nullopt when empty.
std::optional<double> percentile(std::vector<double> values, double q);

// How long a run may take: scenario.max_seconds, or when 0, 3 x the sum of the stages' minimum
// durations + 20 intervals. (The summary's JSON, app/simulation_json.hpp, reports it.)
std::int64_t max_seconds_for(const Policy& policy, const Scenario& scenario);

// ---- Random numbers (exposed for tests) -----------------------------------------------------

// xoshiro256** 1.0 (Blackman and Vigna), seeded through splitmix64.
class Rng {
 public:
  explicit Rng(std::uint64_t seed);
  std::uint64_t next();
  double uniform();  // [0, 1), 53 random bits
  double normal();   // standard normal (Box-Muller)
  // Poisson(mean): exact (multiplication method) below a mean of 30, normal approximation above.
  std::uint64_t poisson(double mean);
  // Binomial(n, p): exact (inversion) while n x min(p, 1-p) < 30, normal approximation above.
  std::uint64_t binomial(std::uint64_t n, double p);

 private:
  std::uint64_t s_[4] = {};
};

}  // namespace sluice::simulation
