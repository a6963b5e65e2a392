// The unified diff of `sluice flags diff` and the YAML of `-o yaml`: pure functions, checked
// against what diff -u writes and what a YAML reader reads back.

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

#include "remote_diff.hpp"
#include "remote_output.hpp"
#include "remote_time.hpp"

namespace sluice::app {
namespace {

TEST(RemoteCliDiff, EqualTextsHaveNoDiff) {
  EXPECT_EQ(unified_diff("a\nb\n", "a\nb\n", "x", "y"), "");
}

TEST(RemoteCliDiff, OneChangeWithThreeLinesOfContext) {
  const std::string before = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
  const std::string after = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
  EXPECT_EQ(unified_diff(before, after, "server", "file"),
            "--- server\n+++ file\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
}

TEST(RemoteCliDiff, DistantChangesAreSeparateHunks) {
  std::string before, after;
  for (int i = 1; i <= 20; ++i) {
    before += std::to_string(i) + "\n";
    after += (i == 2 || i == 18 ? "x" : std::to_string(i)) + "\n";
  }
  const std::string diff = unified_diff(before, after, "a", "b");
  EXPECT_NE(diff.find("@@ -1,5 +1,5 @@\n 1\n-2\n+x\n 3\n 4\n 5\n"), std::string::npos) << diff;
  EXPECT_NE(diff.find("@@ -15,6 +15,6 @@\n 15\n 16\n 17\n-18\n+x\n 19\n 20\n"), std::string::npos)
      << diff;
}

TEST(RemoteCliDiff, NewTextIsAllAdded) {
  EXPECT_EQ(unified_diff("", "a\nb\n", "server", "file"),
            "--- server\n+++ file\n@@ -0,0 +1,2 @@\n+a\n+b\n");
}

TEST(RemoteCliTable, AlignsColumnsByWhatTheTerminalShows) {
  app::Table table({"CHECK", "VERDICT", "VALUE"});
  table.add({"error_rate", "\u2714 pass", "1%"});
  table.add({"latency_p95", "no_data", "2 ms"});
  EXPECT_EQ(table.str(),
            "CHECK        VERDICT  VALUE\n"
            "error_rate   \u2714 pass   1%\n"
            "latency_p95  no_data  2 ms\n");
}

TEST(RemoteCliYaml, ReadsBackWithTheSameTypes) {
  const auto json = nlohmann::ordered_json::parse(
      R"({"key":"k","n":5,"x":2.5,"b":true,"s":"true","num":"42","empty":"","none":null,
          "list":[],"map":{},"nested":[{"variant":"on","weight":5}]})");
  const std::string yaml = json_to_yaml(json);
  const YAML::Node node = YAML::Load(yaml);
  EXPECT_EQ(node["key"].as<std::string>(), "k");
  EXPECT_EQ(node["n"].as<int>(), 5);
  EXPECT_EQ(node["x"].as<double>(), 2.5);
  EXPECT_TRUE(node["b"].as<bool>());
  EXPECT_EQ(node["s"].Tag(), "!") << yaml;  // quoted: a string, not a boolean
  EXPECT_EQ(node["num"].Tag(), "!") << yaml;
  EXPECT_EQ(node["empty"].as<std::string>(), "");
  EXPECT_TRUE(node["none"].IsNull());
  EXPECT_NE(yaml.find("list: []"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("map: {}"), std::string::npos) << yaml;
  EXPECT_EQ(node["nested"][0]["weight"].as<int>(), 5);
}

TEST(RemoteCliTime, SinceTakesTimesAndDurations) {
  const auto now = parse_rfc3339("2026-11-21T12:00:00Z");
  ASSERT_TRUE(now);
  EXPECT_EQ(since_to_rfc3339("2h", *now), "2026-11-21T10:00:00Z");
  EXPECT_EQ(since_to_rfc3339("1h30m", *now), "2026-11-21T10:30:00Z");
  EXPECT_EQ(since_to_rfc3339("7d", *now), "2026-11-14T12:00:00Z");
  EXPECT_EQ(since_to_rfc3339("2026-01-01T00:00:00+02:00", *now), "2026-01-01T00:00:00+02:00");
  EXPECT_FALSE(since_to_rfc3339("yesterday", *now));
  EXPECT_FALSE(since_to_rfc3339("5", *now));
  EXPECT_FALSE(since_to_rfc3339("", *now));
  EXPECT_EQ(format_rfc3339(*parse_rfc3339("2026-11-21T12:00:00.500+01:00")),
            "2026-11-21T11:00:00Z");
}

}  // namespace
}  // namespace sluice::app
