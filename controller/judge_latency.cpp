// The judge's latency-quantile check: a quantile of the treatment's latency histogram against the
// control's (a ratio) or against a fixed bound. docs/judge.md describes it.

#include <cmath>
#include <optional>
#include <string>

#include "judge_checks.hpp"
#include "statistics.hpp"
#include "text_format.hpp"

namespace sluice::judge::detail {
namespace {

using text_format::count_text;
using text_format::level_text;
using text_format::milliseconds_text;
using text_format::printf_text;
using text_format::ratio_text;

std::string latency_settings_problem(const LatencyCheck& c) {
  if (!(c.quantile > 0 && c.quantile < 1)) return "quantile must be in (0, 1)";
  if (!c.warning_ratio && !c.critical_ratio && !c.warning_bound && !c.critical_bound)
    return "no level set";
  for (const std::optional<double>& level :
       {c.warning_ratio, c.critical_ratio, c.warning_bound, c.critical_bound}) {
    if (level && !(std::isfinite(*level) && *level > 0)) return "levels must be positive numbers";
  }
  if (!finite_non_negative(c.min_samples)) return "min_samples must be a non-negative number";
  return {};
}

// "p95 latency 146.9 ms vs 120.1 ms on control over 4,210 requests: 1.2x"
std::string latency_numbers(const LatencyCheck& c, const QuantileResult& qt,
                            const QuantileResult& qc, bool by_ratio, double ratio) {
  const std::string name = "p" + printf_text("%g", c.quantile * 100) + " latency ";
  // Histograms count seconds; people read latencies in milliseconds (as the CLI shows them).
  std::string numbers = name + milliseconds_text(qt.value);
  if (qc.problem.empty()) numbers += " vs " + milliseconds_text(qc.value) + " on control";
  numbers += " over " + count_text(qt.total) + " requests";
  if (by_ratio) numbers += ": " + ratio_text(ratio);
  return numbers;
}

// Whether a latency reaches one severity's levels (its ratio to the control, or its bound), and
// the words for it.
struct LevelHit {
  bool hit;
  std::string what;
  double level;
};

LevelHit level_hit(double ratio, double value, const std::optional<double>& ratio_level,
                   const std::optional<double>& bound, const char* severity_name) {
  if (ratio_level && ratio >= *ratio_level) {
    return {true,
            std::string(", above the ") + severity_name + " ratio " + level_text(*ratio_level),
            *ratio_level};
  }
  if (bound && value >= *bound) {
    return {true,
            std::string(", above the ") + severity_name + " bound " + milliseconds_text(*bound),
            *bound};
  }
  return {false, {}, kNaN};
}

}  // namespace

CheckResult check_latency(const LatencyCheck& c, const Observations& o) {
  CheckResult r;
  r.check = "latency_p" + printf_text("%g", c.quantile * 100);
  if (std::string p = latency_settings_problem(c); !p.empty())
    return no_data(r, "invalid settings: " + p);
  const bool by_ratio = c.warning_ratio || c.critical_ratio;
  const QuantileResult qt = histogram_quantile(c.quantile, o.treatment.latency);
  const QuantileResult qc = histogram_quantile(c.quantile, o.control.latency);
  r.treatment_samples = qt.total;
  r.control_samples = qc.total;
  r.treatment_value = qt.value;
  r.control_value = qc.value;
  if (!qt.problem.empty()) return no_data(r, "treatment latency: " + std::string(qt.problem));
  if (by_ratio && !qc.problem.empty())
    return no_data(r, "control latency: " + std::string(qc.problem));
  if (qt.total < c.min_samples || (by_ratio && qc.total < c.min_samples)) {
    return no_data(r, below_min_samples(qt.total, qc.total, c.min_samples));
  }
  if (by_ratio && !(qc.value > 0))
    return no_data(r, "control latency quantile is not positive; no ratio");
  const double ratio = by_ratio ? qt.value / qc.value : kNaN;
  r.effect = by_ratio ? ratio : qt.value;

  const std::string numbers = latency_numbers(c, qt, qc, by_ratio, ratio);

  const LevelHit critical =
      level_hit(ratio, qt.value, c.critical_ratio, c.critical_bound, "critical");
  const LevelHit warning = level_hit(ratio, qt.value, c.warning_ratio, c.warning_bound, "warning");
  if (critical.hit) {
    r.verdict = Verdict::fail;
    r.effect_threshold = critical.level;
    r.explanation = numbers + critical.what;
  } else if (warning.hit) {
    r.verdict = Verdict::warn;
    r.effect_threshold = warning.level;
    r.explanation = numbers + warning.what;
  } else {
    r.verdict = Verdict::pass;
    r.effect_threshold = by_ratio ? c.critical_ratio.value_or(c.warning_ratio.value_or(kNaN))
                                  : c.critical_bound.value_or(c.warning_bound.value_or(kNaN));
    r.explanation = numbers + ", within its levels";
  }
  return r;
}

}  // namespace sluice::judge::detail
