// The controller's number formats for people (controller/text_format.hpp): whole requests and
// latencies in milliseconds, the same in every sentence.

#include <gtest/gtest.h>

#include <limits>

#include "sluice/count_format.hpp"
#include "text_format.hpp"

namespace sluice::text_format {
namespace {

TEST(TextFormat, CountsAreWholeRequests) {
  EXPECT_EQ(count_text(122.22222222222223), "122");
  EXPECT_EQ(count_text(4210), "4,210");
  EXPECT_EQ(count_text(1234567.5), "1,234,568");
  EXPECT_EQ(count_text(0.4), "0");
  // As the evidence JSON rounds (std::llround), not printf's half-to-even.
  EXPECT_EQ(count_text(422.5), "423");
  EXPECT_EQ(count_text(421.5), "422");
  EXPECT_EQ(count_text(std::numeric_limits<double>::quiet_NaN()), "?");
}

// The traffic and demo reports' counts (sluice/count_format.hpp): exact for every uint64.
TEST(TextFormat, WholeCountsWithThousandsSeparators) {
  EXPECT_EQ(format_count(0), "0");
  EXPECT_EQ(format_count(999), "999");
  EXPECT_EQ(format_count(1000), "1,000");
  EXPECT_EQ(format_count(12345678), "12,345,678");
  EXPECT_EQ(format_count(std::numeric_limits<std::uint64_t>::max()), "18,446,744,073,709,551,615");
}

TEST(TextFormat, RatesAsPercentages) {
  EXPECT_EQ(percent_text(0.031), "3.1%");
  EXPECT_EQ(percent_text(0.0005), "0.05%");
  // 0.99978% read "1%" in the judge's sentence and "1.0%" in the decision's.
  EXPECT_EQ(percent_text(0.0099978), "1.0%");
  EXPECT_EQ(percent_text(0.0099), "0.99%");
  EXPECT_EQ(percent_text(0), "0%");
}

TEST(TextFormat, LatenciesInMilliseconds) {
  EXPECT_EQ(milliseconds_text(0.1469), "146.9 ms");
  EXPECT_EQ(milliseconds_text(0.169), "169 ms");
  EXPECT_EQ(milliseconds_text(1.5), "1,500 ms");
  EXPECT_EQ(milliseconds_text(0.00025), "0.25 ms");
  EXPECT_EQ(milliseconds_text(0.0042), "4.2 ms");
  EXPECT_EQ(milliseconds_text(0), "0 ms");
  EXPECT_EQ(milliseconds_text(std::numeric_limits<double>::infinity()), "infinite");
}

}  // namespace
}  // namespace sluice::text_format
