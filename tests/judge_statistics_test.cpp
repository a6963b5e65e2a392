// The judge's statistics: the chi-square p-value, the sample-ratio mismatch test and the
// e-values. The histogram quantile table is data: tests/data/judge/histogram_quantile.json (run
// by judge_data_test.cpp); its total and problem text stay here.

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

const std::vector<HistogramBucket> kFour{{0.1, 10}, {0.25, 40}, {0.5, 90}, {1, 100}, {kInf, 100}};

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
