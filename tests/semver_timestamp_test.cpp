// SemVer 2.0.0 parsing and precedence, and RFC 3339 parsing, tested directly (flags/semver.hpp,
// sluice/timestamp.hpp).

#include <gtest/gtest.h>

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "semver.hpp"
#include "sluice/timestamp.hpp"

namespace sluice {
namespace {

// ---------------------------------------------------------------------------------------------
// SemVer parsing

struct ValidVersion {
  std::string text;
  std::uint64_t major, minor, patch;
  std::string prerelease;
};

TEST(SemVerParse, ValidVersions) {
  const std::vector<ValidVersion> rows = {
      {"0.0.0", 0, 0, 0, ""},
      {"0.0.4", 0, 0, 4, ""},
      {"1.2.3", 1, 2, 3, ""},
      {"10.20.30", 10, 20, 30, ""},
      {"1.1.2-prerelease+meta", 1, 1, 2, "prerelease"},
      {"1.1.2+meta", 1, 1, 2, ""},
      {"1.1.2+meta-valid", 1, 1, 2, ""},
      {"1.0.0-alpha", 1, 0, 0, "alpha"},
      {"1.0.0-beta", 1, 0, 0, "beta"},
      {"1.0.0-alpha.beta", 1, 0, 0, "alpha.beta"},
      {"1.0.0-alpha.beta.1", 1, 0, 0, "alpha.beta.1"},
      {"1.0.0-alpha.1", 1, 0, 0, "alpha.1"},
      {"1.0.0-alpha0.valid", 1, 0, 0, "alpha0.valid"},
      {"1.0.0-alpha.0valid", 1, 0, 0, "alpha.0valid"},
      {"1.0.0-alpha-a.b-c-somethinglong+build.1-aef.1-its-okay", 1, 0, 0,
       "alpha-a.b-c-somethinglong"},
      {"1.0.0-rc.1+build.1", 1, 0, 0, "rc.1"},
      {"2.0.0-rc.1+build.123", 2, 0, 0, "rc.1"},
      {"1.2.3-beta", 1, 2, 3, "beta"},
      {"10.2.3-DEV-SNAPSHOT", 10, 2, 3, "DEV-SNAPSHOT"},
      {"1.2.3-SNAPSHOT-123", 1, 2, 3, "SNAPSHOT-123"},
      {"2.0.0+build.1848", 2, 0, 0, ""},
      {"2.0.1-alpha.1227", 2, 0, 1, "alpha.1227"},
      {"1.0.0-alpha+beta", 1, 0, 0, "alpha"},
      {"1.2.3----RC-SNAPSHOT.12.9.1--.12+788", 1, 2, 3, "---RC-SNAPSHOT.12.9.1--.12"},
      {"1.2.3----R-S.12.9.1--.12+meta", 1, 2, 3, "---R-S.12.9.1--.12"},
      {"1.2.3----RC-SNAPSHOT.12.9.1--.12", 1, 2, 3, "---RC-SNAPSHOT.12.9.1--.12"},
      {"1.0.0+0.build.1-rc.10000aaa-kk-0.1", 1, 0, 0, ""},
      {"1.0.0-0A.is.legal", 1, 0, 0, "0A.is.legal"},
      {"1.0.0-0", 1, 0, 0, "0"},
      {"1.0.0+001", 1, 0, 0, ""},  // leading zeros are fine in build metadata
      {"18446744073709551615.0.0", 18446744073709551615ull, 0, 0, ""},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.text);
    auto v = SemVer::parse(row.text);
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(v->major, row.major);
    EXPECT_EQ(v->minor, row.minor);
    EXPECT_EQ(v->patch, row.patch);
    EXPECT_EQ(v->prerelease, row.prerelease);
  }
}

TEST(SemVerParse, InvalidVersions) {
  const std::vector<std::string> rows = {
      "",
      "1",
      "1.2",
      "1.2.3-0123",
      "1.2.3-0123.0123",
      "1.1.2+.123",
      "+invalid",
      "-invalid",
      "-invalid+invalid",
      "-invalid.01",
      "alpha",
      "alpha.beta",
      "alpha.beta.1",
      "alpha.1",
      "alpha+beta",
      "alpha_beta",
      "alpha.",
      "alpha..",
      "beta",
      "1.0.0-alpha_beta",
      "-alpha.",
      "1.0.0-alpha..",
      "1.0.0-alpha..1",
      "1.0.0-alpha...1",
      "1.0.0-alpha....1",
      "1.0.0-alpha.....1",
      "1.0.0-alpha......1",
      "1.0.0-alpha.......1",
      "01.1.1",
      "1.01.1",
      "1.1.01",
      "1.2",
      "1.2.3.DEV",
      "1.2-SNAPSHOT",
      "1.2.31.2.3----RC-SNAPSHOT.12.09.1--..12+788",
      "1.2-RC-SNAPSHOT",
      "-1.0.3-gamma+b7718",
      "+justmeta",
      "9.8.7+meta+meta",
      "9.8.7-whatever+meta+meta",
      "1.0.0-",
      "1.0.0+",
      "1.0.0-+build",
      "v1.2.3",
      " 1.2.3",
      "1.2.3 ",
      "1.2.3.4",
      "1..3",
      "1.2.",
      ".2.3",
      "1.2.3-α",
      "18446744073709551616.0.0",  // does not fit the 64-bit fields
  };
  for (const auto& text : rows) {
    EXPECT_FALSE(SemVer::parse(text).has_value()) << "'" << text << "'";
  }
}

// ---------------------------------------------------------------------------------------------
// SemVer precedence

std::strong_ordering order(const std::string& a, const std::string& b) {
  auto va = SemVer::parse(a);
  auto vb = SemVer::parse(b);
  EXPECT_TRUE(va.has_value()) << a;
  EXPECT_TRUE(vb.has_value()) << b;
  if (!va || !vb) return std::strong_ordering::equal;
  return compare(*va, *vb);
}

TEST(SemVerPrecedence, SpecExampleChain) {
  // SemVer 2.0.0 §11.
  const std::vector<std::string> chain = {
      "1.0.0-alpha",  "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
      "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",       "1.0.0",
  };
  for (std::size_t i = 0; i < chain.size(); ++i) {
    for (std::size_t j = 0; j < chain.size(); ++j) {
      SCOPED_TRACE(chain[i] + " vs " + chain[j]);
      std::strong_ordering expected = i <=> j;
      EXPECT_TRUE(order(chain[i], chain[j]) == expected);
    }
  }
}

TEST(SemVerPrecedence, CoreNumbersCompareNumerically) {
  // 1.0.0 < 2.0.0 < 2.1.0 < 2.1.1, from the spec, plus multi-digit numbers.
  const std::vector<std::string> chain = {"0.0.9", "0.1.0", "1.0.0",  "1.9.0", "1.10.0", "2.0.0",
                                          "2.1.0", "2.1.1", "2.1.10", "9.0.0", "10.0.0", "100.0.0"};
  for (std::size_t i = 0; i + 1 < chain.size(); ++i) {
    SCOPED_TRACE(chain[i] + " < " + chain[i + 1]);
    EXPECT_TRUE(order(chain[i], chain[i + 1]) < 0);
    EXPECT_TRUE(order(chain[i + 1], chain[i]) > 0);
  }
}

TEST(SemVerPrecedence, PrereleaseRules) {
  // SemVer 2.0.0 §11.3 and §11.4, each pair in both directions.
  EXPECT_TRUE(order("1.0.0-alpha", "1.0.0") < 0);  // a pre-release is below its release
  EXPECT_TRUE(order("1.0.0", "1.0.0-alpha") > 0);
  EXPECT_TRUE(order("1.0.0", "1.0.1-alpha") < 0);             // but above the previous release
  EXPECT_TRUE(order("1.0.0-alpha.9", "1.0.0-alpha.10") < 0);  // numeric identifiers: numerically
  EXPECT_TRUE(order("1.0.0-alpha.10", "1.0.0-alpha.9") > 0);
  EXPECT_TRUE(order("1.0.0-2", "1.0.0-10") < 0);
  EXPECT_TRUE(order("1.0.0-alpha.999", "1.0.0-alpha.a") < 0);  // numeric below alphanumeric
  EXPECT_TRUE(order("1.0.0-alpha.a", "1.0.0-alpha.999") > 0);
  EXPECT_TRUE(order("1.0.0-99", "1.0.0-a") < 0);
  EXPECT_TRUE(order("1.0.0-Z", "1.0.0-a") < 0);      // ASCII: 'Z' (0x5a) < 'a' (0x61)
  EXPECT_TRUE(order("1.0.0-a", "1.0.0-a-b") < 0);    // "a" is a prefix of the one identifier "a-b"
  EXPECT_TRUE(order("1.0.0-a.b", "1.0.0-a-b") < 0);  // "a" < "a-b" decides at the first identifier
  EXPECT_TRUE(order("1.0.0-alpha", "1.0.0-alpha.0") < 0);  // a longer list wins a shared prefix
  EXPECT_TRUE(order("1.0.0-alpha.0", "1.0.0-alpha") > 0);
  EXPECT_TRUE(order("1.0.0-alpha.beta", "1.0.0-alpha.beta.0") < 0);
  EXPECT_TRUE(order("1.0.0-alpha.1", "1.0.0-alpha.1") == 0);
  EXPECT_TRUE(order("1.0.0-1", "1.0.0-0a") < 0);  // "0a" is alphanumeric: above every number
  EXPECT_TRUE(order("1.0.0-99999999999999999999", "1.0.0-100000000000000000000") < 0);
}

TEST(SemVerPrecedence, BuildMetadataIsIgnored) {
  EXPECT_TRUE(order("1.0.0+build.1", "1.0.0+build.2") == 0);
  EXPECT_TRUE(order("1.0.0+zzz", "1.0.0") == 0);
  EXPECT_TRUE(order("1.0.0-rc.1+a", "1.0.0-rc.1") == 0);
  EXPECT_TRUE(order("1.0.0-rc.1+z", "1.0.0") < 0);
  EXPECT_TRUE(order("1.0.0-alpha+001", "1.0.0-alpha+exp.sha.5114f85") == 0);
}

// ---------------------------------------------------------------------------------------------
// RFC 3339

constexpr std::int64_t kSecond = 1000000;

struct Stamp {
  std::string text;
  std::int64_t micros;
};

TEST(TimestampParse, ValidTimestamps) {
  const std::vector<Stamp> rows = {
      {"1970-01-01T00:00:00Z", 0},
      {"1970-01-01T00:00:00.000001Z", 1},
      {"1970-01-01T00:00:01Z", kSecond},
      {"1969-12-31T23:59:59Z", -kSecond},
      {"1969-12-31T23:59:59.5Z", -kSecond / 2},
      {"2000-01-01T00:00:00Z", 946684800 * kSecond},
      {"2026-11-21T09:30:00Z", 1795253400 * kSecond},
      {"2026-11-21T09:30:00.250Z", 1795253400 * kSecond + 250000},
      {"2026-11-21T09:30:00.123456Z", 1795253400 * kSecond + 123456},
      {"2026-11-21T09:30:00.1234569Z", 1795253400 * kSecond + 123456},  // truncated past µs
      {"2026-11-21T09:30:00.1Z", 1795253400 * kSecond + 100000},
      // The same instant written in other zones.
      {"2026-11-21T15:00:00+05:30", 1795253400 * kSecond},
      {"2026-11-21T01:30:00-08:00", 1795253400 * kSecond},
      {"2026-11-20T23:30:00-10:00", 1795253400 * kSecond},
      {"2026-11-21T09:30:00+00:00", 1795253400 * kSecond},
      {"2026-11-21T09:30:00-00:00", 1795253400 * kSecond},
      {"2026-11-21T23:29:00+13:59", 1795253400 * kSecond},
      {"2026-11-21T15:00:00.250+05:30", 1795253400 * kSecond + 250000},
      // Lowercase t and z, and a space for T, as RFC 3339 §5.6 allows.
      {"2026-11-21t09:30:00z", 1795253400 * kSecond},
      {"2026-11-21 09:30:00Z", 1795253400 * kSecond},
      // Leap years.
      {"2024-02-29T12:00:00Z", 1709208000 * kSecond},
      {"2000-02-29T00:00:00Z", 951782400 * kSecond},
      {"2024-12-31T00:00:00Z", (1709208000 + 306 * 86400 - 12 * 3600) * kSecond},
      // Extremes of the four-digit year.
      {"0001-01-01T00:00:00Z", -62135596800 * kSecond},
      {"9999-12-31T23:59:59Z", 253402300799 * kSecond},
      // A leap second orders like the second before it.
      {"2016-12-31T23:59:60Z", (1483228800 - 1) * kSecond},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.text);
    auto parsed = parse_rfc3339_micros(row.text);
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, row.micros);
  }
}

TEST(TimestampParse, InvalidTimestamps) {
  const std::vector<std::string> rows = {
      "",
      "2026-11-21",                 // no time
      "2026-11-21T09:30:00",        // missing offset
      "2026-11-21T09:30",           // no seconds
      "2026-11-21T09:30Z",          //
      "2025-02-29T00:00:00Z",       // 2025 is not a leap year
      "1900-02-29T00:00:00Z",       // nor is 1900
      "2026-02-30T00:00:00Z",       //
      "2026-04-31T00:00:00Z",       //
      "2026-13-01T00:00:00Z",       // month 13
      "2026-00-01T00:00:00Z",       // month 0
      "2026-11-00T00:00:00Z",       // day 0
      "2026-11-32T00:00:00Z",       //
      "2026-11-21T24:00:00Z",       // hour 24
      "2026-11-21T09:60:00Z",       // minute 60
      "2026-11-21T09:30:61Z",       //
      "2026-11-21T09:30:00.Z",      // empty fraction
      "2026-11-21T09:30:00,5Z",     // comma fraction (ISO 8601, not RFC 3339)
      "2026-11-21T09:30:00+0530",   // offset without colon
      "2026-11-21T09:30:00+05",     // offset without minutes
      "2026-11-21T09:30:00+24:00",  // offset hour 24
      "2026-11-21T09:30:00+05:60",  //
      "2026-11-21T09:30:00ZZ",      // trailing characters
      "2026-11-21T09:30:00Z ",      //
      " 2026-11-21T09:30:00Z",      //
      "2026-11-21X09:30:00Z",       // bad separator
      "2026-11-21T09:30:00UTC",     //
      "26-11-21T09:30:00Z",         // two-digit year
      "2026-1-21T09:30:00Z",        // one-digit month
      "2026/11/21T09:30:00Z",       //
      "2026-11-21T9:30:00Z",        //
      "+2026-11-21T09:30:00Z",      //
      "2026-11-21T09:30:00.123+",   //
      "1795253400000",              // milliseconds as text
  };
  for (const auto& text : rows) {
    EXPECT_FALSE(parse_rfc3339_micros(text).has_value()) << "'" << text << "'";
  }
}

TEST(TimestampParse, OrderAcrossZones) {
  auto a = parse_rfc3339_micros("2026-11-21T14:59:59+05:30");  // 09:29:59Z
  auto b = parse_rfc3339_micros("2026-11-21T09:30:00Z");
  auto c = parse_rfc3339_micros("2026-11-21T01:30:01-08:00");  // 09:30:01Z
  ASSERT_TRUE(a && b && c);
  EXPECT_LT(*a, *b);
  EXPECT_LT(*b, *c);
  EXPECT_EQ(*c - *a, 2 * kSecond);
}

}  // namespace
}  // namespace sluice
