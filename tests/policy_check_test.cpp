// The meaning of policies: stages, levels, placeholders, names, and references to the example
// flags. Every diagnostic with its exact text and position.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "sluice/flag_loader.hpp"
#include "sluice/policy_loader.hpp"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const std::string kSourceDir = SLUICE_SOURCE_DIR;

const FlagSet& example_flags() {
  static const LoadResult flags = load_flag_paths({kSourceDir + "/examples/flags"});
  return flags.definitions;
}

std::vector<std::string> messages(const Diagnostics& diagnostics) {
  std::vector<std::string> out;
  for (const auto& diagnostic : diagnostics)
    out.push_back(diagnostic.format());
  return out;
}

// Reads YAML that must be well formed, then checks its meaning (against the example flags when
// `with_flags`).
std::vector<std::string> check_yaml(std::string_view text, bool with_flags = false) {
  PolicyLoadResult result;
  read_policy_yaml(text, "p.yaml", result);
  EXPECT_THAT(messages(result.diagnostics), IsEmpty());
  return messages(check_policies(result.policies, with_flags ? &example_flags() : nullptr));
}

constexpr std::string_view kHead =
    "flag: new-pdf-engine\n"
    "treatment: on\n"
    "control: off\n";
constexpr std::string_view kStages = "stages: [{percent: 100}]\n";

std::vector<std::string> check_tail(std::string_view tail, bool with_flags = false) {
  return check_yaml(std::string(kHead) + std::string(kStages) + std::string(tail), with_flags);
}

TEST(PolicyCheckExample, NewPdfEngineAgainstTheExampleFlags) {
  ASSERT_THAT(example_flags().flags, testing::SizeIs(5));
  const PolicyLoadResult result =
      load_policy_paths({kSourceDir + "/examples/policies/new-pdf-engine.yaml"});
  ASSERT_THAT(messages(result.diagnostics), IsEmpty());
  EXPECT_THAT(messages(check_policies(result.policies, &example_flags())), IsEmpty());
  EXPECT_THAT(messages(check_policies(result.policies, nullptr)), IsEmpty());
}

TEST(PolicyCheckExample, DefaultConstructedPolicyParts) {
  Policy policy;
  policy.flag = "new-pdf-engine";
  policy.treatment = "on";
  policy.control = "off";
  // Built in place: copying a PolicyStage here trips GCC 12's -Wmaybe-uninitialized at -O3.
  policy.stages.emplace_back().basis_points = 10000;
  EXPECT_THAT(messages(check_policy(policy, &example_flags())), IsEmpty());
  policy.interval = PolicySeconds(0);
  policy.min_samples = 0;
  EXPECT_THAT(messages(check_policy(policy, nullptr)),
              ElementsAre("interval: field 'interval' must be greater than zero",
                          "min_samples: field 'min_samples' must be at least 1"));
}

TEST(PolicyCheckExample, AutoResumeAfterBuiltInCode) {
  Policy policy;
  policy.flag = "x";
  policy.treatment = "on";
  policy.control = "off";
  policy.stages.emplace_back().basis_points = 10000;
  policy.auto_resume_after = 100;
  EXPECT_THAT(messages(check_policy(policy, nullptr)), IsEmpty());
  policy.auto_resume_after = 0;
  EXPECT_THAT(messages(check_policy(policy, nullptr)),
              ElementsAre("auto_resume_after: field 'auto_resume_after' must be from 1 to 100, "
                          "got 0"));
  policy.auto_resume_after = 101;
  EXPECT_THAT(messages(check_policy(policy, nullptr)),
              ElementsAre("auto_resume_after: field 'auto_resume_after' must be from 1 to 100, "
                          "got 101"));
}

TEST(PolicyCheckStages, TreatmentMustDifferFromControl) {
  EXPECT_THAT(check_yaml("flag: x\ntreatment: on\ncontrol: on\nstages: [{percent: 100}]\n"),
              ElementsAre("p.yaml:3:10: field 'control' must name a different variant than "
                          "'treatment' (both are 'on')"));
}

TEST(PolicyCheckStages, EmptyStages) {
  EXPECT_THAT(check_yaml(std::string(kHead) + "stages: []\n"),
              ElementsAre("p.yaml:1:1: field 'stages' must list at least one stage"));
}

TEST(PolicyCheckStages, StrictlyIncreasingAndEndingAt100) {
  EXPECT_THAT(check_yaml(std::string(kHead) + "stages:\n"
                                              "  - percent: 0\n"
                                              "  - percent: 25\n"
                                              "  - percent: 25\n"
                                              "  - percent: 5\n"
                                              "  - percent: 50.5\n"),
              ElementsAre("p.yaml:5:5: stage field 'percent' must be greater than 0",
                          "p.yaml:7:5: stage field 'percent' must be greater than the previous "
                          "stage's (25% after 25%)",
                          "p.yaml:8:5: stage field 'percent' must be greater than the previous "
                          "stage's (5% after 25%)",
                          "p.yaml:9:5: field 'stages' must end with a stage at 100%, the last "
                          "is 50.5%"));
}

TEST(PolicyCheckStages, CohortsComeFirstOnceEach) {
  EXPECT_THAT(check_yaml(std::string(kHead) + "stages:\n"
                                              "  - segment: internal\n"
                                              "  - segment: internal\n"
                                              "  - percent: 1\n"
                                              "  - segment: beta\n"
                                              "  - percent: 100\n"),
              ElementsAre("p.yaml:6:5: stage field 'segment': segment 'internal' is already a "
                          "stage",
                          "p.yaml:8:5: stage field 'segment': cohort stage 'beta' must come "
                          "before every percentage stage"));
  EXPECT_THAT(check_yaml(std::string(kHead) + "stages: [{segment: beta}]\n"),
              ElementsAre("p.yaml:4:10: field 'stages' must end with a stage at 100%, the last "
                          "is segment 'beta'"));
}

TEST(PolicyCheckLevels, ErrorRate) {
  EXPECT_THAT(check_tail("checks:\n  error_rate: {warning: 2.5, critical: 2}\n"),
              ElementsAre("p.yaml:6:15: error_rate field 'warning' (2.5) must be below "
                          "'critical' (2)"));
  EXPECT_THAT(check_tail("checks:\n  error_rate: {warning: 1, critical: 0.5, control_floor: 0}\n"),
              ElementsAre("p.yaml:6:15: error_rate field 'warning' must be greater than 1, got 1",
                          "p.yaml:6:15: error_rate field 'critical' must be greater than 1, got "
                          "0.5",
                          "p.yaml:6:15: error_rate field 'warning' (1) must be below 'critical' "
                          "(0.5)",
                          "p.yaml:6:15: error_rate field 'control_floor' must be greater than 0 "
                          "and less than 1, got 0"));
  EXPECT_THAT(check_tail("checks:\n  error_rate: {false_alarm_budget: 0}\n"),
              ElementsAre("p.yaml:6:15: error_rate field 'false_alarm_budget' must be a "
                          "probability greater than 0 and at most 0.5, got 0"));
  EXPECT_THAT(check_tail("checks:\n  error_rate: {false_alarm_budget: 0.6}\n"),
              ElementsAre("p.yaml:6:15: error_rate field 'false_alarm_budget' must be a "
                          "probability greater than 0 and at most 0.5, got 0.6"));
  EXPECT_THAT(check_tail("checks:\n  error_rate: {false_alarm_budget: 0.5}\n"), IsEmpty());
  // The default critical level is 2.0, so a warning alone must stay below it.
  EXPECT_THAT(check_tail("checks:\n  error_rate: {warning: 3}\n"),
              ElementsAre("p.yaml:6:15: error_rate field 'warning' (3) must be below 'critical' "
                          "(2)"));
}

TEST(PolicyCheckLevels, Latency) {
  EXPECT_THAT(check_tail("checks:\n"
                         "  latency_p95:\n"
                         "    ratio: {warning: 0.9}\n"
                         "    max_ms: {warning: 900, critical: 0}\n"),
              ElementsAre("p.yaml:7:12: latency_p95.ratio field 'warning' must be greater than "
                          "1, got 0.9",
                          "p.yaml:8:13: latency_p95.max_ms field 'critical' must be greater than "
                          "0, got 0",
                          "p.yaml:8:13: latency_p95.max_ms field 'warning' (900) must be below "
                          "'critical' (0)"));
}

TEST(PolicyCheckLevels, CustomDirectionsAndNames) {
  EXPECT_THAT(check_tail("checks:\n"
                         "  custom:\n"
                         "    - name: conversion\n"
                         "      query: rate(x{v=\"{{variant}}\"}[{{window}}])\n"
                         "      direction: lower_is_worse\n"
                         "      warning: 0.5\n"
                         "      critical: 0.9\n"
                         "    - name: conversion\n"
                         "      query: rate(y{v=\"{{variant}}\"}[5m])\n"
                         "      warning: 0.5\n"
                         "      critical: 0.9\n"),
              ElementsAre("p.yaml:7:7: custom check 'conversion' field 'warning' (0.5) must be "
                          "above 'critical' (0.9) because lower values are worse",
                          "p.yaml:12:7: custom check field 'name': 'conversion' is already a "
                          "check"));
}

TEST(PolicyCheckLevels, Placeholders) {
  EXPECT_THAT(
      check_tail("checks:\n"
                 "  custom:\n"
                 "    - {name: a, query: 'x{f=\"{{flag}}\"}', critical: 1}\n"
                 "    - {name: b, query: 'x{v=\"{{variant}}\"}[{{interval}}]', critical: 1}\n"
                 "    - {name: c, query: 'x{v=\"{{variant}}\"}[{{window', critical: 1}\n"),
      ElementsAre("p.yaml:7:7: custom check 'a' field 'query' must use {{variant}}, so "
                  "that each variant has its own value",
                  "p.yaml:8:7: custom check 'b' field 'query' has unknown placeholder "
                  "'{{interval}}'; use {{flag}}, {{variant}} or {{window}}",
                  "p.yaml:9:7: custom check 'c' field 'query' has '{{' without a "
                  "closing '}}'"));
}

TEST(PolicyCheckLevels, MetricNames) {
  EXPECT_THAT(check_tail("metrics:\n"
                         "  flag_label: feature.flag.key\n"
                         "  variant_label: feature.flag.key\n"
                         "  requests: 1requests\n"
                         "  error_selector: ''\n"
                         "  latency_histogram: ns:latency_seconds\n"),
              ElementsAre("p.yaml:6:3: metrics field 'flag_label' must be a Prometheus label "
                          "name, got 'feature.flag.key'",
                          "p.yaml:6:3: metrics field 'variant_label' must be a Prometheus label "
                          "name, got 'feature.flag.key'",
                          "p.yaml:6:3: metrics field 'variant_label' must differ from "
                          "'flag_label'",
                          "p.yaml:6:3: metrics field 'requests' must be a Prometheus metric "
                          "name, got '1requests'",
                          "p.yaml:6:3: metrics field 'error_selector' must not be empty"));
}

TEST(PolicyCheckLevels, NotifyTargets) {
  EXPECT_THAT(check_tail("notify: [slack, '']\n"),
              ElementsAre("p.yaml:1:1: field 'notify' must not list an empty target name"));
}

// --- Against the example flags ------------------------------------------------------------------

TEST(PolicyCheckFlags, UnknownFlag) {
  EXPECT_THAT(check_yaml("flag: new-pdf\ntreatment: on\ncontrol: off\nstages: [{percent: 100}]\n",
                         /*with_flags=*/true),
              ElementsAre("p.yaml:1:7: field 'flag': unknown flag 'new-pdf'"));
}

TEST(PolicyCheckFlags, UnknownVariants) {
  EXPECT_THAT(check_yaml("flag: redesigned-dashboard\ntreatment: on\ncontrol: classic\n"
                         "stages: [{percent: 100}]\n",
                         /*with_flags=*/true),
              ElementsAre("p.yaml:2:12: field 'treatment': unknown variant 'on' in flag "
                          "'redesigned-dashboard' (its variants: old, new)",
                          "p.yaml:3:10: field 'control': unknown variant 'classic' in flag "
                          "'redesigned-dashboard' (its variants: old, new)"));
  EXPECT_THAT(check_yaml("flag: redesigned-dashboard\ntreatment: new\ncontrol: old\n"
                         "stages: [{percent: 100}]\n",
                         /*with_flags=*/true),
              IsEmpty());
}

TEST(PolicyCheckFlags, UnknownSegments) {
  EXPECT_THAT(check_yaml(std::string(kHead) + "stages: [{segment: internal}, {percent: 100}]\n",
                         /*with_flags=*/true),
              ElementsAre("p.yaml:4:10: stage field 'segment': unknown segment 'internal'"));
}

TEST(PolicyCheckFlags, BucketBy) {
  EXPECT_THAT(check_tail("bucket_by: userId\n", /*with_flags=*/true),
              ElementsAre("p.yaml:5:12: field 'bucket_by' is 'userId' but flag 'new-pdf-engine' "
                          "buckets by 'accountId'"));
  EXPECT_THAT(check_yaml("flag: redesigned-dashboard\ntreatment: new\ncontrol: old\n"
                         "bucket_by: accountId\nstages: [{percent: 100}]\n",
                         /*with_flags=*/true),
              ElementsAre("p.yaml:4:12: field 'bucket_by' is 'accountId' but flag "
                          "'redesigned-dashboard' buckets by 'targetingKey'"));
}

TEST(PolicyCheckFlags, OnePolicyPerFlag) {
  EXPECT_THAT(check_yaml(std::string(kHead) + std::string(kStages) + "---\n" + std::string(kHead) +
                         std::string(kStages)),
              ElementsAre("p.yaml:6:7: duplicate policy for flag 'new-pdf-engine' (first "
                          "defined at p.yaml:1:1)"));
}

TEST(PolicyCheckFlags, JsonPaths) {
  PolicyLoadResult result;
  read_policy_json(R"({"policies": [{"flag": "new-pdf-engine", "treatment": "on",
      "control": "maybe", "stages": [{"percent": 50}, {"segment": "beta"}],
      "checks": {"error_rate": {"warning": 3}}}]})",
                   "", result);
  ASSERT_THAT(messages(result.diagnostics), IsEmpty());
  EXPECT_THAT(
      messages(check_policies(result.policies, &example_flags())),
      ElementsAre("policies[0].stages[1]: stage field 'segment': cohort stage 'beta' must come "
                  "before every percentage stage",
                  "policies[0].stages[1]: field 'stages' must end with a stage at 100%, the last "
                  "is segment 'beta'",
                  "policies[0].checks.error_rate.warning: error_rate field 'warning' (3) must be "
                  "below 'critical' (2)",
                  "policies[0].control: field 'control': unknown variant 'maybe' in flag "
                  "'new-pdf-engine' (its variants: on, off)",
                  "policies[0].stages[1]: stage field 'segment': unknown segment 'beta'"));
}

}  // namespace
}  // namespace sluice
