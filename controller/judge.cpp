#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "judge_checks.hpp"
#include "sample_ratio.hpp"
#include "sluice/judge.hpp"
#include "statistics.hpp"
#include "text_format.hpp"

namespace sluice::judge {
namespace detail {

bool finite_non_negative(double v) {
  return std::isfinite(v) && v >= 0;
}

// Why a variant's request and error counts are unusable, or empty when they are fine.
std::string count_problem(const VariantObservation& v, const char* name) {
  if (!finite_non_negative(v.requests))
    return std::string(name) + " request count is NaN, infinite or negative";
  if (!finite_non_negative(v.errors))
    return std::string(name) + " error count is NaN, infinite or negative";
  if (v.errors > v.requests) return std::string(name) + " has more errors than requests";
  return {};
}

CheckResult no_data(CheckResult r, std::string why) {
  r.verdict = Verdict::no_data;
  r.explanation = "no data: " + std::move(why);
  return r;
}

std::string below_min_samples(double n_t, double n_c, double min_samples) {
  using text_format::count_text;
  return count_text(n_t) + " treatment and " + count_text(n_c) + " control samples, " +
         count_text(min_samples) + " per variant needed";
}

}  // namespace detail

namespace {

using namespace detail;

constexpr double kInf = std::numeric_limits<double>::infinity();

// The one-sentence explanations format numbers through controller/text_format.hpp.
using text_format::count_text;
using text_format::evalue_text;
using text_format::level_text;
using text_format::number_text;
using text_format::percent_text;
using text_format::printf_text;
using text_format::ratio_text;

int severity(Verdict v) {
  switch (v) {
    case Verdict::pass:
      return 0;
    case Verdict::no_data:
      return 1;
    case Verdict::warn:
      return 2;
    case Verdict::fail:
      return 3;
    case Verdict::srm:
      return 4;
  }
  return 1;
}

// ---- Sample-ratio mismatch ----

CheckResult check_sample_ratio(const Settings& s, const Observations& o) {
  CheckResult r;
  r.check = "sample_ratio";
  r.treatment_value = o.treatment.requests;
  r.control_value = o.control.requests;
  r.treatment_samples = o.treatment.requests;
  r.control_samples = o.control.requests;
  if (!o.expected_treatment_share_bp)
    return no_data(r, "the served split is not a percentage (cohort stage)");
  const int bp = *o.expected_treatment_share_bp;
  if (bp <= 0 || bp >= 10000)
    return no_data(r, "the flag serves all of this traffic to one variant");
  if (!finite_non_negative(o.treatment.requests) || !finite_non_negative(o.control.requests)) {
    return no_data(r, "a request count is NaN, infinite or negative");
  }
  if (!(s.srm_p_value > 0 && s.srm_p_value < 1))
    return no_data(r, "invalid settings: srm_p_value must be in (0, 1)");
  const double share = bp / 10000.0;
  const double total = o.treatment.requests + o.control.requests;
  r.effect_threshold = share;
  r.statistic_threshold = chi_square_1dof_critical_value(s.srm_p_value);
  if (total * share < s.srm_min_expected || total * (1 - share) < s.srm_min_expected) {
    return no_data(r, "too few requests (" + count_text(total) + ") to compare the split");
  }
  const SampleRatioTest t = sample_ratio_test(o.treatment.requests, o.control.requests, share);
  r.effect = t.observed_share;
  r.statistic = t.chi2;
  r.p_value = t.p_value;
  const std::string numbers = "treatment got " + percent_text(t.observed_share) + " of " +
                              count_text(total) + " requests, the flag serves " +
                              percent_text(share) + " (chi-square " + printf_text("%.1f", t.chi2) +
                              ", p = " + printf_text("%.2g", t.p_value);
  if (t.p_value < s.srm_p_value) {
    r.verdict = Verdict::srm;
    r.explanation = "sample ratio mismatch: " + numbers + " < " + printf_text("%g", s.srm_p_value) +
                    "): assignment looks broken, every comparison is suspect; holding";
  } else {
    r.verdict = Verdict::pass;
    r.explanation = "split as served: " + numbers + ")";
  }
  return r;
}

// ---- Error-rate ratio ----

std::string error_settings_problem(const ErrorRateCheck& c) {
  if (!(std::isfinite(c.null_ratio) && c.null_ratio > 0))
    return "null_ratio must be a positive number";
  if (!(std::isfinite(c.critical_ratio) && c.critical_ratio > c.null_ratio)) {
    return "critical_ratio must be a number above null_ratio";
  }
  if (c.warning_ratio && !(std::isfinite(*c.warning_ratio) && *c.warning_ratio > c.null_ratio)) {
    return "warning_ratio must be a number above null_ratio";
  }
  if (!(c.control_floor >= 0 && c.control_floor < 1)) return "control_floor must be in [0, 1)";
  if (!(c.false_alarm_budget > 0 && c.false_alarm_budget < 1))
    return "false_alarm_budget must be in (0, 1)";
  if (!finite_non_negative(c.min_samples)) return "min_samples must be a non-negative number";
  return {};
}

// The log e-value against "treatment rate <= null_ratio x max(control rate, floor)" with
// alternatives from `level` up. The null is a union of "<= null x control" and "<= null x floor",
// so both e-values must reach the threshold (intersection-union): the smaller one is reported.
double error_log_evalue(const ErrorRateCheck& c, const VariantObservation& t,
                        const VariantObservation& k, double level) {
  double log_e = log_evalue_ratio(t.errors, t.requests, k.errors, k.requests, c.null_ratio, level);
  if (c.control_floor > 0) {
    log_e =
        std::min(log_e, log_evalue_rate_above(t.errors, t.requests, c.null_ratio * c.control_floor,
                                              level * c.control_floor));
  }
  return log_e;
}

// The error-rate verdict and its sentence, from the test's outcome (fail, warn) and the words
// for the numbers and the evidence.
void set_error_rate_verdict(CheckResult& r, const ErrorRateCheck& c, const std::string& numbers,
                            const std::string& evidence, bool fail, bool warn) {
  const double lowest_level =
      c.warning_ratio ? std::min(*c.warning_ratio, c.critical_ratio) : c.critical_ratio;
  if (fail) {
    r.verdict = Verdict::fail;
    r.explanation = numbers + ", above the critical ratio " + level_text(c.critical_ratio) + " (" +
                    evidence + ")";
  } else if (warn) {
    r.verdict = Verdict::warn;
    r.effect_threshold = *c.warning_ratio;
    r.explanation = numbers + ", above the warning ratio " + level_text(*c.warning_ratio) + " (" +
                    evidence + ")";
  } else if (r.effect >= lowest_level) {
    r.verdict = Verdict::pass;
    r.elevated = true;
    r.effect_threshold = lowest_level;
    r.explanation = numbers + ", at or above the ratio " + level_text(lowest_level) +
                    " but not yet significant (" + evidence + "); watching";
  } else {
    r.verdict = Verdict::pass;
    r.explanation = numbers + ", below the " + (c.warning_ratio ? "warning" : "critical") +
                    " ratio " + level_text(lowest_level);
  }
}

CheckResult check_error_rate(const ErrorRateCheck& c, const Observations& o) {
  CheckResult r;
  r.check = "error_rate";
  const VariantObservation& t = o.treatment;
  const VariantObservation& k = o.control;
  r.treatment_samples = t.requests;
  r.control_samples = k.requests;
  if (std::string p = error_settings_problem(c); !p.empty())
    return no_data(r, "invalid settings: " + p);
  if (std::string p = count_problem(t, "treatment"); !p.empty()) return no_data(r, p);
  if (std::string p = count_problem(k, "control"); !p.empty()) return no_data(r, p);
  if (k.requests == 0) return no_data(r, "no control traffic to compare with");
  if (t.requests == 0) return no_data(r, "no treatment traffic; is the flag serving it?");
  r.treatment_value = t.errors / t.requests;
  r.control_value = k.errors / k.requests;
  r.effect_threshold = c.critical_ratio;
  r.statistic_threshold = 1 / c.false_alarm_budget;
  const double baseline = std::max(r.control_value, c.control_floor);
  r.effect = baseline > 0 ? r.treatment_value / baseline : (r.treatment_value > 0 ? kInf : 0.0);
  if (t.requests < c.min_samples || k.requests < c.min_samples) {
    return no_data(r, below_min_samples(t.requests, k.requests, c.min_samples));
  }
  const double log_threshold = -std::log(c.false_alarm_budget);
  const double log_e_critical = error_log_evalue(c, t, k, c.critical_ratio);
  const double log_e_warning =
      c.warning_ratio ? error_log_evalue(c, t, k, *c.warning_ratio) : -kInf;
  const bool fail = log_e_critical >= log_threshold && r.effect >= c.critical_ratio;
  const bool warn =
      c.warning_ratio && log_e_warning >= log_threshold && r.effect >= *c.warning_ratio;
  const double log_e = (warn && !fail) ? log_e_warning : log_e_critical;
  r.statistic = std::exp(std::min(log_e, 700.0));
  r.p_value = std::min(1.0, std::exp(-log_e));

  std::string numbers = "errors " + percent_text(r.treatment_value) + " vs " +
                        percent_text(r.control_value) + " on control over " +
                        count_text(t.requests) + " requests: " + ratio_text(r.effect);
  if (c.control_floor > 0 && r.control_value < c.control_floor) {
    numbers += " of the floor " + percent_text(c.control_floor);
  }
  const std::string evidence =
      "e-value " + evalue_text(r.statistic) + ", " + evalue_text(r.statistic_threshold) + " needed";
  set_error_rate_verdict(r, c, numbers, evidence, fail, warn);
  return r;
}

// ---- Custom checks ----

CheckResult check_custom(const CustomCheck& c, const Observations& o) {
  CheckResult r;
  r.check = "custom:" + c.name;
  r.treatment_samples = o.treatment.requests;
  r.control_samples = o.control.requests;
  if (!c.warning_bound && !c.critical_bound) return no_data(r, "invalid settings: no bound set");
  for (const std::optional<double>& b : {c.warning_bound, c.critical_bound}) {
    if (b && !std::isfinite(*b))
      return no_data(r, "invalid settings: a bound is not a finite number");
  }
  const auto value_of = [&](const VariantObservation& v) {
    const auto it = v.custom.find(c.name);
    return it == v.custom.end() ? kNaN : it->second;
  };
  r.treatment_value = value_of(o.treatment);
  r.control_value = value_of(o.control);
  if (!std::isfinite(r.treatment_value))
    return no_data(r, c.name + " has no finite value for the treatment");
  if (c.min_samples > 0 &&
      !(o.treatment.requests >= c.min_samples && o.control.requests >= c.min_samples)) {
    return no_data(r, below_min_samples(o.treatment.requests, o.control.requests, c.min_samples));
  }
  if (c.compare_to_control) {
    if (!std::isfinite(r.control_value))
      return no_data(r, c.name + " has no finite value for the control");
    if (r.control_value == 0) return no_data(r, c.name + " is 0 on control; no ratio");
    r.effect = r.treatment_value / r.control_value;
  } else {
    r.effect = r.treatment_value;
  }
  const bool higher_worse = c.direction == Direction::higher_is_worse;
  const auto beyond = [&](const std::optional<double>& b) {
    return b && (higher_worse ? r.effect >= *b : r.effect <= *b);
  };
  std::string numbers = c.name + " " + number_text(r.treatment_value);
  if (std::isfinite(r.control_value))
    numbers += " vs " + number_text(r.control_value) + " on control";
  if (c.compare_to_control) numbers += ": " + ratio_text(r.effect);
  const char* side = higher_worse ? "above" : "below";
  const char* rule = higher_worse ? " (higher is worse)" : " (lower is worse)";
  if (beyond(c.critical_bound)) {
    r.verdict = Verdict::fail;
    r.effect_threshold = *c.critical_bound;
    r.explanation =
        numbers + ", " + side + " the critical bound " + number_text(*c.critical_bound) + rule;
  } else if (beyond(c.warning_bound)) {
    r.verdict = Verdict::warn;
    r.effect_threshold = *c.warning_bound;
    r.explanation =
        numbers + ", " + side + " the warning bound " + number_text(*c.warning_bound) + rule;
  } else {
    r.verdict = Verdict::pass;
    r.effect_threshold = c.critical_bound.value_or(c.warning_bound.value_or(kNaN));
    r.explanation = numbers + ", within its bounds" + rule;
  }
  return r;
}

}  // namespace

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::pass:
      return "pass";
    case Verdict::warn:
      return "warn";
    case Verdict::fail:
      return "fail";
    case Verdict::no_data:
      return "no_data";
    case Verdict::srm:
      return "srm";
  }
  return "no_data";
}

Judgement evaluate(const Settings& settings, const Observations& observations) {
  Judgement j;
  j.checks.push_back(check_sample_ratio(settings, observations));
  if (settings.error_rate) j.checks.push_back(check_error_rate(*settings.error_rate, observations));
  if (settings.latency) j.checks.push_back(check_latency(*settings.latency, observations));
  for (const CustomCheck& c : settings.custom)
    j.checks.push_back(check_custom(c, observations));

  // The overall verdict ignores a sample-ratio no_data (a cohort stage has no split to check) as
  // long as some other check has an opinion; it never turns missing data into a pass.
  const CheckResult* worst = nullptr;
  for (const CheckResult& c : j.checks) {
    if (c.check == "sample_ratio" && c.verdict == Verdict::no_data && j.checks.size() > 1) continue;
    if (!worst || severity(c.verdict) > severity(worst->verdict)) worst = &c;
  }
  if (worst) {
    j.overall = worst->verdict;
    j.summary = worst->check + ": " + worst->explanation;
  }
  return j;
}

}  // namespace sluice::judge
