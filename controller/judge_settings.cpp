// judge_settings: the judge's settings for one stage of a rollout policy (policy model -> judge
// model).

#include "sluice/rollout.hpp"

namespace sluice::rollout {

judge::Settings judge_settings(const Policy& policy, std::size_t stage) {
  judge::Settings s;
  const double min_samples = static_cast<double>(policy.stage_min_samples(stage));

  judge::ErrorRateCheck error_rate;
  error_rate.warning_ratio = policy.checks.error_rate.warning;
  error_rate.critical_ratio = policy.checks.error_rate.critical;
  error_rate.control_floor = policy.checks.error_rate.control_floor;
  error_rate.false_alarm_budget = policy.checks.error_rate.false_alarm_budget;
  error_rate.min_samples = min_samples;
  s.error_rate = error_rate;

  if (policy.checks.latency_p95) {
    const LatencyCheck& in = *policy.checks.latency_p95;
    judge::LatencyCheck latency;
    latency.quantile = 0.95;
    if (in.ratio) {
      latency.warning_ratio = in.ratio->warning;
      latency.critical_ratio = in.ratio->critical;
    }
    if (in.max_ms) {  // the policy writes milliseconds; histograms count seconds
      if (in.max_ms->warning) latency.warning_bound = *in.max_ms->warning / 1000.0;
      if (in.max_ms->critical) latency.critical_bound = *in.max_ms->critical / 1000.0;
    }
    latency.min_samples = min_samples;
    s.latency = latency;
  }

  for (const CustomCheck& in : policy.checks.custom) {
    judge::CustomCheck c;
    c.name = in.name;
    c.direction = in.direction == CheckDirection::LowerIsWorse ? judge::Direction::lower_is_worse
                                                               : judge::Direction::higher_is_worse;
    c.warning_bound = in.bounds.warning;
    c.critical_bound = in.bounds.critical;
    c.compare_to_control = in.compare == CheckComparison::Ratio;
    c.min_samples = min_samples;
    s.custom.push_back(std::move(c));
  }
  return s;
}

}  // namespace sluice::rollout
