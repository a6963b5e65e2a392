// The simulator's traffic model: per-variant requests, errors, conversions and latency buckets of
// one interval, and each rollout's conditions (the scenario's shape and spread). Pure.

#include <algorithm>
#include <cmath>

#include "simulation_traffic.hpp"

namespace sluice::simulation {

// The probability of each (non-cumulative) bucket for a log-normal latency.
Buckets bucket_probabilities(double latency_multiplier) {
  const double mu = std::log(kLatencyMedian * latency_multiplier);
  Buckets p{};
  double below = 0;
  for (std::size_t i = 0; i < kBucketBounds.size(); ++i) {
    const double cdf = std::isinf(kBucketBounds[i])
                           ? 1.0
                           : 0.5 * std::erfc(-(std::log(kBucketBounds[i]) - mu) /
                                             (kLatencySigma * std::sqrt(2.0)));
    p[i] = std::max(0.0, cdf - below);
    below = cdf;
  }
  return p;
}

// One interval of one variant's traffic: Poisson arrivals, binomial errors, a multinomial split
// of the requests over the latency buckets (as conditional binomials).
VariantTraffic interval_traffic(Rng& rng, const VariantModel& model, double mean_requests) {
  VariantTraffic t;
  t.requests = mean_requests > 0 ? rng.poisson(mean_requests) : 0;
  t.errors = rng.binomial(t.requests, model.error_rate);
  t.conversions = rng.binomial(t.requests, model.conversion_rate);
  std::uint64_t remaining = t.requests;
  double remaining_p = 1.0;
  for (std::size_t i = 0; i < model.bucket_p.size() && remaining > 0; ++i) {
    const bool last = i + 1 == model.bucket_p.size();
    const double p =
        last || remaining_p <= 0 ? 1.0 : std::min(1.0, model.bucket_p[i] / remaining_p);
    const std::uint64_t k = rng.binomial(remaining, p);
    t.latency[i] = static_cast<double>(k);
    remaining -= k;
    remaining_p -= model.bucket_p[i];
  }
  return t;
}

void add(VariantTraffic& into, const VariantTraffic& t) {
  into.requests += t.requests;
  into.errors += t.errors;
  into.conversions += t.conversions;
  for (std::size_t i = 0; i < into.latency.size(); ++i)
    into.latency[i] += t.latency[i];
}
namespace {

// A regression of a past rollout: errors 2.5x, latency 1.8x or conversion 0.7x.
void past_regression(Conditions& c, std::uint64_t pick) {
  switch (pick % 3) {
    case 0:
      c.error_multiplier *= 2.5;
      break;
    case 1:
      c.latency_multiplier *= 1.8;
      break;
    default:
      c.conversion_multiplier *= 0.7;
      break;
  }
}
}  // namespace

Conditions conditions_for(const Scenario& scenario, Rng& spread, bool past, bool bad) {
  Conditions c;
  c.requests_per_second = scenario.requests_per_second;
  c.base_error_rate = scenario.base_error_rate;
  c.error_multiplier = scenario.error_multiplier;
  c.latency_multiplier = scenario.latency_multiplier;
  if (!past) {
    switch (scenario.shape) {
      case Shape::none:
        break;
      case Shape::latency_creep:
        c.latency_creep = scenario.latency_creep_per_interval;
        break;
      case Shape::error_1_6x:
        c.error_multiplier *= 1.6;
        break;
      case Shape::business_drop:
        c.conversion_multiplier *= 1 - scenario.business_drop;
        break;
    }
  }
  if (scenario.history > 0) {
    c.latency_multiplier *= 1 + 0.02 * spread.normal();
    c.error_multiplier *= std::exp(0.05 * spread.normal());
    c.conversion_multiplier *= 1 + 0.01 * spread.normal();
    if (past) {
      c.requests_per_second *= std::exp(-0.7 + 1.4 * spread.uniform());
      c.base_error_rate = 0.005 + 0.015 * spread.uniform();
      c.error_multiplier = std::exp(0.05 * spread.normal());
      if (bad) past_regression(c, spread.next());
    }
  }
  return c;
}

bool has_conversion(const Policy& policy) {
  for (const CustomCheck& c : policy.checks.custom)
    if (c.name == "conversion") return true;
  return false;
}

Traffic make_traffic(const Policy& policy, const Conditions& conditions, std::uint64_t seed,
                     double conversion_rate) {
  Traffic traffic{Rng(seed), {}, {}, 0, conditions.latency_multiplier, conditions.latency_creep, 0};
  traffic.control.error_rate = std::clamp(conditions.base_error_rate, 0.0, 1.0);
  traffic.treatment.error_rate =
      std::clamp(conditions.base_error_rate * conditions.error_multiplier, 0.0, 1.0);
  traffic.control.conversion_rate = std::clamp(conversion_rate, 0.0, 1.0);
  traffic.treatment.conversion_rate =
      std::clamp(conversion_rate * conditions.conversion_multiplier, 0.0, 1.0);
  traffic.control.bucket_p = bucket_probabilities(1.0);
  traffic.treatment.bucket_p = bucket_probabilities(conditions.latency_multiplier);
  traffic.per_interval =
      conditions.requests_per_second * static_cast<double>(policy.interval.count());
  return traffic;
}

Traffic make_traffic(const Policy& policy, const Scenario& scenario, std::uint32_t run) {
  Rng spread(run_seed(scenario.seed ^ 0x5EED5EED5EEDULL, run));
  return make_traffic(policy, conditions_for(scenario, spread, false, false),
                      run_seed(scenario.seed, run),
                      has_conversion(policy) ? scenario.conversion_rate : 0.0);
}

}  // namespace sluice::simulation
