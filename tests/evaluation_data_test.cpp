// The shared evaluation conformance cases: every tests/data/evaluation/*.json file, in the format
// tests/data/evaluation/README.md defines, evaluated by the C++ engine. SDKs in other languages
// run the same files. Each case is one gtest test named <file>/<index>_<description>.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sluice/context_json.hpp"
#include "sluice/flag_loader.hpp"
#include "test_flags.hpp"

namespace sluice {
namespace {

// Files are read keeping key order: a flag's variants are listed in the order written.
using Json = nlohmann::ordered_json;

const std::filesystem::path kEvaluationDir =
    std::filesystem::path(SLUICE_SOURCE_DIR) / "tests" / "data" / "evaluation";

// One test of one file; `problem` is set when the file or the case could not be read, so that
// the case fails instead of disappearing.
struct DataCase {
  std::string file;  // stem, e.g. "operator_equals"
  std::size_t index = 0;
  std::string description;
  Json test;
  std::string problem;
};

// gtest prints a failing case's parameter: name it instead of dumping its bytes.
void PrintTo(const DataCase& c, std::ostream* out) {
  *out << c.file << ".json test " << c.index << ": " << c.description;
}

std::vector<std::filesystem::path> evaluation_files() {
  std::vector<std::filesystem::path> files;
  if (!std::filesystem::is_directory(kEvaluationDir)) return files;
  for (const auto& entry : std::filesystem::directory_iterator(kEvaluationDir))
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

Json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return Json::parse(text.str());
}

// Keys outside `allowed` are typos the format does not define: they fail the case.
std::string unknown_keys(const Json& object, const std::set<std::string>& allowed) {
  std::string unknown;
  for (const auto& [key, value] : object.items())
    if (!allowed.contains(key)) unknown += (unknown.empty() ? "" : ", ") + key;
  return unknown;
}

std::vector<DataCase> cases_of(const std::filesystem::path& path) {
  DataCase whole{path.stem().string(), 0, "file", Json(), ""};
  Json file;
  try {
    file = read_json(path);
  } catch (const std::exception& e) {
    whole.problem = std::string("not JSON: ") + e.what();
    return {whole};
  }
  if (!file.is_object() || !file.contains("tests") || !file["tests"].is_array() ||
      file["tests"].empty()) {
    whole.problem = "a file is an object with a non-empty \"tests\" array";
    return {whole};
  }
  if (auto bad = unknown_keys(file, {"description", "flags", "segments", "tests"}); !bad.empty()) {
    whole.problem = "unknown top-level keys: " + bad;
    return {whole};
  }
  std::vector<DataCase> cases;
  for (std::size_t i = 0; i < file["tests"].size(); ++i) {
    const Json& test = file["tests"][i];
    DataCase c{whole.file, i, "", test, ""};
    if (test.is_object() && test.contains("description") && test["description"].is_string())
      c.description = test["description"].get<std::string>();
    else
      c.problem = "a test needs a string \"description\"";
    cases.push_back(std::move(c));
  }
  return cases;
}

std::vector<DataCase> all_cases() {
  std::vector<DataCase> cases;
  for (const auto& path : evaluation_files()) {
    auto of_file = cases_of(path);
    cases.insert(cases.end(), of_file.begin(), of_file.end());
  }
  return cases;
}

// The file's flags and segments compiled once; diagnostics fail every case of the file.
struct CompiledFile {
  std::shared_ptr<const Snapshot> snapshot;
  std::string problem;
};

const CompiledFile& compiled(const std::string& stem) {
  static std::map<std::string, CompiledFile> cache;
  auto found = cache.find(stem);
  if (found != cache.end()) return found->second;
  CompiledFile& out = cache[stem];
  const Json file = read_json(kEvaluationDir / (stem + ".json"));
  Json bundle = Json::object();
  bundle["flags"] = file.value("flags", Json::array());
  bundle["segments"] = file.value("segments", Json::array());
  LoadResult loaded;
  read_flag_json(bundle.dump(), stem + ".json", loaded);
  for (const auto& d : loaded.diagnostics)
    out.problem += d.format() + "\n";
  if (!out.problem.empty()) return out;
  CompileResult result = compile_snapshot(std::move(loaded.definitions));
  for (const auto& d : result.diagnostics)
    out.problem += d.format() + "\n";
  out.snapshot = result.snapshot;
  return out;
}

std::optional<ValueType> requested_type(const Json& test, std::string& problem) {
  if (!test.contains("type")) return std::nullopt;
  const std::string type = test["type"].is_string() ? test["type"].get<std::string>() : "";
  if (type == "boolean") return ValueType::Boolean;
  if (type == "string") return ValueType::String;
  if (type == "number") return ValueType::Number;
  if (type == "object") return ValueType::Object;
  problem = "\"type\" is one of boolean, string, number, object";
  return std::nullopt;
}

void check(const DataCase& c) {
  ASSERT_EQ(c.problem, "");
  const Json& test = c.test;
  ASSERT_EQ(unknown_keys(test, {"description", "flag", "context", "type", "expected"}), "");
  ASSERT_TRUE(test.contains("flag") && test["flag"].is_string()) << "a test names its \"flag\"";
  ASSERT_TRUE(test.contains("expected") && test["expected"].is_object());
  const Json& expected = test["expected"];
  ASSERT_EQ(
      unknown_keys(expected, {"value", "variant", "reason", "errorCode", "ruleIndex", "ruleName"}),
      "");
  ASSERT_TRUE(expected.contains("reason")) << "every test states the reason";
  const CompiledFile& file = compiled(c.file);
  ASSERT_EQ(file.problem, "");
  ASSERT_NE(file.snapshot, nullptr);

  std::string error;
  std::optional<Context> context =
      context_from_json(nlohmann::json::parse(test.value("context", Json::object()).dump()), error);
  ASSERT_TRUE(context.has_value()) << error;
  std::string problem;
  const std::optional<ValueType> type = requested_type(test, problem);
  ASSERT_EQ(problem, "");
  const test::Outcome got =
      test::evaluate(*file.snapshot, test["flag"].get<std::string>(), *context, type);

  EXPECT_EQ(to_string(got.reason), expected["reason"].get<std::string>()) << "reason";
  EXPECT_EQ(to_string(got.error), expected.value("errorCode", std::string()))
      << "errorCode (absent: none)";
  EXPECT_EQ(got.variant, expected.value("variant", std::string())) << "variant (absent: none)";
  if (expected.contains("value")) {
    ASSERT_TRUE(got.value.has_value()) << "value: expected " << expected["value"].dump();
    // Compared as JSON: 1 equals 1.0, and an object's members in any order.
    EXPECT_EQ(nlohmann::json::parse(got.value->to_json()),
              nlohmann::json::parse(expected["value"].dump()))
        << "value";
  } else {
    EXPECT_FALSE(got.value.has_value()) << "value (absent: the caller's default applies)";
  }
  if (expected.contains("ruleIndex")) {
    // null: no rule served (the C++ engine's -1).
    const int rule_index = expected["ruleIndex"].is_null() ? -1 : expected["ruleIndex"].get<int>();
    EXPECT_EQ(got.rule_index, rule_index) << "ruleIndex";
  }
  if (expected.contains("ruleName")) {
    EXPECT_EQ(got.rule_name, expected["ruleName"].get<std::string>()) << "ruleName";
  }
}

class EvaluationData : public ::testing::TestWithParam<DataCase> {};

TEST_P(EvaluationData, EvaluatesAsExpected) {
  SCOPED_TRACE(GetParam().file + ".json test " + std::to_string(GetParam().index) + ": " +
               GetParam().description);
  check(GetParam());
}

std::string case_name(const ::testing::TestParamInfo<DataCase>& info) {
  std::string name =
      info.param.file + "_" + std::to_string(info.param.index) + "_" + info.param.description;
  for (char& ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(Conformance, EvaluationData, ::testing::ValuesIn(all_cases()), case_name);

// A runner that finds nothing passes without testing anything: fail instead.
TEST(EvaluationDataFiles, EveryFileHasCases) {
  const auto files = evaluation_files();
  ASSERT_FALSE(files.empty()) << kEvaluationDir;
  for (const auto& path : files) {
    SCOPED_TRACE(path.filename().string());
    const auto cases = cases_of(path);
    ASSERT_FALSE(cases.empty());
    EXPECT_EQ(cases.front().problem, "");
  }
}

}  // namespace
}  // namespace sluice
