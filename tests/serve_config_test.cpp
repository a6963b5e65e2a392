#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <re2/re2.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "run_command.hpp"
#include "serve_config.hpp"

namespace sluice::app {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Environment no_environment() {
  return [](const std::string&) { return std::optional<std::string>(); };
}

TEST(ServeConfig, Defaults) {
  auto result = load_serve_config(std::nullopt, no_environment(), {});
  ASSERT_TRUE(result.config);
  EXPECT_EQ(result.config->listen, "127.0.0.1:8080");
  EXPECT_EQ(result.config->store, "sqlite:./sluice.db");
  EXPECT_EQ(result.config->flags_dir, "");
  EXPECT_EQ(result.config->threads, 2);
}

TEST(ServeConfig, FileThenEnvironmentThenFlags) {
  testing::TempDir dir;
  std::string file = dir.write("sluice.yaml",
                               "listen: 0.0.0.0:9000\nstore: sqlite:/var/lib/sluice.db\n"
                               "threads: 4\nflags_dir: /etc/flags\n");
  Environment env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "SLUICE_STORE") return "postgresql://db/sluice";
    if (name == "SLUICE_THREADS") return "3";
    return std::nullopt;
  };
  auto result = load_serve_config(file, env, {{"threads", "8"}});
  ASSERT_TRUE(result.config) << ::testing::PrintToString(result.errors);
  EXPECT_EQ(result.config->listen, "0.0.0.0:9000");           // file
  EXPECT_EQ(result.config->flags_dir, "/etc/flags");          // file
  EXPECT_EQ(result.config->store, "postgresql://db/sluice");  // environment beats file
  EXPECT_EQ(result.config->threads, 8);                       // flag beats environment
}

TEST(ServeConfig, ErrorsNameWhereAndWhat) {
  testing::TempDir dir;
  std::string file = dir.write("bad.yaml", "listen: nowhere\nthreads: lots\ncolour: blue\n");
  Environment env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "SLUICE_LOG_FORMAT") return "xml";
    return std::nullopt;
  };
  auto result = load_serve_config(file, env, {{"store", "mysql://x"}});
  EXPECT_FALSE(result.config);
  EXPECT_THAT(result.errors,
              ElementsAre(file + ":1:1: 'listen' must be HOST:PORT, got 'nowhere'",
                          file + ":2:1: 'threads' must be a whole number from 1 to 64, got 'lots'",
                          "SLUICE_LOG_FORMAT: 'log_format' must be one of text, json, got 'xml'",
                          "--store: 'store' must be sqlite:PATH or a postgresql:// URL, got "
                          "'mysql://x'"));
}

// A key this version does not know is said, with where it is, and ignored.
TEST(ServeConfig, UnknownKeysAreWarnings) {
  testing::TempDir dir;
  std::string file = dir.write("sluice.yaml", "threads: 3\ncolour: blue\nListen: x\n");
  auto result = load_serve_config(file, no_environment(), {});
  ASSERT_TRUE(result.config) << ::testing::PrintToString(result.errors);
  EXPECT_EQ(result.config->threads, 3);
  EXPECT_THAT(result.warnings,
              ElementsAre(file + ":2:1: unknown setting 'colour' (ignored; the settings are in "
                                 "docs/operations.md)",
                          file + ":3:1: unknown setting 'Listen' (ignored; the settings are in "
                                 "docs/operations.md)"));
}

TEST(ServeConfig, MissingFileNamesItsAbsolutePathAndTheReason) {
  testing::TempDir dir;
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  auto result = load_serve_config(std::string("nowhere/sluice.yaml"), no_environment(), {});
  std::filesystem::current_path(cwd);
  EXPECT_FALSE(result.config);
  EXPECT_THAT(result.errors,
              ElementsAre(dir.path() + "/nowhere/sluice.yaml: cannot read the configuration "
                                       "file: No such file or directory"));
  EXPECT_THAT(cannot_read(dir.path(), "the notification settings"),
              ::testing::Optional(dir.path() + ": cannot read the notification settings: Is a "
                                               "directory"));
  EXPECT_EQ(cannot_read(dir.write("n.yaml", ""), "x"), std::nullopt);
}

TEST(ServeConfig, RelativePathsInTheFileAreRelativeToItsFolder) {
  testing::TempDir dir;
  std::string file = dir.write("sluice.yaml",
                               "store: sqlite:data/sluice.db\nflags_dir: flags\n"
                               "notifications: ../shared/notifications.yaml\n");
  auto result = load_serve_config(file, no_environment(), {});
  ASSERT_TRUE(result.config) << ::testing::PrintToString(result.errors);
  const std::string parent = std::filesystem::path(dir.path()).parent_path().string();
  EXPECT_EQ(result.config->store, "sqlite:" + dir.path() + "/data/sluice.db");
  EXPECT_EQ(result.config->flags_dir, dir.path() + "/flags");
  EXPECT_EQ(result.config->notifications, parent + "/shared/notifications.yaml");
  // Absolute paths stay; the environment and flags are relative to the working directory.
  std::string absolute = dir.write("abs.yaml", "flags_dir: /etc/flags\nstore: sqlite:/x.db\n");
  auto kept = load_serve_config(absolute, no_environment(), {{"notifications", "n.yaml"}});
  ASSERT_TRUE(kept.config);
  EXPECT_EQ(kept.config->flags_dir, "/etc/flags");
  EXPECT_EQ(kept.config->store, "sqlite:/x.db");
  EXPECT_EQ(kept.config->notifications, "n.yaml");
}

TEST(ServeConfig, ErrorsDoNotRepeatPasswords) {
  Environment env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "SLUICE_PROMETHEUS_URL") return "https://prom:s3cret-prom@metrics";
    return std::nullopt;
  };
  auto result = load_serve_config(std::nullopt, env, {{"store", "mysql://u:s3cret-db@host/db"}});
  EXPECT_THAT(result.errors,
              ElementsAre("SLUICE_PROMETHEUS_URL: 'prometheus_url' must be an http:// URL such as "
                          "http://127.0.0.1:9090, got 'https://prom:***@metrics'",
                          "--store: 'store' must be sqlite:PATH or a postgresql:// URL, got "
                          "'mysql://u:***@host/db'"));
}

// Every setting in the list has its default, and its example is honoured from its upper-case
// variable (SLUICE_FLAGS_DIR), its flag and the file.
TEST(ServeConfig, EverySettingIsHonouredFromEachSource) {
  auto defaults = load_serve_config(std::nullopt, no_environment(), {});
  ASSERT_TRUE(defaults.config);
  testing::TempDir dir;
  for (const auto& setting : serve_settings()) {
    SCOPED_TRACE(setting.name);
    EXPECT_EQ(serve_setting_text(*defaults.config, setting.name), setting.default_value);
    ASSERT_NE(setting.example, setting.default_value);
    const std::string variable = serve_environment_name(setting.name);
    Environment env = [&](const std::string& name) -> std::optional<std::string> {
      if (name == variable) return setting.example;
      return std::nullopt;
    };
    auto from_env = load_serve_config(std::nullopt, env, {});
    ASSERT_TRUE(from_env.config) << ::testing::PrintToString(from_env.errors);
    EXPECT_EQ(serve_setting_text(*from_env.config, setting.name), setting.example);
    auto from_flag =
        load_serve_config(std::nullopt, no_environment(), {{setting.name, setting.example}});
    ASSERT_TRUE(from_flag.config);
    EXPECT_EQ(serve_setting_text(*from_flag.config, setting.name), setting.example);
    auto file = dir.write(setting.name + ".yaml", setting.name + ": " + setting.example + "\n");
    auto from_file = load_serve_config(file, no_environment(), {});
    ASSERT_TRUE(from_file.config);
    EXPECT_TRUE(from_file.warnings.empty());
    EXPECT_EQ(serve_setting_text(*from_file.config, setting.name), setting.example);
  }
  // Names the reader does not know from the list are refused (none is missing from it).
  EXPECT_FALSE(load_serve_config(std::nullopt, no_environment(), {{"colour", "blue"}}).config);
}

// The allowed values written in the list are the ones the reader accepts: whole-number ranges
// at both ends, and each word of a choice.
TEST(ServeConfig, AllowedValuesInTheListMatchTheReader) {
  const RE2 range(R"((\d+) to (\d+).*)");
  const RE2 choice(R"([a-z]+(?:, [a-z]+)+)");
  auto accepts = [](const std::string& name, const std::string& value) {
    return load_serve_config(std::nullopt, no_environment(), {{name, value}}).config.has_value();
  };
  int ranges = 0;
  int choices = 0;
  for (const auto& setting : serve_settings()) {
    SCOPED_TRACE(setting.name);
    long long min = 0;
    long long max = 0;
    if (RE2::FullMatch(setting.allowed, range, &min, &max)) {
      ++ranges;
      EXPECT_TRUE(accepts(setting.name, std::to_string(min)));
      EXPECT_TRUE(accepts(setting.name, std::to_string(max)));
      EXPECT_FALSE(accepts(setting.name, std::to_string(min - 1)));
      EXPECT_FALSE(accepts(setting.name, std::to_string(max + 1)));
    } else if (RE2::FullMatch(setting.allowed, choice)) {
      ++choices;
      std::stringstream words(setting.allowed);
      for (std::string word; std::getline(words >> std::ws, word, ',');)
        EXPECT_TRUE(accepts(setting.name, word)) << word;
      EXPECT_FALSE(accepts(setting.name, "other"));
    }
  }
  EXPECT_GT(ranges, 0) << "no setting's allowed values read as a range";
  EXPECT_GT(choices, 0) << "no setting's allowed values read as a choice";
}

TEST(ServeConfig, WarnsAboutUnknownSluiceVariablesOnly) {
  EXPECT_THAT(unknown_environment_warnings({"PATH", "SLUICE_listen", "SLUICE_PROMETHEUS",
                                            "SLUICE_SLACK_URL", "SLUICE_STORE"},
                                           {"SLUICE_SLACK_URL"}),
              ElementsAre(HasSubstr("unknown environment variable SLUICE_listen (ignored"),
                          HasSubstr("unknown environment variable SLUICE_PROMETHEUS (ignored")));
}

// Every SLUICE_* variable that any subcommand reads (a string literal in app/) is known, and so
// is every setting's: none of them is warned about.
TEST(ServeConfig, VariablesTheProgramReadsAreKnown) {
  std::vector<std::string> read;
  const RE2 literal("\"(SLUICE_[A-Z_]+)\"");
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(SLUICE_SOURCE_DIR) + "/app")) {
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    const std::string source = text.str();
    re2::StringPiece rest(source);
    for (std::string name; RE2::FindAndConsume(&rest, literal, &name);)
      read.push_back(name);
  }
  EXPECT_THAT(read, ::testing::Contains("SLUICE_SERVER"));
  EXPECT_THAT(read, ::testing::Contains("SLUICE_TOKEN"));
  for (const auto& name : serve_setting_names())
    read.push_back(serve_environment_name(name));
  EXPECT_THAT(unknown_environment_warnings(read, {}), ::testing::IsEmpty());
}

// docs/operations.md's table of settings is this list, written out; when a setting changes,
// the failure shows the table to paste.
TEST(ServeConfig, OperationsDocumentListsEverySetting) {
  std::string table =
      "| key | environment | flag | default | allowed values | what |\n"
      "| --- | --- | --- | --- | --- | --- |\n";
  for (const auto& s : serve_settings()) {
    table += "| `" + s.name + "` | `" + serve_environment_name(s.name) + "` | `" +
             serve_flag_name(s.name) + "` | " +
             (s.default_value.empty() ? "none" : "`" + s.default_value + "`") + " | " + s.allowed +
             " | " + s.help + " |\n";
  }
  std::ifstream in(std::string(SLUICE_SOURCE_DIR) + "/docs/operations.md");
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  const std::string begin = "<!-- settings table: generated, checked by tests -->\n";
  const auto start = doc.find(begin);
  ASSERT_NE(start, std::string::npos) << "docs/operations.md has no settings table";
  const auto end = doc.find("\n\n", start + begin.size());
  EXPECT_EQ(doc.substr(start + begin.size(), end + 1 - start - begin.size()), table);
}

}  // namespace
}  // namespace sluice::app
