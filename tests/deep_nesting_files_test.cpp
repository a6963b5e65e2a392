// Every file reader against 100,000 levels of nesting: a clear diagnostic with file and line, no
// crash. yaml-cpp's own recursion guard stops at 2,000 levels; the readers stop far earlier.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "run_command.hpp"
#include "serve_config.hpp"
#include "sluice/flag_loader.hpp"
#include "sluice/notify/settings.hpp"
#include "sluice/policy_loader.hpp"

namespace sluice {
namespace {

using ::testing::HasSubstr;

constexpr int kLevels = 100'000;

std::string repeated(std::string_view piece, int times) {
  std::string out;
  out.reserve(piece.size() * static_cast<std::size_t>(times));
  for (int i = 0; i < times; ++i)
    out += piece;
  return out;
}

// [[[...]]] : a YAML flow sequence, and JSON.
std::string brackets(int levels) {
  return repeated("[", levels) + repeated("]", levels);
}

// "- - - - x": each "- " opens a block sequence inside the previous one.
std::string block_sequences(int levels) {
  return repeated("- ", levels) + "x\n";
}

// "a:\n b:\n  c:\n..." : block mappings, one more space each level (the text grows as n²/2, so
// fewer levels: the reader has to stop long before anyway).
std::string block_mappings(int levels) {
  std::string out;
  for (int i = 0; i < levels; ++i)
    out += std::string(static_cast<std::size_t>(i), ' ') + "k:\n";
  return out;
}

std::string joined(const Diagnostics& diagnostics) {
  std::string out;
  for (const auto& d : diagnostics)
    out += d.format() + "\n";
  return out;
}

std::string joined(const std::vector<std::string>& errors) {
  std::string out;
  for (const auto& e : errors)
    out += e + "\n";
  return out;
}

TEST(DeepNestingFiles, FlagYamlFlowSequence) {
  LoadResult result;
  read_flag_yaml("key: deep\nvariants:\n  on: " + brackets(kLevels) + "\n", "f.yaml", result);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(joined(result.diagnostics), HasSubstr("f.yaml:3:"));
  EXPECT_THAT(joined(result.diagnostics), HasSubstr("nested more than 200 levels deep"));
}

TEST(DeepNestingFiles, FlagYamlBlockSequences) {
  LoadResult result;
  read_flag_yaml(block_sequences(kLevels), "f.yaml", result);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(joined(result.diagnostics), HasSubstr("f.yaml:1:"));
  EXPECT_THAT(joined(result.diagnostics), HasSubstr("nested more than 200 levels deep"));
}

TEST(DeepNestingFiles, FlagYamlBlockMappings) {
  LoadResult result;
  read_flag_yaml(block_mappings(3000), "f.yaml", result);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(joined(result.diagnostics), HasSubstr("f.yaml:"));
  EXPECT_THAT(joined(result.diagnostics), HasSubstr("nested more than 200 levels deep"));
}

TEST(DeepNestingFiles, FlagJson) {
  LoadResult result;
  read_flag_json(R"({"key":"deep","variants":{"on":)" + brackets(kLevels) + "}}", "f.json", result);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(joined(result.diagnostics), HasSubstr("f.json"));
  EXPECT_THAT(joined(result.diagnostics), HasSubstr("nested more than 200 levels deep"));
}

TEST(DeepNestingFiles, PolicyYamlAndJson) {
  PolicyLoadResult yaml;
  read_policy_yaml("flag: deep\nstages: " + brackets(kLevels) + "\n", "p.yaml", yaml);
  EXPECT_THAT(joined(yaml.diagnostics), HasSubstr("p.yaml:2:"));
  EXPECT_THAT(joined(yaml.diagnostics), HasSubstr("nested more than 200 levels deep"));
  PolicyLoadResult json;
  read_policy_json(R"({"flag":"deep","stages":)" + brackets(kLevels) + "}", "p.json", json);
  EXPECT_THAT(joined(json.diagnostics), HasSubstr("nested more than 200 levels deep"));
}

TEST(DeepNestingFiles, NotificationSettings) {
  testing::TempDir dir;
  for (const std::string& text :
       {"defaults: " + brackets(kLevels) + "\n", "targets:\n" + block_sequences(kLevels)}) {
    const std::string path = dir.write("notifications.yaml", text);
    const auto result = notify::load_settings(
        path, [](const std::string&) { return std::optional<std::string>(); });
    ASSERT_FALSE(result.errors.empty());
    EXPECT_THAT(joined(result.errors), HasSubstr(path + ":")) << joined(result.errors);
    EXPECT_THAT(joined(result.errors), HasSubstr("levels deep")) << joined(result.errors);
  }
}

TEST(DeepNestingFiles, ServeConfig) {
  testing::TempDir dir;
  for (const std::string& text :
       {"listen: " + brackets(kLevels) + "\n", "listen:\n" + block_sequences(kLevels)}) {
    const std::string path = dir.write("sluice.yaml", text);
    const auto result = app::load_serve_config(
        path, [](const std::string&) { return std::optional<std::string>(); }, {});
    ASSERT_FALSE(result.errors.empty());
    EXPECT_THAT(joined(result.errors), HasSubstr(path + ":")) << joined(result.errors);
    EXPECT_THAT(joined(result.errors), HasSubstr("levels deep")) << joined(result.errors);
  }
}

TEST(DeepNestingFiles, HistoryImportJson) {
  testing::TempDir dir;
  const std::string path =
      dir.write("deep.json", R"({"schema_version":1,"rollouts":[{"id":"a","stages":)" +
                                 brackets(kLevels) + "}]}");
  const auto imported = testing::run_command(std::string(SLUICE_BINARY) + " history import " +
                                             path + " --store sqlite:" + dir.path() + "/s.db");
  EXPECT_EQ(imported.exit_code, 1) << imported.out << imported.err;
  EXPECT_THAT(imported.err, HasSubstr(path)) << imported.err;
  EXPECT_THAT(imported.err, HasSubstr("levels deep")) << imported.err;
}

}  // namespace
}  // namespace sluice
