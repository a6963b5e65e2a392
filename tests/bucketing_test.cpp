#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sluice/bucketing.hpp"

namespace sluice {
namespace {

struct KnownAnswer {
  std::string input;
  std::uint32_t seed;
  std::uint32_t hash;
};

// Published vectors for the reference MurmurHash3_x86_32 (SMHasher's algorithm).
TEST(Murmur3, MatchesPublishedVectors) {
  const std::vector<KnownAnswer> vectors = {
      {"", 0, 0x00000000},
      {"", 1, 0x514E28B7},
      {"", 0xffffffff, 0x81F16F39},
      {std::string("\0\0\0\0", 4), 0, 0x2362F9DE},
      {"aaaa", 0x9747b28c, 0x5A97808A},
      {"aaa", 0x9747b28c, 0x283E0130},
      {"aa", 0x9747b28c, 0x5D211726},
      {"a", 0x9747b28c, 0x7FA09EA6},
      {"abcd", 0x9747b28c, 0xF0478627},
      {"abc", 0x9747b28c, 0xC84A62DD},
      {"ab", 0x9747b28c, 0x74875592},
      {"Hello, world!", 0x9747b28c, 0x24884CBA},
      {"The quick brown fox jumps over the lazy dog", 0x9747b28c, 0x2FA826CD},
      {"The quick brown fox jumps over the lazy dog", 0, 0x2E4FF723},
  };
  for (const auto& v : vectors) {
    EXPECT_EQ(murmur3_x86_32(v.input, v.seed), v.hash) << "input '" << v.input << "'";
  }
}

TEST(Murmur3, StreamingEqualsOneShotForEverySplitPoint) {
  const std::string text = "The quick brown fox jumps over the lazy dog";
  for (std::size_t a = 0; a <= text.size(); ++a) {
    for (std::size_t b = a; b <= text.size(); b += 3) {
      Murmur3x86_32 hash;
      hash.update(std::string_view(text).substr(0, a));
      hash.update(std::string_view(text).substr(a, b - a));
      hash.update(std::string_view(text).substr(b));
      ASSERT_EQ(hash.finish(), murmur3_x86_32(text)) << a << "," << b;
    }
  }
}

TEST(Bucketing, IsHashOfSaltSlashKeyModuloTenThousand) {
  EXPECT_EQ(bucket_of("new-pdf-engine", "acct-1"), murmur3_x86_32("new-pdf-engine/acct-1") % 10000);
  EXPECT_EQ(bucket_of("", ""), murmur3_x86_32("/") % 10000);
}

// Unleash's published gradual-rollout cases use the same hash (with `groupId:userId` and a 1–100
// scale): an independent check of our MurmurHash3 on real expected results.
TEST(Murmur3, AgreesWithUnleashGradualRolloutCases) {
  std::ifstream in(std::string(SLUICE_CONFORMANCE_DIR) +
                   "/unleash-client-specification/specifications/"
                   "03-gradual-rollout-user-id-strategy.json");
  ASSERT_TRUE(in) << "conformance data missing under " << SLUICE_CONFORMANCE_DIR;
  auto spec = nlohmann::json::parse(in);
  int checked = 0;
  for (const auto& test : spec["tests"]) {
    if (!test["context"].contains("userId")) continue;
    const std::string user = test["context"]["userId"];
    for (const auto& feature : spec["state"]["features"]) {
      if (feature["name"] != test["toggleName"] || !feature["enabled"].get<bool>()) continue;
      const auto& strategies = feature["strategies"];
      if (strategies.size() != 1 || strategies[0]["name"] != "gradualRolloutUserId") continue;
      const auto& params = strategies[0]["parameters"];
      int percentage = std::stoi(params["percentage"].get<std::string>());
      std::string group = params["groupId"];
      std::uint32_t normalized = murmur3_x86_32(group + ":" + user) % 100 + 1;
      bool enabled = percentage > 0 && normalized <= static_cast<std::uint32_t>(percentage);
      EXPECT_EQ(enabled, test["expectedResult"].get<bool>()) << test["description"];
      ++checked;
    }
  }
  EXPECT_GE(checked, 3);
}

std::vector<std::uint32_t> buckets(std::string_view salt, int count, const char* prefix) {
  std::vector<std::uint32_t> out;
  out.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i)
    out.push_back(bucket_of(salt, prefix + std::to_string(i)));
  return out;
}

// Chi-square over 100 equal bins of the 10,000 basis points. With 99 degrees of freedom the
// statistic exceeds 148.2 with probability 0.001 for a uniform hash.
TEST(Bucketing, IsUniformByChiSquare) {
  constexpr int kIds = 100000;
  constexpr int kBins = 100;
  std::vector<int> observed(kBins, 0);
  for (std::uint32_t b : buckets("uniformity", kIds, "user-"))
    ++observed[b / 100];
  const double expected = static_cast<double>(kIds) / kBins;
  double chi_square = 0;
  for (int o : observed)
    chi_square += (o - expected) * (o - expected) / expected;
  EXPECT_LT(chi_square, 148.2);
  EXPECT_GT(chi_square, 0.0);
}

TEST(Bucketing, GrowingASplitKeepsEveryoneWhoWasIn) {
  auto all = buckets("new-pdf-engine", 100000, "acct-");
  int in_at_5 = 0;
  int in_at_25 = 0;
  for (std::uint32_t b : all) {
    bool at5 = b < 500;
    bool at25 = b < 2500;
    in_at_5 += at5;
    in_at_25 += at25;
    ASSERT_TRUE(!at5 || at25) << "a user in at 5% left at 25%";
  }
  EXPECT_NEAR(in_at_5, 5000, 300);
  EXPECT_NEAR(in_at_25, 25000, 600);
}

// Two flags' 5% cohorts overlap by about 5% x 5% = 0.25% of users when salts differ: a 2x2
// contingency chi-square (1 degree of freedom, critical value 10.83 at p = 0.001).
TEST(Bucketing, TwoFlagsCohortsAreIndependent) {
  constexpr int kIds = 100000;
  auto a = buckets("flag-a", kIds, "user-");
  auto b = buckets("flag-b", kIds, "user-");
  double n[2][2] = {{0, 0}, {0, 0}};
  for (int i = 0; i < kIds; ++i)
    n[a[static_cast<std::size_t>(i)] < 500][b[static_cast<std::size_t>(i)] < 500] += 1;
  double chi_square = 0;
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 2; ++j) {
      double row = n[i][0] + n[i][1];
      double col = n[0][j] + n[1][j];
      double expected = row * col / kIds;
      chi_square += (n[i][j] - expected) * (n[i][j] - expected) / expected;
    }
  }
  EXPECT_LT(chi_square, 10.83);
  EXPECT_NEAR(n[1][1], 250, 80);  // 0.25% of 100,000, within five standard deviations
  // The same salt gives the same cohort: independence comes from the salt.
  auto same = buckets("flag-a", kIds, "user-");
  EXPECT_EQ(a, same);
}

}  // namespace
}  // namespace sluice
