#pragma once

// The statistical judge of a progressive rollout: a pure function from one analysis window's
// per-variant observations and the policy's check settings to a verdict per check, with the
// numbers behind it. No I/O, no clock, no globals. Method and measured error rates: docs/judge.md.

#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::judge {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ---- Input --------------------------------------------------------------------------------

// One bucket of a Prometheus-style cumulative histogram: the number of observations <= upper_bound.
// The buckets of a histogram may come in any order; one must have upper_bound = +infinity.
struct HistogramBucket {
  double upper_bound = 0;       // the `le` label, e.g. 0.25 (seconds); +infinity for "+Inf"
  double cumulative_count = 0;  // observations <= upper_bound
  friend bool operator==(const HistogramBucket&, const HistogramBucket&) = default;
};

// What one variant (treatment or control) did. Counts are CUMULATIVE since the current stage
// began (not per interval): the error test is a sequential test over the whole stage and reads
// its running totals at each look. Counts are doubles because Prometheus answers in floats.
struct VariantObservation {
  double requests = 0;                   // requests served with this variant
  double errors = 0;                     // of which failed; 0 <= errors <= requests
  std::vector<HistogramBucket> latency;  // cumulative latency histogram; empty = not measured
  std::map<std::string, double> custom;  // custom metric name -> value; absent = no data
};

struct Observations {
  VariantObservation treatment;
  VariantObservation control;
  // The share of treatment among (treatment + control) traffic that the flag serves, in basis
  // points of 10,000: at a 5% stage with control serving the other 95%, 500. nullopt when the
  // split is not a percentage (a cohort stage) — the sample-ratio check then says no_data.
  std::optional<int> expected_treatment_share_bp;
};

// Error-rate ratio of treatment over control (concurrent control, ARCHITECTURE decision 7).
// The baseline is max(control rate, control_floor): when the control has (almost) no errors the
// treatment is compared with the floor instead, so "3 errors vs 0" is not an infinite ratio.
struct ErrorRateCheck {
  std::optional<double> warning_ratio = 1.5;  // warn (pause) at this ratio; nullopt = no warning
  double critical_ratio = 2.0;                // fail (roll back) at this ratio
  double control_floor = 0.001;               // absolute floor of the baseline rate (0.1%)
  double min_samples = 1000;                  // requests per variant before any verdict
  // Probability of a false fail (or a false warn) over the whole stage, however often it is
  // looked at, for a treatment no worse than null_ratio x baseline. It is per stage: a rollout of
  // S stages that wants budget B overall passes B / S.
  double false_alarm_budget = 0.01;
  // The "healthy" hypothesis the sequential test must reject: treatment rate <= null_ratio x
  // baseline. 1.0 = "no regression" (default). Setting it to critical_ratio makes a fail mean
  // "confidently above the critical ratio" at the cost of much slower detection (docs/judge.md).
  double null_ratio = 1.0;
};

// A latency quantile (p95 by default) from the per-variant histograms: a ratio over control
// and/or an absolute bound (in the histogram's unit, usually seconds). Unset levels are not
// checked.
struct LatencyCheck {
  double quantile = 0.95;
  std::optional<double> warning_ratio;
  std::optional<double> critical_ratio;
  std::optional<double> warning_bound;
  std::optional<double> critical_bound;
  double min_samples = 1000;  // observations per variant (histogram total) before any verdict
};

enum class Direction { higher_is_worse, lower_is_worse };

// A custom metric (a cost per request, a business KPI), read from VariantObservation::custom by
// name. Bounds apply to the treatment's value; when compare_to_control is set they apply to the
// ratio treatment / control instead.
struct CustomCheck {
  std::string name;
  Direction direction = Direction::higher_is_worse;
  std::optional<double> warning_bound;
  std::optional<double> critical_bound;
  bool compare_to_control = false;
  double min_samples = 0;  // requests per variant before any verdict
};

struct Settings {
  std::optional<ErrorRateCheck> error_rate = ErrorRateCheck{};
  std::optional<LatencyCheck> latency;
  std::vector<CustomCheck> custom;
  double srm_p_value = 0.001;   // sample-ratio mismatch when the chi-square p-value is below this
  double srm_min_expected = 5;  // chi-square needs >= this many expected requests per variant
};

// ---- Output -------------------------------------------------------------------------------

// pass: evidence says fine. warn: pause. fail: roll back. no_data: hold (never a pass).
// srm: the observed split departs from the served split beyond chance; hold, comparisons invalid.
enum class Verdict { pass, warn, fail, no_data, srm };

std::string_view to_string(Verdict v);

struct CheckResult {
  std::string check;  // "error_rate", "latency_p95", "sample_ratio", "custom:<name>"
  Verdict verdict = Verdict::no_data;
  // The measured value per variant: error rate, latency quantile, custom value, or request count
  // (sample_ratio). NaN when unknown.
  double treatment_value = kNaN;
  double control_value = kNaN;
  double treatment_samples = 0;  // requests / histogram observations per variant
  double control_samples = 0;
  // The effect compared with the levels: error-rate ratio over max(control, floor), latency ratio
  // or value, custom value or ratio, or the observed treatment share (sample_ratio). NaN if none.
  double effect = kNaN;
  double effect_threshold =
      kNaN;  // the level it was compared with (critical, or warning if that hit)
  // The test statistic and the level it must reach: for error_rate the e-value (likelihood-ratio
  // mixture) against 1 / false_alarm_budget; for sample_ratio chi-square against the critical
  // value. NaN for threshold-only checks (latency, custom).
  double statistic = kNaN;
  double statistic_threshold = kNaN;
  double p_value = kNaN;  // always-valid p-value (error_rate) or chi-square p-value; NaN otherwise
  // error_rate only: the point estimate is at or above a level but the evidence is not yet
  // significant, so the verdict is still pass. A careful controller holds rather than advances.
  bool elevated = false;
  std::string explanation;  // one sentence for a tired on-call engineer
};

struct Judgement {
  std::vector<CheckResult> checks;  // sample_ratio first, then error_rate, latency, custom
  // The most severe verdict: srm > fail > warn > no_data > pass. srm outranks fail because a
  // broken assignment invalidates every comparison (the controller holds and says so).
  Verdict overall = Verdict::no_data;
  std::string summary;  // the explanation of the check that set `overall`
};

Judgement evaluate(const Settings& settings, const Observations& observations);

}  // namespace sluice::judge
