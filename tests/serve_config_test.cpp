#include <gmock/gmock.h>
#include <gtest/gtest.h>

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
                          file + ":3:1: unknown setting 'colour'",
                          "SLUICE_LOG_FORMAT: 'log_format' must be one of text, json, got 'xml'",
                          "--store: 'store' must be sqlite:PATH or a postgresql:// URL, got "
                          "'mysql://x'"));
}

TEST(ServeConfig, MissingFileIsAnError) {
  auto result = load_serve_config(std::string("/nonexistent/sluice.yaml"), no_environment(), {});
  EXPECT_FALSE(result.config);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_THAT(result.errors[0], HasSubstr("cannot read"));
}

}  // namespace
}  // namespace sluice::app
