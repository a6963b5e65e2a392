// The judge's tables as data (verdicts, and histogram quantiles): every tests/data/judge/*.json
// file (format in tests/data/judge/README.md), one gtest test per case named
// <file>_<index>_<description>.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sluice/judge.hpp"
#include "statistics.hpp"

namespace sluice::judge {
namespace {

using Json = nlohmann::json;

const std::filesystem::path kJudgeDir =
    std::filesystem::path(SLUICE_SOURCE_DIR) / "tests" / "data" / "judge";

struct JudgeCase {
  std::string file;
  std::size_t index = 0;
  std::string description;
  Json test;
  std::string problem;  // set when the file could not be read: the case fails
};

void PrintTo(const JudgeCase& c, std::ostream* out) {
  *out << c.file << ".json test " << c.index << ": " << c.description;
}

std::vector<std::filesystem::path> judge_files() {
  std::vector<std::filesystem::path> files;
  if (!std::filesystem::is_directory(kJudgeDir)) return files;
  for (const auto& entry : std::filesystem::directory_iterator(kJudgeDir))
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<JudgeCase> cases_of(const std::filesystem::path& path) {
  JudgeCase whole{path.stem().string(), 0, "file", Json(), ""};
  Json file;
  try {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    file = Json::parse(text.str());
  } catch (const std::exception& e) {
    whole.problem = std::string("not JSON: ") + e.what();
    return {whole};
  }
  if (!file.is_object() || !file.contains("tests") || !file["tests"].is_array() ||
      file["tests"].empty()) {
    whole.problem = "a file is an object with a non-empty \"tests\" array";
    return {whole};
  }
  std::vector<JudgeCase> cases;
  for (std::size_t i = 0; i < file["tests"].size(); ++i) {
    const Json& test = file["tests"][i];
    JudgeCase c{whole.file, i, test.value("description", ""), test, ""};
    if (c.description.empty()) c.problem = "a test needs a \"description\"";
    cases.push_back(std::move(c));
  }
  return cases;
}

std::vector<JudgeCase> all_cases() {
  std::vector<JudgeCase> cases;
  for (const auto& path : judge_files()) {
    auto of_file = cases_of(path);
    cases.insert(cases.end(), of_file.begin(), of_file.end());
  }
  return cases;
}

// A number, or one of the strings "NaN", "Infinity", "-Infinity" (JSON has none of them).
double number(const Json& j) {
  if (j.is_number()) return j.get<double>();
  const std::string text = j.get<std::string>();
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (text == "Infinity") return std::numeric_limits<double>::infinity();
  if (text == "-Infinity") return -std::numeric_limits<double>::infinity();
  throw std::runtime_error("not a number: " + j.dump());
}

std::optional<double> level(const Json& object, const char* key, std::optional<double> fallback) {
  if (!object.contains(key)) return fallback;
  if (object[key].is_null()) return std::nullopt;
  return number(object[key]);
}

// Fields absent keep the C++ defaults; `null` unsets an optional level.
ErrorRateCheck error_rate_check(const Json& j) {
  ErrorRateCheck c;
  c.warning_ratio = level(j, "warning_ratio", c.warning_ratio);
  c.critical_ratio = *level(j, "critical_ratio", c.critical_ratio);
  c.control_floor = *level(j, "control_floor", c.control_floor);
  c.min_samples = *level(j, "min_samples", c.min_samples);
  c.false_alarm_budget = *level(j, "false_alarm_budget", c.false_alarm_budget);
  c.null_ratio = *level(j, "null_ratio", c.null_ratio);
  return c;
}

LatencyCheck latency_check(const Json& j) {
  LatencyCheck c;
  c.quantile = *level(j, "quantile", c.quantile);
  c.warning_ratio = level(j, "warning_ratio", c.warning_ratio);
  c.critical_ratio = level(j, "critical_ratio", c.critical_ratio);
  c.warning_bound = level(j, "warning_bound", c.warning_bound);
  c.critical_bound = level(j, "critical_bound", c.critical_bound);
  c.min_samples = *level(j, "min_samples", c.min_samples);
  return c;
}

CustomCheck custom_check(const Json& j) {
  CustomCheck c;
  c.name = j.at("name").get<std::string>();
  const std::string direction = j.value("direction", "higher_is_worse");
  if (direction != "higher_is_worse" && direction != "lower_is_worse")
    throw std::runtime_error("direction is higher_is_worse or lower_is_worse");
  c.direction =
      direction == "lower_is_worse" ? Direction::lower_is_worse : Direction::higher_is_worse;
  c.warning_bound = level(j, "warning_bound", c.warning_bound);
  c.critical_bound = level(j, "critical_bound", c.critical_bound);
  c.compare_to_control = j.value("compare_to_control", c.compare_to_control);
  c.min_samples = *level(j, "min_samples", c.min_samples);
  return c;
}

Settings settings(const Json& j) {
  Settings s;
  if (j.contains("error_rate")) {
    if (j["error_rate"].is_null())
      s.error_rate.reset();
    else
      s.error_rate = error_rate_check(j["error_rate"]);
  }
  if (j.contains("latency")) s.latency = latency_check(j["latency"]);
  if (j.contains("custom")) {
    for (const Json& custom : j["custom"])
      s.custom.push_back(custom_check(custom));
  }
  return s;
}

VariantObservation variant(const Json& j) {
  VariantObservation v;
  v.requests = number(j.at("requests"));
  v.errors = number(j.at("errors"));
  if (j.contains("latency")) {
    for (const Json& bucket : j["latency"])
      v.latency.push_back(HistogramBucket{number(bucket.at(0)), number(bucket.at(1))});
  }
  if (j.contains("custom")) {
    for (const auto& [name, value] : j["custom"].items())
      v.custom[name] = number(value);
  }
  return v;
}

Observations observations(const Json& j) {
  Observations o;
  o.treatment = variant(j.at("treatment"));
  o.control = variant(j.at("control"));
  if (!j.at("expected_treatment_share_bp").is_null())
    o.expected_treatment_share_bp = j["expected_treatment_share_bp"].get<int>();
  return o;
}

// A histogram_quantile case: `expected.value` within 1e-12, or null for no value and a problem.
void check_quantile(const Json& test) {
  std::vector<HistogramBucket> buckets;
  for (const Json& bucket : test.at("buckets"))
    buckets.push_back(HistogramBucket{number(bucket.at(0)), number(bucket.at(1))});
  const QuantileResult r = histogram_quantile(number(test.at("quantile")), buckets);
  const Json& expected = test.at("expected").at("value");
  if (expected.is_null()) {
    EXPECT_TRUE(std::isnan(r.value)) << r.value;
    EXPECT_FALSE(r.problem.empty());
  } else {
    EXPECT_NEAR(r.value, number(expected), 1e-12);
    EXPECT_TRUE(r.problem.empty()) << r.problem;
  }
}

void check(const JudgeCase& c) {
  ASSERT_EQ(c.problem, "");
  const Json& test = c.test;
  if (test.contains("buckets")) {
    check_quantile(test);
    return;
  }
  const Settings configured = test.contains("settings") ? settings(test["settings"]) : Settings{};
  const Judgement j = evaluate(configured, observations(test.at("observations")));
  const std::string name = test.at("check").get<std::string>();
  const auto found = std::find_if(j.checks.begin(), j.checks.end(),
                                  [&](const CheckResult& r) { return r.check == name; });
  ASSERT_NE(found, j.checks.end()) << "no check " << name;
  const Json& expected = test.at("expected");
  EXPECT_EQ(to_string(found->verdict), expected.at("verdict").get<std::string>())
      << found->explanation;
  EXPECT_NE(found->explanation.find(expected.at("explanation_contains").get<std::string>()),
            std::string::npos)
      << found->explanation;
}

class JudgeData : public ::testing::TestWithParam<JudgeCase> {};

TEST_P(JudgeData, GivesTheExpectedResult) {
  SCOPED_TRACE(GetParam().file + ".json test " + std::to_string(GetParam().index) + ": " +
               GetParam().description);
  try {
    check(GetParam());
  } catch (const std::exception& e) {
    FAIL() << "malformed case: " << e.what();
  }
}

std::string case_name(const ::testing::TestParamInfo<JudgeCase>& info) {
  std::string name =
      info.param.file + "_" + std::to_string(info.param.index) + "_" + info.param.description;
  for (char& ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(Judge, JudgeData, ::testing::ValuesIn(all_cases()), case_name);

// A runner that finds nothing passes without testing anything: fail instead.
TEST(JudgeDataFiles, EveryFileHasCases) {
  const auto files = judge_files();
  ASSERT_FALSE(files.empty()) << kJudgeDir;
  for (const auto& path : files) {
    SCOPED_TRACE(path.filename().string());
    const auto cases = cases_of(path);
    ASSERT_FALSE(cases.empty());
    EXPECT_EQ(cases.front().problem, "");
  }
}

}  // namespace
}  // namespace sluice::judge
