// The judge's verdicts beyond its tables. The table cases (clear error-rate cases, the control
// floor, bad inputs, sample-ratio mismatch, latency and custom checks) are data in
// tests/data/judge/*.json, run by judge_data_test.cpp; here are the numbers behind a verdict,
// minimum-sample gating over a range, and the overall verdict.

#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sluice/judge.hpp"

namespace sluice::judge {
namespace {

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

// The verdicts are data (tests/data/judge/sample_ratio.json); these are the numbers behind one.
TEST(JudgeSampleRatio, ReportsTheChiSquareBehindAMismatch) {
  Settings s;
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

}  // namespace
}  // namespace sluice::judge
