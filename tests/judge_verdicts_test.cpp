// Table-driven tests of the judge's verdicts: clear error-rate cases, minimum-sample gating, the
// control floor, bad inputs, sample-ratio mismatch, latency and custom checks.

#include <gtest/gtest.h>

#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sluice/judge.hpp"

namespace sluice::judge {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

Observations counts(double t_requests, double t_errors, double c_requests, double c_errors,
                    int share_bp = 5000) {
  Observations o;
  o.treatment.requests = t_requests;
  o.treatment.errors = t_errors;
  o.control.requests = c_requests;
  o.control.errors = c_errors;
  o.expected_treatment_share_bp = share_bp;
  return o;
}

const CheckResult& find(const Judgement& j, const std::string& name) {
  for (const CheckResult& c : j.checks) {
    if (c.check == name) return c;
  }
  throw std::runtime_error("no check " + name);
}

struct ErrorCase {
  std::string name;
  Observations observations;
  ErrorRateCheck settings;
  Verdict expected;
  std::string explanation_contains;
};

// Default error-rate settings with one field changed (GCC 12 warns on partial designated inits).
template <typename Field>
ErrorRateCheck with(Field ErrorRateCheck::*field, Field value) {
  ErrorRateCheck c;
  c.*field = value;
  return c;
}

ErrorRateCheck no_floor() {
  return with(&ErrorRateCheck::control_floor, 0.0);
}

using Level = std::optional<double>;

LatencyCheck latency_check(Level warning_ratio, Level critical_ratio, Level warning_bound,
                           Level critical_bound, double quantile = 0.95) {
  LatencyCheck c;
  c.quantile = quantile;
  c.warning_ratio = warning_ratio;
  c.critical_ratio = critical_ratio;
  c.warning_bound = warning_bound;
  c.critical_bound = critical_bound;
  return c;
}

TEST(JudgeErrorRate, VerdictsOnClearCases) {
  const std::vector<ErrorCase> cases{
      {"3x regression",
       counts(5000, 150, 5000, 50),
       {},
       Verdict::fail,
       "errors 3.0% vs 1.0% on control over 5,000 requests: 3.0x, above the critical ratio 2.0"},
      {"equal rates",
       counts(5000, 50, 5000, 50),
       {},
       Verdict::pass,
       "1.0x, below the warning ratio 1.5"},
      {"treatment better", counts(5000, 10, 5000, 50), {}, Verdict::pass, "0.2x"},
      {"1.7x with plenty of traffic: warn",
       counts(50000, 850, 50000, 500),
       {},
       Verdict::warn,
       "above the warning ratio 1.5"},
      {"huge regression below min samples",
       counts(900, 300, 900, 1),
       {},
       Verdict::no_data,
       "900 treatment and 900 control samples, 1,000 per variant needed"},
      {"min samples met by treatment only",
       counts(5000, 1000, 999, 1),
       {},
       Verdict::no_data,
       "per variant needed"},
      {"2.5x but few errors: not yet significant",
       counts(1000, 25, 1000, 10),
       {},
       Verdict::pass,
       "not yet significant"},
      {"no errors anywhere", counts(5000, 0, 5000, 0), {}, Verdict::pass, "errors 0% vs 0%"},
      {"uneven split 5%/95%, 3x", counts(2000, 60, 38000, 380, 500), {}, Verdict::fail, "3.0x"},
      {"floor: 0.12% vs a clean control is 1.2x the floor",
       counts(5000, 6, 5000, 0),
       {},
       Verdict::pass,
       "1.2x of the floor 0.1%"},
      {"floor: 0.6% vs a clean control is 6x the floor",
       counts(5000, 30, 5000, 0),
       {},
       Verdict::fail,
       "6.0x of the floor 0.1%, above the critical ratio 2.0"},
      {"floor: control below the floor, treatment 5x the floor",
       counts(10000, 50, 10000, 2),
       {},
       Verdict::fail,
       "errors 0.5% vs 0.02% on control over 10,000 requests: 5.0x of the floor 0.1%"},
      {"no floor: 6 vs 0 errors is infinite but not significant", counts(5000, 6, 5000, 0),
       no_floor(), Verdict::pass, "infinite"},
      {"NaN requests",
       counts(kNaN, 1, 5000, 1),
       {},
       Verdict::no_data,
       "treatment request count is NaN"},
      {"infinite errors",
       counts(5000, kInf, 5000, 1),
       {},
       Verdict::no_data,
       "treatment error count"},
      {"negative errors", counts(5000, 1, 5000, -1), {}, Verdict::no_data, "control error count"},
      {"more errors than requests",
       counts(5000, 5001, 5000, 1),
       {},
       Verdict::no_data,
       "more errors than requests"},
      {"no control traffic", counts(5000, 1, 0, 0), {}, Verdict::no_data, "no control traffic"},
      {"no treatment traffic", counts(0, 0, 5000, 0), {}, Verdict::no_data, "no treatment traffic"},
      {"critical ratio at the null", counts(5000, 150, 5000, 50),
       with(&ErrorRateCheck::critical_ratio, 1.0), Verdict::no_data, "invalid settings"},
      {"zero budget", counts(5000, 150, 5000, 50), with(&ErrorRateCheck::false_alarm_budget, 0.0),
       Verdict::no_data, "invalid settings"},
      {"NaN floor", counts(5000, 150, 5000, 50), with(&ErrorRateCheck::control_floor, kNaN),
       Verdict::no_data, "invalid settings"},
  };
  for (const ErrorCase& c : cases) {
    Settings s;
    s.error_rate = c.settings;
    const CheckResult r = find(evaluate(s, c.observations), "error_rate");
    EXPECT_EQ(to_string(r.verdict), to_string(c.expected)) << c.name << ": " << r.explanation;
    EXPECT_NE(r.explanation.find(c.explanation_contains), std::string::npos)
        << c.name << ": " << r.explanation;
  }
}

TEST(JudgeErrorRate, ReportsTheNumbersBehindAFail) {
  Settings s;
  const Judgement j = evaluate(s, counts(4210, 130, 4200, 42));
  const CheckResult& r = find(j, "error_rate");
  ASSERT_EQ(r.verdict, Verdict::fail) << r.explanation;
  EXPECT_NEAR(r.treatment_value, 130.0 / 4210, 1e-12);
  EXPECT_NEAR(r.control_value, 0.01, 1e-12);
  EXPECT_EQ(r.treatment_samples, 4210);
  EXPECT_EQ(r.control_samples, 4200);
  EXPECT_NEAR(r.effect, (130.0 / 4210) / 0.01, 1e-9);
  EXPECT_EQ(r.effect_threshold, 2.0);
  EXPECT_EQ(r.statistic_threshold, 100);
  EXPECT_GE(r.statistic, 100);
  EXPECT_LE(r.p_value, 0.01);
  EXPECT_EQ(r.explanation,
            "errors 3.1% vs 1.0% on control over 4,210 requests: 3.1x, above the critical ratio "
            "2.0 (e-value over a "
            "million, 100 needed)");
  EXPECT_EQ(j.overall, Verdict::fail);
  EXPECT_EQ(j.summary, "error_rate: " + r.explanation);
}

TEST(JudgeErrorRate, NeverFiresBeforeMinSamplesHoweverBadTheNumbers) {
  Settings s;
  for (double n = 0; n < 1000; n += 50) {
    const CheckResult r = find(evaluate(s, counts(n, n, n, 0)), "error_rate");
    EXPECT_EQ(r.verdict, Verdict::no_data) << n;
  }
  EXPECT_EQ(find(evaluate(s, counts(1000, 1000, 1000, 0)), "error_rate").verdict, Verdict::fail);
}

TEST(JudgeSampleRatio, HoldsOnMismatch) {
  struct Case {
    std::string name;
    Observations observations;
    Verdict expected;
    std::string contains;
  };
  const std::vector<Case> cases{
      {"5200/4800 at 50%: chi-square 16", counts(5200, 0, 4800, 0), Verdict::srm,
       "sample ratio mismatch: treatment got 52.0% of 10,000 requests, the flag serves 50.0% "
       "(chi-square 16.0"},
      {"5100/4900 at 50%: chi-square 4, p 0.046", counts(5100, 0, 4900, 0), Verdict::pass,
       "chi-square 4.0"},
      {"600/9400 at 5%: chi-square 21", counts(600, 0, 9400, 0, 500), Verdict::srm,
       "chi-square 21.1"},
      {"cohort stage",
       [] {
         Observations o = counts(10, 0, 10, 0);
         o.expected_treatment_share_bp.reset();
         return o;
       }(),
       Verdict::no_data, "cohort"},
      {"100% stage", counts(10, 0, 0, 0, 10000), Verdict::no_data, "one variant"},
      {"too few requests", counts(3, 0, 2, 0), Verdict::no_data, "too few requests"},
      {"NaN count", counts(kNaN, 0, 2, 0), Verdict::no_data, "NaN"},
  };
  Settings s;
  for (const Case& c : cases) {
    const CheckResult r = find(evaluate(s, c.observations), "sample_ratio");
    EXPECT_EQ(to_string(r.verdict), to_string(c.expected)) << c.name << ": " << r.explanation;
    EXPECT_NE(r.explanation.find(c.contains), std::string::npos) << c.name << ": " << r.explanation;
  }
  const CheckResult r = find(evaluate(s, counts(5200, 0, 4800, 0)), "sample_ratio");
  EXPECT_NEAR(r.statistic, 16, 1e-9);
  EXPECT_NEAR(r.statistic_threshold, 10.8276, 1e-4);
  EXPECT_NEAR(r.effect, 0.52, 1e-12);
  EXPECT_EQ(r.effect_threshold, 0.5);
}

TEST(JudgeOverall, SampleRatioMismatchOutranksAFail) {
  const Judgement j = evaluate(Settings{}, counts(6000, 300, 4000, 40));
  EXPECT_EQ(find(j, "error_rate").verdict, Verdict::fail);
  EXPECT_EQ(j.overall, Verdict::srm);
  EXPECT_EQ(j.summary.rfind("sample_ratio: sample ratio mismatch", 0), 0u) << j.summary;
}

TEST(JudgeOverall, MissingDataIsNeverAPass) {
  Settings s;
  s.latency = latency_check({}, 1.5, {}, {});
  Observations o = counts(5000, 50, 5000, 50);  // errors fine, but no latency histograms
  const Judgement j = evaluate(s, o);
  EXPECT_EQ(find(j, "error_rate").verdict, Verdict::pass);
  EXPECT_EQ(find(j, "latency_p95").verdict, Verdict::no_data);
  EXPECT_EQ(j.overall, Verdict::no_data);
  // A cohort stage (no split) with no other data is no_data, not pass.
  Observations cohort;
  EXPECT_EQ(evaluate(Settings{}, cohort).overall, Verdict::no_data);
}

std::vector<HistogramBucket> latency(double scale, double total) {
  // p95 = 0.75 * scale (see JudgeQuantile: 0.5 + 0.5 * 5/10 in the [0.5, 1] bucket).
  return {{0.1 * scale, 0.1 * total},
          {0.25 * scale, 0.4 * total},
          {0.5 * scale, 0.9 * total},
          {1 * scale, total},
          {kInf, total}};
}

TEST(JudgeLatency, RatioAndAbsoluteBounds) {
  struct Case {
    std::string name;
    LatencyCheck settings;
    double treatment_scale;
    double treatment_total;
    Verdict expected;
    std::string contains;
  };
  const std::vector<Case> cases{
      {"2x the control's p95", latency_check({}, 1.5, {}, {}), 2, 5000, Verdict::fail,
       "p95 latency 1,500 ms vs 750 ms on control over 5,000 requests: 2.0x, above the critical "
       "ratio 1.5"},
      {"1.3x: warn", latency_check(1.2, 1.5, {}, {}), 1.3, 5000, Verdict::warn,
       "warning ratio 1.2"},
      {"same latency", latency_check(1.2, 1.5, {}, {}), 1, 5000, Verdict::pass, "1.0x, within"},
      {"absolute bound", latency_check({}, {}, 0.5, 2), 1, 5000, Verdict::warn,
       "warning bound 500 ms"},
      {"absolute critical", latency_check({}, {}, {}, 1), 2, 5000, Verdict::fail,
       "critical bound 1,000 ms"},
      {"too few observations", latency_check({}, 1.5, {}, {}), 2, 500, Verdict::no_data,
       "1,000 per variant needed"},
      {"empty treatment histogram", latency_check({}, 1.5, {}, {}), 2, 0, Verdict::no_data,
       "histogram is empty"},
      {"no level", latency_check({}, {}, {}, {}), 2, 5000, Verdict::no_data, "invalid settings"},
      {"p99", latency_check({}, {}, {}, 10, 0.99), 1, 5000, Verdict::pass, "p99 latency"},
  };
  for (const Case& c : cases) {
    Settings s;
    s.error_rate.reset();
    s.latency = c.settings;
    Observations o = counts(5000, 0, 5000, 0);
    o.treatment.latency = latency(c.treatment_scale, c.treatment_total);
    o.control.latency = latency(1, 5000);
    const Judgement j = evaluate(s, o);
    const CheckResult& r = j.checks.back();
    EXPECT_EQ(to_string(r.verdict), to_string(c.expected)) << c.name << ": " << r.explanation;
    EXPECT_NE(r.explanation.find(c.contains), std::string::npos) << c.name << ": " << r.explanation;
  }
}

TEST(JudgeCustom, DirectionAndBounds) {
  struct Case {
    std::string name;
    CustomCheck check;
    double treatment;
    double control;
    Verdict expected;
    std::string contains;
  };
  CustomCheck conversion;
  conversion.name = "conversion";
  conversion.direction = Direction::lower_is_worse;
  conversion.warning_bound = 0.034;
  conversion.critical_bound = 0.032;
  CustomCheck cost;
  cost.name = "cost";
  cost.warning_bound = 1.1;
  cost.critical_bound = 1.3;
  cost.compare_to_control = true;
  const std::vector<Case> cases{
      {"conversion dropped", conversion, 0.031, 0.035, Verdict::fail,
       "conversion 0.031 vs 0.035 on control, below the critical bound 0.032 (lower is worse)"},
      {"conversion a bit low", conversion, 0.033, 0.035, Verdict::warn, "warning bound 0.034"},
      {"conversion fine", conversion, 0.036, 0.035, Verdict::pass, "within its bounds"},
      {"conversion NaN", conversion, kNaN, 0.035, Verdict::no_data,
       "no finite value for the treatment"},
      {"cost 1.5x control", cost, 0.15, 0.1, Verdict::fail, "1.5x, above the critical bound 1.3"},
      {"cost with zero control", cost, 0.15, 0, Verdict::no_data, "0 on control"},
      {"cost with infinite control", cost, 0.15, kInf, Verdict::no_data,
       "no finite value for the control"},
  };
  for (const Case& c : cases) {
    Settings s;
    s.error_rate.reset();
    s.custom = {c.check};
    Observations o = counts(5000, 0, 5000, 0);
    o.treatment.custom[c.check.name] = c.treatment;
    o.control.custom[c.check.name] = c.control;
    const CheckResult r = evaluate(s, o).checks.back();
    EXPECT_EQ(to_string(r.verdict), to_string(c.expected)) << c.name << ": " << r.explanation;
    EXPECT_NE(r.explanation.find(c.contains), std::string::npos) << c.name << ": " << r.explanation;
  }
  Settings s;
  s.custom = {conversion};
  EXPECT_EQ(evaluate(s, counts(5000, 0, 5000, 0)).checks.back().verdict,
            Verdict::no_data);  // metric absent
}

}  // namespace
}  // namespace sluice::judge
