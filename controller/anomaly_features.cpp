// The anomaly model's features (what one stage looked like) and the rollout history they are
// recorded into. Pure: no I/O, no clock, no globals. docs/anomaly.md describes the features.

#include "sluice/anomaly.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <utility>

#include "sluice/policy.hpp"
#include "sluice/rollout.hpp"
#include "statistics.hpp"

namespace sluice::anomaly {
namespace {

bool finite(double v) {
  return std::isfinite(v);
}

double ratio(double a, double b) {
  if (!finite(a) || !finite(b) || b <= 0) return kMissing;
  return a / b;
}

}  // namespace

// ---- Features -------------------------------------------------------------------------------

const Feature* FeatureVector::find(std::string_view name) const {
  for (const Feature& f : features)
    if (f.name == name) return &f;
  return nullptr;
}

double FeatureVector::value(std::string_view name) const {
  const Feature* f = find(name);
  return f ? f->value : kMissing;
}

void FeatureVector::set(std::string_view name, double v, Worse worse) {
  for (Feature& f : features)
    if (f.name == name) {
      f.value = v;
      f.worse = worse;
      return;
    }
  features.push_back(Feature{std::string(name), v, worse});
}

FeatureVector observe(const Policy& policy, const rollout::RolloutState& state,
                      const rollout::Observations& observations,
                      std::chrono::system_clock::time_point now) {
  FeatureVector v;
  v.features.reserve(8 + policy.checks.custom.size());
  const judge::VariantObservation& t = observations.treatment;
  const judge::VariantObservation& c = observations.control;
  const bool usable = !observations.unavailable;
  const double nt = usable && finite(t.requests) && t.requests > 0 ? t.requests : kMissing;
  const double nc = usable && finite(c.requests) && c.requests > 0 ? c.requests : kMissing;
  const double rt = finite(nt) && finite(t.errors) ? t.errors / nt : kMissing;
  const double rc = finite(nc) && finite(c.errors) ? c.errors / nc : kMissing;
  const double floor = policy.checks.error_rate.control_floor;
  double error_ratio = kMissing;
  if (finite(rt) && finite(rc)) error_ratio = rt / std::max(rc, std::max(floor, 1e-9));
  double error_z = kMissing;
  if (finite(rt) && finite(rc)) {
    const double pooled = (t.errors + c.errors) / (nt + nc);
    // A pooled rate of 0 (no errors anywhere) is no evidence either way: z 0. The floor keeps a
    // handful of errors on a near-zero base from looking enormous.
    const double p = std::max(pooled, std::max(floor, 1e-9) / 10);
    const double se = std::sqrt(p * (1 - p) * (1 / nt + 1 / nc));
    error_z = se > 0 ? (rt - rc) / se : 0.0;
  }
  v.set(feature::error_rate_ratio, error_ratio, Worse::higher);
  v.set(feature::error_rate_diff, finite(rt) && finite(rc) ? rt - rc : kMissing, Worse::higher);
  v.set(feature::error_rate_z, error_z, Worse::higher);
  auto quantile_ratio = [&](double q) {
    if (!usable || t.latency.empty() || c.latency.empty()) return kMissing;
    const judge::QuantileResult a = judge::histogram_quantile(q, t.latency);
    const judge::QuantileResult b = judge::histogram_quantile(q, c.latency);
    if (!a.problem.empty() || !b.problem.empty()) return kMissing;
    return ratio(a.value, b.value);
  };
  v.set(feature::latency_p95_ratio, quantile_ratio(0.95), Worse::higher);
  v.set(feature::latency_p50_ratio, quantile_ratio(0.50), Worse::higher);
  v.set(feature::treatment_share,
        finite(nt) && finite(nc) ? nt / (nt + nc) : (finite(nt) ? 1.0 : kMissing), Worse::neither);
  v.set(feature::log_requests, finite(nt) ? std::log10(1 + nt) : kMissing, Worse::neither);
  const double interval = static_cast<double>(policy.interval.count());
  const double in_stage = std::chrono::duration<double>(now - state.stage_started_at).count();
  v.set(feature::time_in_stage_intervals,
        interval > 0 && state.phase != rollout::Phase::pending ? in_stage / interval : kMissing,
        Worse::neither);
  for (const CustomCheck& check : policy.checks.custom) {
    double value = kMissing;
    const auto a = t.custom.find(check.name);
    const auto b = c.custom.find(check.name);
    if (usable && a != t.custom.end() && b != c.custom.end()) value = ratio(a->second, b->second);
    v.set(std::string(feature::custom_prefix) + check.name, value,
          check.direction == CheckDirection::LowerIsWorse ? Worse::lower : Worse::higher);
  }
  return v;
}

// ---- History --------------------------------------------------------------------------------

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::completed:
      return "completed";
    case Outcome::rolled_back_auto:
      return "rolled_back_auto";
    case Outcome::rolled_back_manual:
      return "rolled_back_manual";
    case Outcome::aborted:
      return "aborted";
  }
  return "completed";
}

std::optional<Outcome> parse_outcome(std::string_view text) {
  for (Outcome o : {Outcome::completed, Outcome::rolled_back_auto, Outcome::rolled_back_manual,
                    Outcome::aborted})
    if (to_string(o) == text) return o;
  return std::nullopt;
}

std::optional<Outcome> outcome_of(const rollout::Decision& decision) {
  switch (decision.next.phase) {
    case rollout::Phase::completed:
      return Outcome::completed;
    case rollout::Phase::rolled_back:
      return decision.actor == "controller" ? Outcome::rolled_back_auto
                                            : Outcome::rolled_back_manual;
    case rollout::Phase::aborted:
      return Outcome::aborted;
    default:
      return std::nullopt;
  }
}

void record_stage(std::vector<StageFeatures>& stages, std::size_t stage, std::uint32_t treatment_bp,
                  FeatureVector features) {
  for (StageFeatures& s : stages)
    if (s.stage == stage) {
      s.treatment_bp = treatment_bp;
      s.features = std::move(features);
      return;
    }
  stages.push_back(StageFeatures{stage, treatment_bp, std::move(features)});
}

}  // namespace sluice::anomaly
