#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/source_location.hpp"

// A progressive-rollout policy as written by people (YAML) or sent over the API (JSON): how the
// controller takes one flag's treatment variant from 0% to 100%, what it watches on the way, and
// what it does when the treatment does worse than the control. Nothing here is validated beyond
// its shape; `check_policy` (sluice/policy_loader.hpp) checks meaning. See docs/policy-format.md.
namespace sluice {

using PolicySeconds = std::chrono::seconds;

// What the controller does when a check has no data (no series, NaN, too little traffic to
// compute). No data never counts as a pass.
enum class NoDataAction { Hold, Pause };

// Which way a custom check's value gets worse.
enum class CheckDirection { HigherIsWorse, LowerIsWorse };

// What a custom check's bounds are compared with: the treatment's value itself, or the
// treatment's value divided by the control's.
enum class CheckComparison { Absolute, Ratio };

// A warning level (pause) and a critical level (roll back); either may be absent.
struct Thresholds {
  std::optional<double> warning;
  std::optional<double> critical;
  SourceLocation where;
};

// Error rate of the treatment over the control's, over the same window. The ratio is computed
// against max(control rate, control_floor), so a control with (almost) no errors does not make a
// handful of treatment errors look infinitely worse.
struct ErrorRateCheck {
  std::optional<double> warning;  // pause above this ratio
  double critical = 2.0;          // roll back above this ratio ("errors exceed 2x baseline")
  double control_floor = 0.001;   // a fraction: 0.001 is 0.1% of requests
  // The sequential test's probability of a false alarm (a false warn, or a false fail) over one
  // stage, however often it is looked at; in (0, 0.5]. A rollout of S stages that wants at most
  // B overall sets B / S.
  double false_alarm_budget = 0.01;
  SourceLocation where;
};

// p95 latency from the request-duration histogram, per variant.
struct LatencyCheck {
  std::optional<Thresholds> ratio;   // treatment p95 / control p95
  std::optional<Thresholds> max_ms;  // treatment p95 in milliseconds
  SourceLocation where;
};

// A PromQL query evaluated once per variant, with `{{flag}}`, `{{variant}}` and `{{window}}`
// replaced by the flag key, the variant name and the analysis window (such as `30s`).
struct CustomCheck {
  std::string name;
  std::string query;
  CheckDirection direction = CheckDirection::HigherIsWorse;
  CheckComparison compare = CheckComparison::Absolute;
  Thresholds bounds;  // `warning:` and `critical:` in the check itself
  SourceLocation where;
};

struct PolicyChecks {
  ErrorRateCheck error_rate;                // always on
  std::optional<LatencyCheck> latency_p95;  // off unless written
  std::vector<CustomCheck> custom;
};

// One step of the rollout: a share of traffic, or a cohort (everyone in a segment). Cohort steps
// come first and stay included in every later stage.
struct PolicyStage {
  std::optional<std::uint32_t> basis_points;  // `percent:`; 10000 is 100%
  std::optional<std::string> segment;         // `segment:`
  std::optional<PolicySeconds> min_duration;  // overrides the policy's
  std::optional<std::uint64_t> min_samples;   // overrides the policy's
  bool approval = false;  // the controller waits for `approve` before entering this stage
  SourceLocation where;

  bool is_cohort() const { return segment.has_value(); }
};

// Metric and label names in Prometheus. Defaults follow OpenTelemetry's semantic conventions.
struct MetricNames {
  std::string flag_label = "feature_flag_key";
  std::string variant_label = "feature_flag_variant";
  std::string requests = "http_server_requests_total";  // a counter of requests
  // The label matchers that select the failed requests among `requests`.
  std::string error_selector = "http_response_status_code=~\"5..\"";
  // A histogram (the base name: `_bucket` is appended) of request durations in seconds.
  std::string latency_histogram = "http_server_request_duration_seconds";
  SourceLocation where;
};

// The anomaly model (docs/anomaly.md): a score in [0, 1] of how unlike the healthy history of
// finished rollouts a stage looks. It only makes decisions more cautious: at `warning` the
// rollout pauses, at `critical` it rolls back; below `min_history` finished rollouts it abstains.
struct AnomalySettings {
  bool enabled = true;
  double warning = 0.8;            // pause at or above this score; in (0, 1)
  double critical = 0.95;          // roll back at or above this score; in (warning, 1]
  std::uint32_t min_history = 20;  // finished rollouts before the model says anything; >= 1
  SourceLocation where;
};

inline constexpr std::uint32_t kMaxAnomalyMinHistory = 100000;
inline constexpr PolicySeconds kDefaultInterval{60};
inline constexpr PolicySeconds kDefaultMinDuration{300};
inline constexpr std::uint64_t kDefaultMinSamples = 1000;
inline constexpr std::uint32_t kMaxAutoResumeAfter = 100;

struct Policy {
  std::string flag;
  std::string description;
  std::string treatment;                 // the variant being rolled out
  std::string control;                   // the variant it is compared with, and served on roll back
  std::optional<std::string> bucket_by;  // checked against the flag's split when given
  std::vector<PolicyStage> stages;
  PolicySeconds interval = kDefaultInterval;         // one analysis per interval, over this window
  PolicySeconds min_duration = kDefaultMinDuration;  // per stage, unless the stage overrides
  std::uint64_t min_samples = kDefaultMinSamples;    // requests per variant per stage
  NoDataAction on_no_data = NoDataAction::Hold;
  // While paused by a warning or by no data: resume after this many consecutive clean intervals
  // (1..kMaxAutoResumeAfter). nullopt (the default): only a person resumes.
  std::optional<std::uint32_t> auto_resume_after;
  PolicyChecks checks;
  std::optional<AnomalySettings> anomaly;  // off unless written (`anomaly:` with enabled: true)
  std::vector<std::string> notify;         // names of notification targets (Slack, webhooks)
  MetricNames metrics;
  SourceLocation where;  // the policy's mapping
  bool anomaly_enabled() const { return anomaly && anomaly->enabled; }
  // Where single fields were written (empty when they were not), for meaning checks.
  SourceLocation flag_where;
  SourceLocation treatment_where;
  SourceLocation control_where;
  SourceLocation bucket_by_where;
  SourceLocation auto_resume_after_where;

  PolicySeconds stage_min_duration(std::size_t stage) const {
    return stages.at(stage).min_duration.value_or(min_duration);
  }
  std::uint64_t stage_min_samples(std::size_t stage) const {
    return stages.at(stage).min_samples.value_or(min_samples);
  }
};

const char* to_string(NoDataAction action);
std::optional<NoDataAction> parse_no_data_action(std::string_view s);
const char* to_string(CheckDirection direction);
std::optional<CheckDirection> parse_check_direction(std::string_view s);
const char* to_string(CheckComparison comparison);
std::optional<CheckComparison> parse_check_comparison(std::string_view s);

// `30s`, `5m`, `1h`, `1h30m`, `90s`: one or more whole numbers each followed by `h`, `m` or `s`,
// largest unit first, each unit at most once. Nothing for anything else (`30`, `1.5m`, `1d`).
std::optional<PolicySeconds> parse_duration(std::string_view text);
// The shortest such text: 30s, 5m, 1h30m; `0s` for zero.
std::string format_duration(PolicySeconds duration);

}  // namespace sluice
