// The JSON form of policies, as the API returns them. It is written so that reading it back
// (read_single_policy_json) gives the same policy, in the style of
// flags/files/flag_json_writer.cpp: keys in the documented order, whole numbers without a fraction,
// durations as text.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sluice/number_json.hpp"
#include "sluice/policy_json.hpp"

namespace sluice {
namespace {

using Json = nlohmann::ordered_json;

// Basis points back to the percentage they were written as: 500 -> 5, 250 -> 2.5, 1 -> 0.01.
Json percent_json(std::uint32_t basis_points) {
  if (basis_points % 100 == 0) return basis_points / 100;
  return static_cast<double>(basis_points) / 100.0;
}

Json duration_json(PolicySeconds duration) {
  return format_duration(duration);
}

Json thresholds_json(const Thresholds& thresholds) {
  Json out = Json::object();
  if (thresholds.warning) out["warning"] = number_json(*thresholds.warning);
  if (thresholds.critical) out["critical"] = number_json(*thresholds.critical);
  return out;
}

Json stage_json(const PolicyStage& stage) {
  Json out = Json::object();
  if (stage.basis_points) out["percent"] = percent_json(*stage.basis_points);
  if (stage.segment) out["segment"] = *stage.segment;
  if (stage.min_duration) out["min_duration"] = duration_json(*stage.min_duration);
  if (stage.min_samples) out["min_samples"] = *stage.min_samples;
  if (stage.approval) out["approval"] = true;
  return out;
}

Json error_rate_json(const ErrorRateCheck& check) {
  Json out = Json::object();
  if (check.warning) out["warning"] = number_json(*check.warning);
  out["critical"] = number_json(check.critical);
  out["control_floor"] = number_json(check.control_floor);
  out["false_alarm_budget"] = number_json(check.false_alarm_budget);
  return out;
}

Json latency_json(const LatencyCheck& check) {
  Json out = Json::object();
  if (check.ratio) out["ratio"] = thresholds_json(*check.ratio);
  if (check.max_ms) out["max_ms"] = thresholds_json(*check.max_ms);
  return out;
}

Json custom_json(const CustomCheck& check) {
  Json out = Json::object();
  out["name"] = check.name;
  out["query"] = check.query;
  out["direction"] = to_string(check.direction);
  out["compare"] = to_string(check.compare);
  if (check.bounds.warning) out["warning"] = number_json(*check.bounds.warning);
  if (check.bounds.critical) out["critical"] = number_json(*check.bounds.critical);
  return out;
}

Json checks_json(const PolicyChecks& checks) {
  Json out = Json::object();
  out["error_rate"] = error_rate_json(checks.error_rate);
  if (checks.latency_p95) out["latency_p95"] = latency_json(*checks.latency_p95);
  Json custom = Json::array();
  for (const CustomCheck& check : checks.custom)
    custom.push_back(custom_json(check));
  out["custom"] = std::move(custom);
  return out;
}

Json metrics_json(const MetricNames& metrics) {
  Json out = Json::object();
  out["flag_label"] = metrics.flag_label;
  out["variant_label"] = metrics.variant_label;
  out["requests"] = metrics.requests;
  out["error_selector"] = metrics.error_selector;
  out["latency_histogram"] = metrics.latency_histogram;
  return out;
}

Json policy_json(const Policy& policy) {
  Json out = Json::object();
  out["flag"] = policy.flag;
  out["description"] = policy.description;
  out["treatment"] = policy.treatment;
  out["control"] = policy.control;
  if (policy.bucket_by) out["bucket_by"] = *policy.bucket_by;
  out["interval"] = duration_json(policy.interval);
  out["min_duration"] = duration_json(policy.min_duration);
  out["min_samples"] = policy.min_samples;
  out["on_no_data"] = to_string(policy.on_no_data);
  if (policy.auto_resume_after) out["auto_resume_after"] = *policy.auto_resume_after;
  Json stages = Json::array();
  for (const PolicyStage& stage : policy.stages)
    stages.push_back(stage_json(stage));
  out["stages"] = std::move(stages);
  out["checks"] = checks_json(policy.checks);
  if (policy.anomaly) {
    out["anomaly"] = Json{{"enabled", policy.anomaly->enabled},
                          {"warning", number_json(policy.anomaly->warning)},
                          {"critical", number_json(policy.anomaly->critical)},
                          {"min_history", policy.anomaly->min_history}};
  }
  out["notify"] = policy.notify;
  out["metrics"] = metrics_json(policy.metrics);
  return out;
}

}  // namespace

// Invalid UTF-8 in a YAML string must not make the API throw: it is replaced, not rejected.
std::string policy_to_json(const Policy& policy) {
  return policy_json(policy).dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace sluice
