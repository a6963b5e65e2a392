// policy_to_json: what it writes, and that read_single_policy_json reads it back as the same
// policy (source locations aside) for every valid policy of the tests, the example and the
// documentation. Also the two policy fields that drive the controller directly:
// `auto_resume_after` and `checks.error_rate.false_alarm_budget`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/policy_json.hpp"
#include "sluice/policy_loader.hpp"
#include "sluice/rollout.hpp"
#include "test_policies.hpp"

namespace sluice {
namespace {

using ::testing::IsEmpty;

const std::filesystem::path kSourceDir = SLUICE_SOURCE_DIR;

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<std::string> messages(const Diagnostics& diagnostics) {
  std::vector<std::string> out;
  for (const auto& diagnostic : diagnostics)
    out.push_back(diagnostic.format());
  return out;
}

std::vector<Policy> read_yaml(std::string_view text) {
  PolicyLoadResult result;
  read_policy_yaml(text, "p.yaml", result);
  EXPECT_THAT(messages(result.diagnostics), IsEmpty());
  return result.policies;
}

std::vector<Policy> read_json(std::string_view text) {
  PolicyLoadResult result;
  read_policy_json(text, "", result);
  EXPECT_THAT(messages(result.diagnostics), IsEmpty());
  return result.policies;
}

// Every field but the source locations.
void expect_same(const Policy& a, const Policy& b) {
  EXPECT_EQ(a.flag, b.flag);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.treatment, b.treatment);
  EXPECT_EQ(a.control, b.control);
  EXPECT_EQ(a.bucket_by, b.bucket_by);
  EXPECT_EQ(a.interval, b.interval);
  EXPECT_EQ(a.min_duration, b.min_duration);
  EXPECT_EQ(a.min_samples, b.min_samples);
  EXPECT_EQ(a.on_no_data, b.on_no_data);
  EXPECT_EQ(a.auto_resume_after, b.auto_resume_after);
  ASSERT_EQ(a.stages.size(), b.stages.size());
  for (std::size_t i = 0; i < a.stages.size(); ++i) {
    SCOPED_TRACE("stage " + std::to_string(i));
    EXPECT_EQ(a.stages[i].basis_points, b.stages[i].basis_points);
    EXPECT_EQ(a.stages[i].segment, b.stages[i].segment);
    EXPECT_EQ(a.stages[i].min_duration, b.stages[i].min_duration);
    EXPECT_EQ(a.stages[i].min_samples, b.stages[i].min_samples);
    EXPECT_EQ(a.stages[i].approval, b.stages[i].approval);
  }
  const ErrorRateCheck& ea = a.checks.error_rate;
  const ErrorRateCheck& eb = b.checks.error_rate;
  EXPECT_EQ(ea.warning, eb.warning);
  EXPECT_EQ(ea.critical, eb.critical);
  EXPECT_EQ(ea.control_floor, eb.control_floor);
  EXPECT_EQ(ea.false_alarm_budget, eb.false_alarm_budget);
  ASSERT_EQ(a.checks.latency_p95.has_value(), b.checks.latency_p95.has_value());
  if (a.checks.latency_p95) {
    const LatencyCheck& la = *a.checks.latency_p95;
    const LatencyCheck& lb = *b.checks.latency_p95;
    ASSERT_EQ(la.ratio.has_value(), lb.ratio.has_value());
    if (la.ratio) {
      EXPECT_EQ(la.ratio->warning, lb.ratio->warning);
      EXPECT_EQ(la.ratio->critical, lb.ratio->critical);
    }
    ASSERT_EQ(la.max_ms.has_value(), lb.max_ms.has_value());
    if (la.max_ms) {
      EXPECT_EQ(la.max_ms->warning, lb.max_ms->warning);
      EXPECT_EQ(la.max_ms->critical, lb.max_ms->critical);
    }
  }
  ASSERT_EQ(a.checks.custom.size(), b.checks.custom.size());
  for (std::size_t i = 0; i < a.checks.custom.size(); ++i) {
    const CustomCheck& ca = a.checks.custom[i];
    const CustomCheck& cb = b.checks.custom[i];
    EXPECT_EQ(ca.name, cb.name);
    EXPECT_EQ(ca.query, cb.query);
    EXPECT_EQ(ca.direction, cb.direction);
    EXPECT_EQ(ca.compare, cb.compare);
    EXPECT_EQ(ca.bounds.warning, cb.bounds.warning);
    EXPECT_EQ(ca.bounds.critical, cb.bounds.critical);
  }
  EXPECT_EQ(a.notify, b.notify);
  EXPECT_EQ(a.metrics.flag_label, b.metrics.flag_label);
  EXPECT_EQ(a.metrics.variant_label, b.metrics.variant_label);
  EXPECT_EQ(a.metrics.requests, b.metrics.requests);
  EXPECT_EQ(a.metrics.error_selector, b.metrics.error_selector);
  EXPECT_EQ(a.metrics.latency_histogram, b.metrics.latency_histogram);
}

// Writes, reads back, compares; and writing the copy gives the same text.
void expect_round_trip(const Policy& policy, const std::string& what) {
  SCOPED_TRACE(what);
  const std::string json = policy_to_json(policy);
  const PolicyLoadResult back = read_single_policy_json(json);
  ASSERT_THAT(messages(back.diagnostics), IsEmpty()) << json;
  ASSERT_EQ(back.policies.size(), 1u);
  expect_same(policy, back.policies[0]);
  EXPECT_EQ(policy_to_json(back.policies[0]), json);
  EXPECT_EQ(policy_to_json(policy), json);  // deterministic
}

// --- What is written ----------------------------------------------------------------------------

TEST(PolicyJson, WritesTheYamlStructure) {
  const auto policies = read_yaml(
      "flag: x\n"
      "treatment: on\n"
      "control: off\n"
      "interval: 90s\n"
      "stages: [{segment: beta, approval: true}, {percent: 2.5, min_duration: 1h30m}, "
      "{percent: 100, min_samples: 5}]\n"
      "checks: {error_rate: {warning: 1.5}}\n");
  ASSERT_EQ(policies.size(), 1u);
  EXPECT_EQ(policy_to_json(policies[0]),
            R"({"flag":"x","description":"","treatment":"on","control":"off",)"
            R"("interval":"1m30s","min_duration":"5m","min_samples":1000,"on_no_data":"hold",)"
            R"("stages":[{"segment":"beta","approval":true},)"
            R"({"percent":2.5,"min_duration":"1h30m"},{"percent":100,"min_samples":5}],)"
            R"("checks":{"error_rate":{"warning":1.5,"critical":2,"control_floor":0.001,)"
            R"("false_alarm_budget":0.01},"custom":[]},"notify":[],)"
            R"("metrics":{"flag_label":"feature_flag_key","variant_label":"feature_flag_variant",)"
            R"("requests":"http_server_requests_total",)"
            R"("error_selector":"http_response_status_code=~\"5..\"",)"
            R"("latency_histogram":"http_server_request_duration_seconds"}})");
}

TEST(PolicyJson, PercentagesAndNumbersAsWritten) {
  const auto policies = read_yaml(
      "flag: x\ntreatment: on\ncontrol: off\n"
      "stages: [{percent: 0.01}, {percent: 0.5}, {percent: 33.33}, {percent: 100}]\n"
      "checks:\n"
      "  error_rate: {critical: 3, control_floor: 0.0025, false_alarm_budget: 0.002}\n"
      "  latency_p95: {max_ms: {warning: 800, critical: 1500.5}}\n");
  ASSERT_EQ(policies.size(), 1u);
  const auto json = nlohmann::json::parse(policy_to_json(policies[0]));
  EXPECT_EQ(json["stages"].dump(),
            R"([{"percent":0.01},{"percent":0.5},{"percent":33.33},{"percent":100}])");
  EXPECT_EQ(json["checks"]["error_rate"].dump(),
            R"({"control_floor":0.0025,"critical":3,"false_alarm_budget":0.002})");
  EXPECT_EQ(json["checks"]["latency_p95"].dump(),
            R"({"max_ms":{"critical":1500.5,"warning":800}})");
  expect_round_trip(policies[0], "percentages");
}

TEST(PolicyJson, AutoResumeOnlyWhenSet) {
  auto policies = read_yaml("flag: x\ntreatment: on\ncontrol: off\nstages: [{percent: 100}]\n");
  ASSERT_EQ(policies.size(), 1u);
  EXPECT_EQ(policy_to_json(policies[0]).find("auto_resume_after"), std::string::npos);
  policies[0].auto_resume_after = 3;
  EXPECT_NE(policy_to_json(policies[0]).find(R"("on_no_data":"hold","auto_resume_after":3,)"),
            std::string::npos);
  expect_round_trip(policies[0], "auto_resume_after");
}

TEST(PolicyJson, InvalidUtf8IsReplacedNotThrown) {
  Policy policy;
  policy.flag = "x";
  policy.description = "bad \xff byte";
  std::string json;
  EXPECT_NO_THROW(json = policy_to_json(policy));
  EXPECT_NE(json.find("bad \xEF\xBF\xBD byte"), std::string::npos);
}

// --- Round trips --------------------------------------------------------------------------------

TEST(PolicyJsonRoundTrip, TheExample) {
  const PolicyLoadResult result =
      load_policy_paths({(kSourceDir / "examples/policies/new-pdf-engine.yaml").string()});
  ASSERT_THAT(messages(result.diagnostics), IsEmpty());
  ASSERT_EQ(result.policies.size(), 1u);
  expect_round_trip(result.policies[0], "new-pdf-engine.yaml");
}

TEST(PolicyJsonRoundTrip, TheDocumentedPolicy) {
  const std::string text = read_text(kSourceDir / "docs/policy-format.md");
  const std::size_t start = text.find("```yaml\n");
  ASSERT_NE(start, std::string::npos);
  const std::size_t end = text.find("```", start + 8);
  const auto policies = read_yaml(text.substr(start + 8, end - start - 8));
  ASSERT_EQ(policies.size(), 1u);
  expect_round_trip(policies[0], "docs/policy-format.md");
}

TEST(PolicyJsonRoundTrip, EveryGoldenRolloutPolicy) {
  int count = 0;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(kSourceDir / "tests/data/rollouts"))
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    const auto golden = nlohmann::json::parse(read_text(path));
    PolicyLoadResult loaded;
    if (golden.contains("policy_file")) {
      const auto file = kSourceDir / golden.at("policy_file").get<std::string>();
      read_policy_yaml(read_text(file), file.string(), loaded);
    } else {
      loaded = read_single_policy_json(golden.at("policy").dump());
    }
    ASSERT_THAT(messages(loaded.diagnostics), IsEmpty()) << path;
    ASSERT_EQ(loaded.policies.size(), 1u) << path;
    expect_round_trip(loaded.policies[0], path.filename().string());
    ++count;
  }
  EXPECT_GE(count, 10);
}

// The valid policies of tests/policy_reader_test.cpp.
TEST(PolicyJsonRoundTrip, ReaderTestPolicies) {
  const std::vector<std::string_view> yaml = {
      "flag: x\ntreatment: on\ncontrol: off\nstages: [{percent: 100}]\n",
      test_data::kEveryFieldPolicyYaml,
      "policies:\n"
      "  - {flag: a, treatment: on, control: off, stages: [{percent: 100}]}\n"
      "  - {flag: b, treatment: on, control: off, stages: [{percent: 100}]}\n"
      "---\n"
      "flag: c\n"
      "treatment: new\n"
      "control: old\n"
      "stages: [{percent: 100}]\n",
      "flag: x\ntreatment: on\ncontrol: off\nstages: [{percent: 100}]\n"
      "auto_resume_after: 100\n"
      "checks: {error_rate: {false_alarm_budget: 0.5}}\n",
  };
  int count = 0;
  for (const auto text : yaml) {
    for (const Policy& policy : read_yaml(text)) {
      expect_round_trip(policy, policy.flag);
      ++count;
    }
  }
  const std::vector<std::string_view> json = {
      R"({"policies": [{
      "flag": "new-pdf-engine", "treatment": "on", "control": "off", "interval": "30s",
      "min_samples": 1000, "stages": [{"percent": 5}, {"percent": 100}],
      "checks": {"error_rate": {"warning": 1.5, "critical": 2.0},
                 "latency_p95": {"ratio": {"critical": 1.5}}}}]})",
      R"({"flag": "x", "treatment": "on", "control": "off", "stages": [{"percent": 100}]})",
  };
  for (const auto text : json) {
    for (const Policy& policy : read_json(text)) {
      expect_round_trip(policy, policy.flag);
      ++count;
    }
  }
  EXPECT_EQ(count, 8);
}

// --- The fields that drive the controller -------------------------------------------------------

TEST(PolicyFields, FalseAlarmBudgetReachesTheJudge) {
  auto policies = read_yaml(
      "flag: x\ntreatment: on\ncontrol: off\nstages: [{percent: 100}]\n"
      "checks: {error_rate: {false_alarm_budget: 0.0025}}\n");
  ASSERT_EQ(policies.size(), 1u);
  EXPECT_EQ(policies[0].checks.error_rate.false_alarm_budget, 0.0025);
  const judge::Settings settings = rollout::judge_settings(policies[0], 0);
  ASSERT_TRUE(settings.error_rate.has_value());
  EXPECT_EQ(settings.error_rate->false_alarm_budget, 0.0025);

  const auto defaults =
      read_yaml("flag: x\ntreatment: on\ncontrol: off\nstages: [{percent: 100}]\n");
  ASSERT_EQ(defaults.size(), 1u);
  EXPECT_EQ(defaults[0].checks.error_rate.false_alarm_budget, 0.01);
  EXPECT_EQ(rollout::judge_settings(defaults[0], 0).error_rate->false_alarm_budget,
            judge::ErrorRateCheck{}.false_alarm_budget);
}

// Paused by a warning, then clean intervals: the policy's `auto_resume_after` resumes, and
// StepOptions still overrides it.
TEST(PolicyFields, AutoResumeAfterDrivesStep) {
  auto policies = read_yaml(
      "flag: checkout\ntreatment: on\ncontrol: off\ninterval: 1m\nmin_samples: 1000\n"
      "auto_resume_after: 2\n"
      "stages: [{percent: 10}, {percent: 100}]\n"
      "checks: {error_rate: {warning: 1.5}}\n");
  ASSERT_EQ(policies.size(), 1u);
  const Policy& policy = policies[0];
  EXPECT_EQ(policy.auto_resume_after, 2u);

  const rollout::TimePoint t0 = rollout::TimePoint{} + std::chrono::hours(24 * 365 * 56);
  rollout::RolloutState paused = rollout::initial_state(policy);
  paused.phase = rollout::Phase::paused;
  paused.pause_cause = rollout::PauseCause::warning;
  paused.paused_by = "controller";
  paused.treatment_bp = 1000;
  paused.healthy_intervals = 1;
  paused.stage_started_at = t0;
  paused.window_started_at = t0;
  rollout::Observations clean;
  clean.treatment = {5000, 50, {}, {}};
  clean.control = {45000, 450, {}, {}};
  const auto now = t0 + std::chrono::minutes(2);

  EXPECT_EQ(rollout::step(policy, paused, clean, now).kind, rollout::DecisionKind::resume);
  const rollout::Decision held = rollout::step(policy, paused, clean, now, rollout::StepOptions{3});
  EXPECT_EQ(held.kind, rollout::DecisionKind::hold);
  EXPECT_NE(held.sentence.find("healthy for 2 intervals of 3 for auto-resume"), std::string::npos)
      << held.sentence;

  Policy manual = policy;
  manual.auto_resume_after.reset();
  const rollout::Decision waiting = rollout::step(manual, paused, clean, now);
  EXPECT_EQ(waiting.kind, rollout::DecisionKind::hold);
  EXPECT_NE(waiting.sentence.find("waiting for a person to resume"), std::string::npos)
      << waiting.sentence;
  EXPECT_EQ(rollout::step(manual, paused, clean, now, rollout::StepOptions{2}).kind,
            rollout::DecisionKind::resume);
}

}  // namespace
}  // namespace sluice
