// Table-driven tests of the judge's statistics: Prometheus-style histogram quantiles, the
// chi-square p-value, and the sample-ratio mismatch test.

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "sample_ratio.hpp"
#include "statistics.hpp"

namespace sluice::judge {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

struct QuantileCase {
  std::string name;
  double q;
  std::vector<HistogramBucket> buckets;
  double expected;  // NaN: expect a problem
};

// Values computed by hand from histogram_quantile's rule (and checked against Prometheus 2.42).
const std::vector<HistogramBucket> kFour{{0.1, 10}, {0.25, 40}, {0.5, 90}, {1, 100}, {kInf, 100}};

TEST(JudgeQuantile, MatchesHandComputedValues) {
  const std::vector<QuantileCase> cases{
      {"p95 in the last finite bucket: 0.5 + 0.5 * 5/10", 0.95, kFour, 0.75},
      {"median: 0.25 + 0.25 * 10/50", 0.5, kFour, 0.3},
      {"first bucket starts at 0: 0.1 * 5/10", 0.05, kFour, 0.05},
      {"q = 1 is the top of the bucket that reaches the total", 1.0, kFour, 1.0},
      {"q = 0 is the lower edge of the first bucket", 0.0, kFour, 0.0},
      {"rank in +Inf: upper bound of the highest finite bucket",
       0.95,
       {{0.1, 10}, {0.5, 50}, {kInf, 100}},
       0.5},
      {"any bucket order", 0.95, {{kInf, 100}, {0.5, 90}, {1, 100}, {0.1, 10}, {0.25, 40}}, 0.75},
      {"non-monotonic counts carry the maximum",
       0.5,
       {{0.1, 10}, {0.25, 8}, {0.5, 20}, {kInf, 20}},
       0.1},
      {"duplicate bounds are summed", 0.5, {{0.1, 5}, {0.1, 5}, {kInf, 10}}, 0.05},
      {"first bound <= 0 is returned as is", 0.2, {{-1, 5}, {0, 10}, {kInf, 10}}, -1.0},
      {"empty buckets before the rank are skipped",
       0.5,
       {{0.1, 0}, {0.2, 0}, {0.4, 10}, {kInf, 10}},
       0.3},
      {"no +Inf bucket", 0.95, {{0.1, 10}, {0.5, 100}}, kNaN},
      {"empty histogram", 0.95, {{0.1, 0}, {0.5, 0}, {kInf, 0}}, kNaN},
      {"only the +Inf bucket", 0.95, {{kInf, 100}}, kNaN},
      {"no buckets at all", 0.95, {}, kNaN},
      {"NaN count", 0.95, {{0.1, kNaN}, {kInf, 100}}, kNaN},
      {"negative count", 0.95, {{0.1, -1}, {kInf, 100}}, kNaN},
      {"infinite count", 0.95, {{0.1, 1}, {kInf, kInf}}, kNaN},
      {"NaN bound", 0.95, {{kNaN, 1}, {kInf, 100}}, kNaN},
      {"NaN quantile", kNaN, kFour, kNaN},
      {"quantile above 1", 1.5, kFour, kNaN},
  };
  for (const QuantileCase& c : cases) {
    const QuantileResult r = histogram_quantile(c.q, c.buckets);
    if (std::isnan(c.expected)) {
      EXPECT_TRUE(std::isnan(r.value)) << c.name;
      EXPECT_FALSE(r.problem.empty()) << c.name;
    } else {
      EXPECT_NEAR(r.value, c.expected, 1e-12) << c.name;
      EXPECT_TRUE(r.problem.empty()) << c.name << ": " << r.problem;
    }
  }
}

TEST(JudgeQuantile, ReportsTheTotal) {
  EXPECT_EQ(histogram_quantile(0.95, kFour).total, 100);
  EXPECT_EQ(histogram_quantile(0.95, kFour).problem, "");
  EXPECT_EQ(histogram_quantile(0.95, std::vector<HistogramBucket>{{0.1, 0}, {kInf, 0}}).problem,
            "the histogram is empty");
}

TEST(JudgeChiSquare, PValuesAtKnownCriticalValues) {
  struct Case {
    double chi2;
    double p;
  };
  // Upper-tail critical values of chi-square with 1 degree of freedom.
  for (const Case& c : std::vector<Case>{{0, 1},
                                         {2.705543, 0.1},
                                         {3.841459, 0.05},
                                         {6.634897, 0.01},
                                         {10.827566, 0.001},
                                         {15.136705, 0.0001}}) {
    EXPECT_NEAR(chi_square_1dof_p_value(c.chi2), c.p, c.p * 1e-5) << c.chi2;
  }
  EXPECT_TRUE(std::isnan(chi_square_1dof_p_value(kNaN)));
  EXPECT_EQ(chi_square_1dof_p_value(-3), 1.0);
  EXPECT_EQ(chi_square_1dof_p_value(kInf), 0.0);
  EXPECT_NEAR(chi_square_1dof_critical_value(0.001), 10.827566, 1e-5);
  EXPECT_NEAR(chi_square_1dof_critical_value(0.05), 3.841459, 1e-5);
  EXPECT_TRUE(std::isnan(chi_square_1dof_critical_value(0)));
}

TEST(JudgeSampleRatio, ChiSquareOfObservedSplits) {
  struct Case {
    std::string name;
    double treatment, control, share;
    double chi2;
  };
  const std::vector<Case> cases{
      {"exact 50/50", 5000, 5000, 0.5, 0},
      {"5100/4900 at 50%: 2 * 100^2 / 5000", 5100, 4900, 0.5, 4},
      {"5200/4800 at 50%: 2 * 200^2 / 5000", 5200, 4800, 0.5, 16},
      {"600/9400 at 5%: 100^2/500 + 100^2/9500", 600, 9400, 0.05, 20 + 10000.0 / 9500},
  };
  for (const Case& c : cases) {
    const SampleRatioTest t = sample_ratio_test(c.treatment, c.control, c.share);
    EXPECT_NEAR(t.chi2, c.chi2, 1e-9) << c.name;
    EXPECT_NEAR(t.p_value, std::erfc(std::sqrt(c.chi2 / 2)), 1e-15) << c.name;
    EXPECT_NEAR(t.observed_share, c.treatment / (c.treatment + c.control), 1e-15) << c.name;
  }
  EXPECT_EQ(sample_ratio_test(0, 0, 0.5).p_value, 1);
  EXPECT_EQ(sample_ratio_test(10, 10, 0).p_value, 1);
}

TEST(JudgeEValue, StaysAtOneWithoutEvidenceAndGrowsWithIt) {
  // Equal counts: every alternative is less likely than the null, so the e-value is below 1.
  EXPECT_LT(log_evalue_ratio(50, 5000, 50, 5000, 1.0, 2.0), 0);
  // 150 vs 50 errors at equal traffic: overwhelming evidence for a ratio >= 2.
  EXPECT_GT(log_evalue_ratio(150, 5000, 50, 5000, 1.0, 2.0), std::log(1e6));
  // No errors at all: no evidence either way.
  EXPECT_EQ(log_evalue_ratio(0, 5000, 0, 5000, 1.0, 2.0), 0);
  // Degenerate inputs give e = 1, never NaN.
  EXPECT_EQ(log_evalue_ratio(1, 0, 1, 10, 1.0, 2.0), 0);
  EXPECT_EQ(log_evalue_rate_above(1, 0, 0.001, 0.002), 0);
  EXPECT_EQ(log_evalue_rate_above(5, 10, 0.6, 1.0), 0);  // no alternative rate below 1
  EXPECT_GT(log_evalue_rate_above(30, 5000, 0.001, 0.002), std::log(1e6));
  EXPECT_LT(log_evalue_rate_above(5, 5000, 0.001, 0.002), 0);
}

}  // namespace
}  // namespace sluice::judge
