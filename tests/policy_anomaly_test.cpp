// The policy's `anomaly:` block: reading (YAML and JSON), meaning checks with file:line:column,
// defaults, and the JSON writer's round trip.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "sluice/policy_json.hpp"
#include "sluice/policy_loader.hpp"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::vector<std::string> messages(const Diagnostics& diagnostics) {
  std::vector<std::string> out;
  for (const auto& diagnostic : diagnostics)
    out.push_back(diagnostic.format());
  return out;
}

constexpr std::string_view kHead =
    "flag: checkout\n"
    "treatment: on\n"
    "control: off\n"
    "stages: [{percent: 100}]\n";

PolicyLoadResult read(std::string_view tail) {
  PolicyLoadResult result;
  read_policy_yaml(std::string(kHead) + std::string(tail), "p.yaml", result);
  return result;
}

// Shape problems (the reader's) and meaning problems (check_policies'), in that order.
std::vector<std::string> problems(std::string_view tail) {
  const PolicyLoadResult result = read(tail);
  std::vector<std::string> out = messages(result.diagnostics);
  for (const std::string& m : messages(check_policies(result.policies, nullptr)))
    out.push_back(m);
  return out;
}

TEST(PolicyAnomaly, OffUnlessWritten) {
  const PolicyLoadResult result = read("");
  ASSERT_THAT(messages(result.diagnostics), IsEmpty());
  ASSERT_EQ(result.policies.size(), 1u);
  EXPECT_FALSE(result.policies[0].anomaly.has_value());
  EXPECT_FALSE(result.policies[0].anomaly_enabled());
}

TEST(PolicyAnomaly, ReadsEveryField) {
  const PolicyLoadResult result =
      read("anomaly:\n  enabled: true\n  warning: 0.7\n  critical: 0.9\n  min_history: 50\n");
  ASSERT_THAT(messages(result.diagnostics), IsEmpty());
  ASSERT_TRUE(result.policies[0].anomaly.has_value());
  const AnomalySettings& a = *result.policies[0].anomaly;
  EXPECT_TRUE(a.enabled);
  EXPECT_DOUBLE_EQ(a.warning, 0.7);
  EXPECT_DOUBLE_EQ(a.critical, 0.9);
  EXPECT_EQ(a.min_history, 50u);
  EXPECT_EQ(a.where.line, 6);
  EXPECT_TRUE(result.policies[0].anomaly_enabled());
  EXPECT_THAT(messages(check_policies(result.policies, nullptr)), IsEmpty());
}

TEST(PolicyAnomaly, DefaultsWhenTheBlockIsWritten) {
  const PolicyLoadResult result = read("anomaly: {}\n");
  ASSERT_THAT(messages(result.diagnostics), IsEmpty());
  const AnomalySettings& a = *result.policies[0].anomaly;
  EXPECT_TRUE(a.enabled);
  EXPECT_DOUBLE_EQ(a.warning, AnomalySettings{}.warning);
  EXPECT_DOUBLE_EQ(a.critical, AnomalySettings{}.critical);
  EXPECT_EQ(a.min_history, 20u);
  EXPECT_THAT(messages(check_policies(result.policies, nullptr)), IsEmpty());

  const PolicyLoadResult off = read("anomaly: {enabled: false}\n");
  ASSERT_TRUE(off.policies[0].anomaly.has_value());
  EXPECT_FALSE(off.policies[0].anomaly_enabled());
}

TEST(PolicyAnomaly, ShapeErrorsNameTheField) {
  EXPECT_THAT(problems("anomaly: {warning: high}\n"),
              ElementsAre("p.yaml:5:20: field 'warning' must be a number, got string"));
  EXPECT_THAT(problems("anomaly: {min_history: 0}\n"),
              ElementsAre("p.yaml:5:24: field 'min_history' must be a whole number from 1 to "
                          "100000, got 0"));
  EXPECT_THAT(problems("anomaly: {critcal: 0.9}\n"), ElementsAre(testing::HasSubstr("critcal")));
  EXPECT_THAT(problems("anomaly: true\n"), ElementsAre(testing::HasSubstr("anomaly")));
}

TEST(PolicyAnomaly, LevelsAreScoresWithWarningBelowCritical) {
  EXPECT_THAT(problems("anomaly:\n  warning: 0.9\n  critical: 0.8\n"),
              ElementsAre("p.yaml:6:3: anomaly field 'warning' (0.9) must be below 'critical' "
                          "(0.8)"));
  EXPECT_THAT(problems("anomaly:\n  warning: 1.5\n  critical: 2\n"),
              ElementsAre("p.yaml:6:3: anomaly field 'warning' must be a score greater than 0 "
                          "and less than 1, got 1.5",
                          "p.yaml:6:3: anomaly field 'critical' must be a score greater than 0 "
                          "and at most 1, got 2"));
  EXPECT_THAT(problems("anomaly:\n  warning: 0\n"),
              ElementsAre("p.yaml:6:3: anomaly field 'warning' must be a score greater than 0 "
                          "and less than 1, got 0"));
  EXPECT_THAT(problems("anomaly:\n  warning: 0.5\n  critical: 1\n"), IsEmpty());
}

TEST(PolicyAnomaly, JsonRoundTrip) {
  const PolicyLoadResult result =
      read("anomaly:\n  enabled: false\n  warning: 0.6\n  critical: 0.85\n  min_history: 7\n");
  ASSERT_THAT(messages(result.diagnostics), IsEmpty());
  const std::string json = policy_to_json(result.policies[0]);
  EXPECT_THAT(json,
              testing::HasSubstr(
                  R"("anomaly":{"enabled":false,"warning":0.6,"critical":0.85,"min_history":7})"));
  const PolicyLoadResult again = read_single_policy_json(json);
  ASSERT_THAT(messages(again.diagnostics), IsEmpty());
  ASSERT_TRUE(again.policies[0].anomaly.has_value());
  const AnomalySettings& a = *again.policies[0].anomaly;
  EXPECT_FALSE(a.enabled);
  EXPECT_DOUBLE_EQ(a.warning, 0.6);
  EXPECT_DOUBLE_EQ(a.critical, 0.85);
  EXPECT_EQ(a.min_history, 7u);
  EXPECT_EQ(policy_to_json(again.policies[0]), json);

  // Absent stays absent.
  const PolicyLoadResult none = read("");
  EXPECT_THAT(policy_to_json(none.policies[0]), testing::Not(testing::HasSubstr("anomaly")));
}

TEST(PolicyAnomaly, TheExamplePolicyIsValid) {
  const PolicyLoadResult result = load_policy_paths(
      {std::string(SLUICE_SOURCE_DIR) + "/examples/anomaly/checkout-redesign.yaml"});
  ASSERT_THAT(messages(result.diagnostics), IsEmpty());
  EXPECT_THAT(messages(check_policies(result.policies, nullptr)), IsEmpty());
  ASSERT_EQ(result.policies.size(), 1u);
  EXPECT_TRUE(result.policies[0].anomaly_enabled());
}

}  // namespace
}  // namespace sluice
