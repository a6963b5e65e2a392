// Private to the simulator: the traffic model (simulation_traffic.cpp) the runners
// (simulation.cpp) drive, and the run seeds (simulation_random.cpp). simulation.hpp describes the
// model.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <utility>

#include "simulation.hpp"
#include "sluice/judge.hpp"

namespace sluice::simulation {

// The seed of run `run`'s own random stream.
std::uint64_t run_seed(std::uint64_t seed, std::uint32_t run);

// Prometheus' default histogram buckets (seconds); the last is +Inf.
inline constexpr std::array<double, 15> kBucketBounds = {
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, HUGE_VAL};
inline constexpr double kLatencyMedian = 0.1;  // seconds
inline constexpr double kLatencySigma = 0.5;   // of the log

using Buckets = std::array<double, kBucketBounds.size()>;
// The probability of each (non-cumulative) bucket for a log-normal latency.
Buckets bucket_probabilities(double latency_multiplier);

// One variant's traffic, cumulative over the analysis window.
struct VariantTraffic {
  std::uint64_t requests = 0;
  std::uint64_t errors = 0;
  std::uint64_t conversions = 0;
  Buckets latency{};  // non-cumulative counts per bucket

  void reset() { *this = VariantTraffic{}; }

  judge::VariantObservation observation(bool with_latency, bool with_conversion) const {
    judge::VariantObservation o;
    o.requests = static_cast<double>(requests);
    o.errors = static_cast<double>(errors);
    if (with_conversion && requests > 0)
      o.custom["conversion"] = static_cast<double>(conversions) / static_cast<double>(requests);
    if (with_latency) {
      double cumulative = 0;
      o.latency.reserve(latency.size());
      for (std::size_t i = 0; i < latency.size(); ++i) {
        cumulative += latency[i];
        o.latency.push_back({kBucketBounds[i], cumulative});
      }
    }
    return o;
  }
};

struct VariantModel {
  double error_rate = 0;
  double conversion_rate = 0;
  Buckets bucket_p{};
};

// One interval of one variant's traffic: Poisson arrivals, binomial errors, a multinomial split
// of the requests over the latency buckets (as conditional binomials).
VariantTraffic interval_traffic(Rng& rng, const VariantModel& model, double mean_requests);

void add(VariantTraffic& into, const VariantTraffic& t);

struct Traffic {
  Rng rng;
  VariantModel treatment;
  VariantModel control;
  double per_interval = 0;  // requests per interval over both variants
  double latency_multiplier = 1;
  double latency_creep = 0;  // added to the treatment's latency multiplier per interval
  std::uint64_t intervals = 0;

  // One interval at the given treatment share (basis points).
  std::pair<VariantTraffic, VariantTraffic> next(std::uint32_t treatment_bp) {
    if (latency_creep > 0)
      treatment.bucket_p = bucket_probabilities(
          latency_multiplier * (1 + latency_creep * static_cast<double>(intervals)));
    ++intervals;
    const double share =
        static_cast<double>(std::min<std::uint32_t>(treatment_bp, 10000)) / 10000.0;
    VariantTraffic t = interval_traffic(rng, treatment, per_interval * share);
    VariantTraffic c = interval_traffic(rng, control, per_interval * (1.0 - share));
    return {t, c};
  }
};

// One rollout's conditions: the scenario's, with its shape, and (with history) its own spread.
struct Conditions {
  double requests_per_second = 0;
  double base_error_rate = 0;
  double error_multiplier = 1;
  double latency_multiplier = 1;
  double latency_creep = 0;
  double conversion_multiplier = 1;
};
Conditions conditions_for(const Scenario& scenario, Rng& spread, bool past, bool bad);
bool has_conversion(const Policy& policy);
Traffic make_traffic(const Policy& policy, const Conditions& conditions, std::uint64_t seed,
                     double conversion_rate);
Traffic make_traffic(const Policy& policy, const Scenario& scenario, std::uint32_t run);

}  // namespace sluice::simulation
