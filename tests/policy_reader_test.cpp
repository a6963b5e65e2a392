// The policy reader: the example, defaults, bundles, and every shape diagnostic with its exact
// text and position (YAML) or field path (JSON).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/policy_loader.hpp"
#include "test_policies.hpp"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const std::string kSourceDir = SLUICE_SOURCE_DIR;
const std::string kExample = kSourceDir + "/examples/policies/new-pdf-engine.yaml";

PolicyLoadResult read_yaml(std::string_view text) {
  PolicyLoadResult result;
  read_policy_yaml(text, "p.yaml", result);
  return result;
}

PolicyLoadResult read_json(std::string_view text) {
  PolicyLoadResult result;
  read_policy_json(text, "", result);
  return result;
}

std::vector<std::string> messages(const Diagnostics& diagnostics) {
  std::vector<std::string> out;
  for (const auto& diagnostic : diagnostics)
    out.push_back(diagnostic.format());
  return out;
}

std::vector<std::string> messages(const PolicyLoadResult& result) {
  return messages(result.diagnostics);
}

// A valid policy head to which a test appends one broken part.
constexpr std::string_view kHead =
    "flag: x\n"
    "treatment: on\n"
    "control: off\n"
    "stages: [{percent: 100}]\n";

std::vector<std::string> with_head(std::string_view tail) {
  return messages(read_yaml(std::string(kHead) + std::string(tail)));
}

// --- The example and defaults -------------------------------------------------------------------

TEST(PolicyReaderExample, NewPdfEngineLoadsClean) {
  const PolicyLoadResult result = load_policy_paths({kExample});
  ASSERT_THAT(messages(result), IsEmpty());
  ASSERT_EQ(result.policies.size(), 1u);
  const Policy& p = result.policies[0];
  EXPECT_EQ(p.flag, "new-pdf-engine");
  EXPECT_EQ(p.treatment, "on");
  EXPECT_EQ(p.control, "off");
  EXPECT_EQ(p.bucket_by, "accountId");
  EXPECT_EQ(p.interval, PolicySeconds(30));
  EXPECT_EQ(p.min_samples, 1000u);
  EXPECT_EQ(p.min_duration, kDefaultMinDuration);
  EXPECT_EQ(p.on_no_data, NoDataAction::Hold);
  ASSERT_EQ(p.stages.size(), 4u);
  std::vector<std::uint32_t> bps;
  for (const auto& stage : p.stages) {
    EXPECT_FALSE(stage.is_cohort());
    EXPECT_FALSE(stage.approval);
    bps.push_back(stage.basis_points.value_or(0));
  }
  EXPECT_THAT(bps, ElementsAre(500u, 2500u, 5000u, 10000u));
  EXPECT_EQ(p.stages[0].where.line, 13);
  EXPECT_EQ(p.stages[0].where.column, 5);
  EXPECT_EQ(p.stages[0].where.path, "stages[0]");
  EXPECT_EQ(p.checks.error_rate.warning, 1.5);
  EXPECT_EQ(p.checks.error_rate.critical, 2.0);
  EXPECT_EQ(p.checks.error_rate.control_floor, 0.001);
  ASSERT_TRUE(p.checks.latency_p95.has_value());
  ASSERT_TRUE(p.checks.latency_p95->ratio.has_value());
  EXPECT_EQ(p.checks.latency_p95->ratio->critical, 1.5);
  EXPECT_EQ(p.checks.latency_p95->ratio->warning, std::nullopt);
  EXPECT_EQ(p.checks.latency_p95->max_ms, std::nullopt);
  EXPECT_THAT(p.checks.custom, IsEmpty());
  EXPECT_THAT(p.notify, ElementsAre("slack-billing"));
  EXPECT_EQ(p.metrics.flag_label, "feature_flag_key");
  EXPECT_EQ(p.stage_min_samples(3), 1000u);
}

TEST(PolicyReaderExample, FolderLoadsTheExample) {
  const PolicyLoadResult result = load_policy_paths({kSourceDir + "/examples/policies"});
  EXPECT_THAT(messages(result), IsEmpty());
  ASSERT_EQ(result.policies.size(), 1u);
  EXPECT_EQ(result.policies[0].where.file, kExample);
}

// The full example in docs/policy-format.md reads clean and means what it says (without flags:
// its segments are not among the example flags).
TEST(PolicyReaderExample, DocumentedPolicyReadsAndChecksClean) {
  std::ifstream in(kSourceDir + "/docs/policy-format.md");
  std::stringstream doc;
  doc << in.rdbuf();
  const std::string text = doc.str();
  const std::size_t start = text.find("```yaml\n");
  ASSERT_NE(start, std::string::npos);
  const std::size_t end = text.find("```", start + 8);
  const PolicyLoadResult result = read_yaml(text.substr(start + 8, end - start - 8));
  ASSERT_THAT(messages(result), IsEmpty());
  ASSERT_EQ(result.policies.size(), 1u);
  EXPECT_EQ(result.policies[0].stages.size(), 7u);
  EXPECT_EQ(result.policies[0].checks.custom.size(), 1u);
  EXPECT_THAT(messages(check_policies(result.policies, nullptr)), IsEmpty());
}

TEST(PolicyReaderExample, MissingPath) {
  EXPECT_THAT(messages(load_policy_paths({"/nonexistent/policies"})),
              ElementsAre("/nonexistent/policies: no such file or folder"));
}

TEST(PolicyReaderDefaults, MinimalPolicy) {
  const PolicyLoadResult result = read_yaml(kHead);
  ASSERT_THAT(messages(result), IsEmpty());
  const Policy& p = result.policies.at(0);
  EXPECT_EQ(p.interval, PolicySeconds(60));
  EXPECT_EQ(p.min_duration, PolicySeconds(300));
  EXPECT_EQ(p.min_samples, 1000u);
  EXPECT_EQ(p.on_no_data, NoDataAction::Hold);
  EXPECT_EQ(p.checks.error_rate.warning, std::nullopt);
  EXPECT_EQ(p.checks.error_rate.critical, 2.0);
  EXPECT_EQ(p.checks.latency_p95, std::nullopt);
  EXPECT_EQ(p.bucket_by, std::nullopt);
  EXPECT_EQ(p.metrics.variant_label, "feature_flag_variant");
  EXPECT_EQ(p.metrics.requests, "http_server_requests_total");
  EXPECT_EQ(p.metrics.error_selector, "http_response_status_code=~\"5..\"");
  EXPECT_EQ(p.metrics.latency_histogram, "http_server_request_duration_seconds");
}

TEST(PolicyReaderDefaults, EveryFieldAndStageOverrides) {
  const PolicyLoadResult result = read_yaml(test_data::kEveryFieldPolicyYaml);
  ASSERT_THAT(messages(result), IsEmpty());
  const Policy& p = result.policies.at(0);
  EXPECT_EQ(p.interval, PolicySeconds(60));
  EXPECT_EQ(p.min_duration, PolicySeconds(5400));
  EXPECT_EQ(p.min_samples, 200u);
  EXPECT_EQ(p.on_no_data, NoDataAction::Pause);
  ASSERT_EQ(p.stages.size(), 4u);
  EXPECT_EQ(p.stages[0].segment, "internal");
  EXPECT_TRUE(p.stages[0].is_cohort());
  EXPECT_TRUE(p.stages[1].approval);
  EXPECT_EQ(p.stages[2].basis_points, 50u);
  EXPECT_EQ(p.stage_min_duration(2), PolicySeconds(90));
  EXPECT_EQ(p.stage_min_samples(2), 5000u);
  EXPECT_EQ(p.stage_min_duration(3), PolicySeconds(5400));
  EXPECT_EQ(p.stage_min_samples(3), 200u);
  EXPECT_EQ(p.checks.error_rate.critical, 3.0);
  EXPECT_EQ(p.checks.error_rate.control_floor, 0.002);
  ASSERT_TRUE(p.checks.latency_p95 && p.checks.latency_p95->max_ms);
  EXPECT_EQ(p.checks.latency_p95->max_ms->warning, 800.0);
  EXPECT_EQ(p.checks.latency_p95->ratio, std::nullopt);
  ASSERT_EQ(p.checks.custom.size(), 1u);
  const CustomCheck& c = p.checks.custom[0];
  EXPECT_EQ(c.name, "cost");
  EXPECT_EQ(c.query, "sum(rate(cost{v=\"{{variant}}\"}[{{window}}]))");
  EXPECT_EQ(c.direction, CheckDirection::LowerIsWorse);
  EXPECT_EQ(c.compare, CheckComparison::Ratio);
  EXPECT_EQ(c.bounds.warning, 0.9);
  EXPECT_EQ(c.bounds.critical, 0.5);
  EXPECT_THAT(p.notify, ElementsAre("slack-ai", "webhook-ops"));
  EXPECT_EQ(p.metrics.flag_label, "flag");
  EXPECT_EQ(p.metrics.error_selector, "outcome=\"error\"");
  EXPECT_EQ(p.metrics.latency_histogram, "latency_seconds");
}

TEST(PolicyReaderDefaults, BundlesAndDocuments) {
  const PolicyLoadResult result = read_yaml(
      "policies:\n"
      "  - {flag: a, treatment: on, control: off, stages: [{percent: 100}]}\n"
      "  - {flag: b, treatment: on, control: off, stages: [{percent: 100}]}\n"
      "---\n"
      "flag: c\n"
      "treatment: new\n"
      "control: old\n"
      "stages: [{percent: 100}]\n");
  ASSERT_THAT(messages(result), IsEmpty());
  std::vector<std::string> flags;
  for (const auto& p : result.policies)
    flags.push_back(p.flag);
  EXPECT_THAT(flags, ElementsAre("a", "b", "c"));
  EXPECT_EQ(result.policies[1].where.path, "policies[1]");
  EXPECT_EQ(result.policies[2].where.line, 5);
}

TEST(PolicyReaderDefaults, Durations) {
  EXPECT_EQ(parse_duration("30s"), PolicySeconds(30));
  EXPECT_EQ(parse_duration("5m"), PolicySeconds(300));
  EXPECT_EQ(parse_duration("1h"), PolicySeconds(3600));
  EXPECT_EQ(parse_duration("1h30m15s"), PolicySeconds(5415));
  EXPECT_EQ(parse_duration("90s"), PolicySeconds(90));
  EXPECT_EQ(parse_duration("0s"), PolicySeconds(0));
  for (const char* bad : {"", "30", "s", "1.5m", "1d", "5m1h", "1m1m", "-5s", "5 m", "1h30"}) {
    EXPECT_EQ(parse_duration(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(format_duration(PolicySeconds(30)), "30s");
  EXPECT_EQ(format_duration(PolicySeconds(5400)), "1h30m");
  EXPECT_EQ(format_duration(PolicySeconds(0)), "0s");
}

// --- Shape diagnostics (YAML) -------------------------------------------------------------------

TEST(PolicyReaderDiagnostics, DocumentNotAMapping) {
  EXPECT_THAT(messages(read_yaml("- flag: x\n")),
              ElementsAre("p.yaml:1:1: document must be a mapping (a bundle with 'policies', or "
                          "a single policy), got list"));
}

TEST(PolicyReaderDiagnostics, BundleShapes) {
  EXPECT_THAT(messages(read_yaml("policies: {flag: x}\n")),
              ElementsAre("p.yaml:1:11: field 'policies' must be a list, got mapping"));
  EXPECT_THAT(messages(read_yaml("policies:\n  - 5\nflags: []\n")),
              ElementsAre("p.yaml:3:1: unknown field 'flags' in bundle",
                          "p.yaml:2:5: field 'policies[0]' must be a mapping, got number"));
}

TEST(PolicyReaderDiagnostics, MissingRequiredFields) {
  EXPECT_THAT(messages(read_yaml("description: nothing else\n")),
              ElementsAre("p.yaml:1:1: policy is missing required field 'flag'",
                          "p.yaml:1:1: policy is missing required field 'treatment'",
                          "p.yaml:1:1: policy is missing required field 'control'",
                          "p.yaml:1:1: policy is missing required field 'stages'"));
  EXPECT_THAT(messages(read_yaml("policies:\n  - flag: x\n    treatment: on\n")),
              ElementsAre("p.yaml:2:5: policy for 'x' is missing required field 'control'",
                          "p.yaml:2:5: policy for 'x' is missing required field 'stages'"));
}

TEST(PolicyReaderDiagnostics, UnknownAndDuplicateFields) {
  const PolicyLoadResult result = read_yaml(std::string(kHead) +
                                            "interval: 30s\n"
                                            "intervall: 1m\n"
                                            "interval: 1m\n");
  EXPECT_THAT(messages(result), ElementsAre("p.yaml:7:1: duplicate key 'interval'",
                                            "p.yaml:6:1: unknown field 'intervall' in policy"));
  EXPECT_TRUE(result.diagnostics[0].meaning_intact);
  EXPECT_TRUE(result.diagnostics[1].meaning_intact);
  EXPECT_EQ(result.policies.at(0).interval, PolicySeconds(30));  // the first one counts
}

TEST(PolicyReaderDiagnostics, WrongTypes) {
  EXPECT_THAT(messages(read_yaml("flag: [x]\ntreatment: 1\ncontrol: true\nstages: 100\n")),
              ElementsAre("p.yaml:1:7: field 'flag' must be a string, got list",
                          "p.yaml:2:12: field 'treatment' must be a string, got number",
                          "p.yaml:3:10: field 'control' must be a string, got boolean",
                          "p.yaml:4:9: field 'stages' must be a list, got number"));
  EXPECT_THAT(with_head("notify: [slack, 3]\nchecks: []\nmetrics: x\n"),
              ElementsAre("p.yaml:6:9: field 'checks' must be a mapping, got list",
                          "p.yaml:5:17: field 'notify[1]' must be a string, got number",
                          "p.yaml:7:10: field 'metrics' must be a mapping, got string"));
}

TEST(PolicyReaderDiagnostics, Durations) {
  EXPECT_THAT(with_head("interval: 30\nmin_duration: 0s\n"),
              ElementsAre("p.yaml:5:11: field 'interval' must be a duration greater than zero "
                          "such as '30s', '5m' or '1h30m', got 30",
                          "p.yaml:6:15: field 'min_duration' must be a duration greater than "
                          "zero such as '30s', '5m' or '1h30m', got string '0s'"));
  EXPECT_THAT(with_head("interval: 1.5m\n"),
              ElementsAre("p.yaml:5:11: field 'interval' must be a duration greater than zero "
                          "such as '30s', '5m' or '1h30m', got string '1.5m'"));
}

TEST(PolicyReaderDiagnostics, Counts) {
  EXPECT_THAT(with_head("min_samples: 0\n"),
              ElementsAre("p.yaml:5:14: field 'min_samples' must be a whole number of at least "
                          "1, got 0"));
  EXPECT_THAT(with_head("min_samples: 1.5\n"),
              ElementsAre("p.yaml:5:14: field 'min_samples' must be a whole number of at least "
                          "1, got 1.5"));
  EXPECT_THAT(with_head("min_samples: 1k\n"),
              ElementsAre("p.yaml:5:14: field 'min_samples' must be a whole number of at least "
                          "1, got string '1k'"));
}

TEST(PolicyReaderDiagnostics, AutoResumeAfter) {
  const PolicyLoadResult ok = read_yaml(std::string(kHead) + "auto_resume_after: 3\n");
  ASSERT_THAT(messages(ok), IsEmpty());
  EXPECT_EQ(ok.policies.at(0).auto_resume_after, 3u);
  EXPECT_EQ(ok.policies.at(0).auto_resume_after_where.line, 5);
  EXPECT_EQ(read_yaml(kHead).policies.at(0).auto_resume_after, std::nullopt);
  EXPECT_THAT(with_head("auto_resume_after: 0\n"),
              ElementsAre("p.yaml:5:20: field 'auto_resume_after' must be a whole number from 1 "
                          "to 100, got 0"));
  EXPECT_THAT(with_head("auto_resume_after: 101\n"),
              ElementsAre("p.yaml:5:20: field 'auto_resume_after' must be a whole number from 1 "
                          "to 100, got 101"));
  EXPECT_THAT(with_head("auto_resume_after: 2.5\n"),
              ElementsAre("p.yaml:5:20: field 'auto_resume_after' must be a whole number from 1 "
                          "to 100, got 2.5"));
  EXPECT_THAT(messages(read_json(R"({"flag": "x", "treatment": "on", "control": "off",
      "stages": [{"percent": 100}], "auto_resume_after": "2"})")),
              ElementsAre("auto_resume_after: field 'auto_resume_after' must be a whole number "
                          "from 1 to 100, got string '2'"));
}

TEST(PolicyReaderDiagnostics, FalseAlarmBudget) {
  const PolicyLoadResult ok =
      read_yaml(std::string(kHead) + "checks: {error_rate: {false_alarm_budget: 0.002}}\n");
  ASSERT_THAT(messages(ok), IsEmpty());
  EXPECT_EQ(ok.policies.at(0).checks.error_rate.false_alarm_budget, 0.002);
  EXPECT_EQ(read_yaml(kHead).policies.at(0).checks.error_rate.false_alarm_budget, 0.01);
  EXPECT_THAT(with_head("checks: {error_rate: {false_alarm_budget: 1%}}\n"),
              ElementsAre("p.yaml:5:43: field 'false_alarm_budget' must be a number, got string"));
}

TEST(PolicyReaderDiagnostics, Enumerations) {
  EXPECT_THAT(with_head("on_no_data: pass\n"),
              ElementsAre("p.yaml:5:13: field 'on_no_data' must be one of hold, pause; got "
                          "'pass'"));
}

TEST(PolicyReaderDiagnostics, Stages) {
  EXPECT_THAT(messages(read_yaml("flag: x\n"
                                 "treatment: on\n"
                                 "control: off\n"
                                 "stages:\n"
                                 "  - percent: 150\n"
                                 "  - percent: 33.333\n"
                                 "  - percent: '5'\n"
                                 "  - {percent: 5, segment: beta}\n"
                                 "  - {approval: yes}\n"
                                 "  - {segment: beta, steps: 3}\n"
                                 "  - beta\n")),
              ElementsAre("p.yaml:5:14: field 'percent' must be a number between 0 and 100 with "
                          "at most two decimals, got 150",
                          "p.yaml:6:14: field 'percent' must be a number between 0 and 100 with "
                          "at most two decimals, got 33.333",
                          "p.yaml:7:14: field 'percent' must be a number between 0 and 100 with "
                          "at most two decimals, got string '5'",
                          "p.yaml:8:5: stage has both 'percent' and 'segment'; give only one",
                          "p.yaml:9:16: field 'approval' must be a boolean, got string",
                          "p.yaml:9:5: stage needs one of 'percent' or 'segment'",
                          "p.yaml:10:21: unknown field 'steps' in stage",
                          "p.yaml:11:5: field 'stages[6]' must be a mapping, got string"));
}

TEST(PolicyReaderDiagnostics, ErrorRateAndLatency) {
  EXPECT_THAT(with_head("checks:\n"
                        "  error_rate: {warning: '1.5', ceiling: 3}\n"
                        "  latency_p95: {}\n"),
              ElementsAre("p.yaml:6:32: unknown field 'ceiling' in error_rate",
                          "p.yaml:6:25: field 'warning' must be a number, got string",
                          "p.yaml:7:16: latency_p95 needs one or both of 'ratio' and 'max_ms'"));
  EXPECT_THAT(with_head("checks:\n"
                        "  latency_p95:\n"
                        "    ratio: {}\n"
                        "    max_ms: 800\n"),
              ElementsAre("p.yaml:7:12: ratio needs one or both of 'warning' and 'critical'",
                          "p.yaml:8:13: field 'max_ms' must be a mapping, got number"));
}

TEST(PolicyReaderDiagnostics, CustomChecks) {
  EXPECT_THAT(with_head("checks:\n"
                        "  custom:\n"
                        "    - direction: up\n"
                        "      compare: relative\n"
                        "    - name: cost\n"
                        "      query: q\n"
                        "      bound: 3\n"
                        "    - 7\n"),
              ElementsAre("p.yaml:7:18: field 'direction' must be one of higher_is_worse, "
                          "lower_is_worse; got 'up'",
                          "p.yaml:8:16: field 'compare' must be one of absolute, ratio; got "
                          "'relative'",
                          "p.yaml:7:7: custom check is missing required field 'name'",
                          "p.yaml:7:7: custom check is missing required field 'query'",
                          "p.yaml:7:7: custom check needs one or both of 'warning' and 'critical'",
                          "p.yaml:11:7: unknown field 'bound' in custom check",
                          "p.yaml:9:7: custom check 'cost' needs one or both of 'warning' and "
                          "'critical'",
                          "p.yaml:12:7: field 'custom[2]' must be a mapping, got number"));
}

TEST(PolicyReaderDiagnostics, Metrics) {
  EXPECT_THAT(with_head("metrics:\n  flag_label: 7\n  latency: x\n"),
              ElementsAre("p.yaml:7:3: unknown field 'latency' in metrics",
                          "p.yaml:6:15: field 'flag_label' must be a string, got number"));
}

TEST(PolicyReaderDiagnostics, SyntaxErrorKeepsEarlierDocuments) {
  const PolicyLoadResult result = read_yaml(std::string(kHead) + "---\nflag: [\n");
  EXPECT_EQ(result.policies.size(), 1u);
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_EQ(result.diagnostics[0].where.file, "p.yaml");
  EXPECT_GT(result.diagnostics[0].where.line, 0);
}

// --- JSON ---------------------------------------------------------------------------------------

TEST(PolicyReaderJson, SamePolicyAsYaml) {
  const PolicyLoadResult result = read_json(R"({"policies": [{
      "flag": "new-pdf-engine", "treatment": "on", "control": "off", "interval": "30s",
      "min_samples": 1000, "stages": [{"percent": 5}, {"percent": 100}],
      "checks": {"error_rate": {"warning": 1.5, "critical": 2.0},
                 "latency_p95": {"ratio": {"critical": 1.5}}}}]})");
  ASSERT_THAT(messages(result), IsEmpty());
  const Policy& p = result.policies.at(0);
  EXPECT_EQ(p.interval, PolicySeconds(30));
  EXPECT_EQ(p.stages.at(0).basis_points, 500u);
  EXPECT_EQ(p.stages.at(0).where.path, "policies[0].stages[0]");
  EXPECT_EQ(p.checks.latency_p95->ratio->critical, 1.5);
}

TEST(PolicyReaderJson, DiagnosticsCarryFieldPaths) {
  EXPECT_THAT(
      messages(read_json(R"({"policies": [{"flag": "x", "treatment": "on", "control": "off",
          "stages": [{"percent": 5, "gate": true}, {"segment": 3}],
          "interval": 30, "checks": {"custom": [{"name": "c", "query": "q", "critical": "2"}]}}]})")),
      ElementsAre("policies[0].stages[0].gate: unknown field 'gate' in stage",
                  "policies[0].stages[1].segment: field 'segment' must be a string, got number",
                  "policies[0].interval: field 'interval' must be a duration greater than zero "
                  "such as '30s', '5m' or '1h30m', got 30",
                  "policies[0].checks.custom[0].critical: field 'critical' must be a number, "
                  "got string"));
}

TEST(PolicyReaderJson, FileNameAndPath) {
  PolicyLoadResult result;
  read_policy_json(R"({"flag": "x", "treatment": "on", "control": "off"})", "p.json", result);
  EXPECT_THAT(messages(result),
              ElementsAre("p.json: policy for 'x' is missing required field 'stages'"));
}

TEST(PolicyReaderJson, SinglePolicyBody) {
  const PolicyLoadResult ok = read_single_policy_json(
      R"({"flag": "x", "treatment": "on", "control": "off", "stages": [{"percent": 100}]})");
  EXPECT_THAT(messages(ok), IsEmpty());
  EXPECT_EQ(ok.policies.size(), 1u);
  EXPECT_THAT(messages(read_single_policy_json("[1]")),
              ElementsAre("policy must be an object, got array"));
  EXPECT_THAT(messages(read_single_policy_json(R"({"policies": []})")),
              ElementsAre("policies: unknown field 'policies' in policy",
                          "policy is missing required field 'flag'",
                          "policy is missing required field 'treatment'",
                          "policy is missing required field 'control'",
                          "policy is missing required field 'stages'"));
  EXPECT_THAT(messages(read_single_policy_json("{")), testing::SizeIs(1));
}

}  // namespace
}  // namespace sluice
