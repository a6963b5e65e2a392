#include <gtest/gtest.h>

#include "sluice/store/clock.hpp"

namespace sluice::store {
namespace {

TEST(StoreClock, FormatsUtcWithMilliseconds) {
  using namespace std::chrono;
  const auto at =
      sys_days(year(2024) / 2 / 29) + hours(23) + minutes(59) + seconds(58) + milliseconds(7);
  EXPECT_EQ(format_rfc3339_ms(at), "2024-02-29T23:59:58.007Z");
  EXPECT_EQ(system_clock()().size(), 24u);
}

TEST(StoreClock, NormalizesRfc3339Spellings) {
  EXPECT_EQ(normalize_rfc3339("2024-01-01T00:00:00Z"), "2024-01-01T00:00:00.000Z");
  EXPECT_EQ(normalize_rfc3339("2024-01-01t10:00:00.5z"), "2024-01-01T10:00:00.500Z");
  EXPECT_EQ(normalize_rfc3339("2024-01-01T01:30:00.123456+02:00"), "2023-12-31T23:30:00.123Z");
  EXPECT_EQ(normalize_rfc3339("2024-01-01 00:00:00-00:30"), "2024-01-01T00:30:00.000Z");
  // Beyond what system_clock's nanoseconds can hold (2262): still the same instant.
  EXPECT_EQ(normalize_rfc3339("2999-01-01T00:00:00Z"), "2999-01-01T00:00:00.000Z");
  EXPECT_EQ(normalize_rfc3339("9999-12-31T23:59:59.999Z"), "9999-12-31T23:59:59.999Z");
}

TEST(StoreClock, RejectsWhatIsNotRfc3339) {
  for (const char* text : {"", "2024-01-01", "2024-13-01T00:00:00Z", "2024-02-30T00:00:00Z",
                           "2024-01-01T24:00:00Z", "2024-01-01T00:00:00", "2024-01-01T00:00:00.Z",
                           "2024-01-01T00:00:00+0200", "2024-01-01T00:00:00Zjunk"}) {
    EXPECT_FALSE(normalize_rfc3339(text)) << text;
  }
}

}  // namespace
}  // namespace sluice::store
