// What an operator sees of `sluice serve` (docs/operations.md): no secret in any log line, error,
// API answer or /metrics; warnings for unknown settings; paths relative to the config file;
// clear one-line errors for unreadable files and a port in use.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <re2/re2.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <thread>

#include "http_client.hpp"
#include "postgres_server.hpp"
#include "run_command.hpp"
#include "sluice_process.hpp"
#include "wait_until.hpp"

namespace sluice {
namespace {

using ::testing::HasSubstr;
using testing::HttpClient;
using ::testing::Not;
using testing::SluiceProcess;

const std::string kSluice = SLUICE_BINARY;
const std::string kExamples = std::string(SLUICE_SOURCE_DIR) + "/examples/flags";
constexpr const char* kStorePassword = "Pg-s3cret-7f3a";
constexpr const char* kPrometheusPassword = "Prom-s3cret-91c2";
constexpr const char* kHookPathSecret = "T00000/B00000/XhookPathSecret";
constexpr const char* kHookQuerySecret = "hookQuerySecret";

// Fails with every secret of these tests that `text` contains.
void expect_no_secret(const std::string& where, const std::string& text) {
  for (const char* secret : {kStorePassword, kPrometheusPassword, "XhookPathSecret",
                             kHookQuerySecret, "hook-signing-secret"}) {
    EXPECT_THAT(text, Not(HasSubstr(secret))) << where << " shows a secret:\n" << text;
  }
}

// Waits up to 15 s for `text` in the server's log.
bool wait_for_log(const SluiceProcess& server, const std::string& text) {
  return testing::wait_until([&] { return server.log().find(text) != std::string::npos; },
                             std::chrono::seconds(15));
}

// A PostgreSQL database owned by a role that logs in with kStorePassword; its URL carries it.
std::string database_with_password() {
  auto& postgres = testing::shared_postgres();
  const std::string admin_url = postgres.create_database();
  const std::string database = admin_url.substr(admin_url.rfind('/') + 1);
  const std::string role = "owner_" + database;
  postgres.execute(admin_url, "CREATE ROLE " + role + " LOGIN PASSWORD '" + kStorePassword + "'");
  postgres.execute(admin_url, "ALTER DATABASE " + database + " OWNER TO " + role);
  postgres.require_password(role, database);
  return "postgresql://" + role + ":" + kStorePassword +
         "@127.0.0.1:" + std::to_string(postgres.port()) + "/" + database;
}

TEST(ServeOperations, PostgresBackedStartShowsNoSecretAnywhere) {
  SLUICE_REQUIRE_POSTGRES();
  const std::string store = database_with_password();
  testing::TempDir dir;
  // A webhook whose path and query are credentials, like a Slack webhook URL; port 1 refuses,
  // so the delivery worker logs a failed attempt.
  const std::string notifications =
      dir.write("notifications.yaml", std::string("defaults: [hook]\nbackoff_min: 1s\ntargets:\n"
                                                  "  - name: hook\n    type: webhook\n"
                                                  "    url: http://127.0.0.1:1/services/") +
                                          kHookPathSecret + "?token=" + kHookQuerySecret +
                                          "\n    secret_env: SLUICE_TEST_HOOK_SECRET\n");
  auto created = testing::run_command("SLUICE_STORE='" + store + "' " + kSluice +
                                      " token create --name ops --scope admin");
  ASSERT_EQ(created.exit_code, 0) << created.err;
  expect_no_secret("token create", created.out + created.err);
  std::string token = created.out.substr(0, created.out.find('\n'));

  SluiceProcess server(
      {"--flags-dir", kExamples, "--notifications", notifications, "--prometheus-url",
       std::string("http://prom:") + kPrometheusPassword + "@127.0.0.1:1"},
      {"SLUICE_STORE=" + store, "SLUICE_TEST_HOOK_SECRET=hook-signing-secret",
       "SLUICE_LOG_LEVEL=debug"},
      dir.path() + "/serve.log");
  HttpClient client(server.port());
  const testing::Headers admin = {{"Authorization", "Bearer " + token}};
  auto metrics = client.get("/metrics");
  EXPECT_EQ(metrics.status, 200);
  expect_no_secret("/metrics", metrics.body);
  // The metrics source is named in this answer, and the unreachable Prometheus's error too.
  auto flag_metrics = client.request("GET", "/v1/flags/ai-chatbot/metrics", "", admin);
  EXPECT_THAT(flag_metrics.body, HasSubstr("prometheus http://prom:***@127.0.0.1:1"));
  expect_no_secret("GET /v1/flags/ai-chatbot/metrics", flag_metrics.body);
  for (const char* path : {"/readyz", "/healthz", "/v1/whoami", "/v1/notifications"}) {
    expect_no_secret(path, client.request("GET", path, "", admin).body);
  }
  auto killed = client.request("POST", "/v1/flags/ai-chatbot/kill", "", admin);
  EXPECT_EQ(killed.status, 200) << killed.body;
  EXPECT_TRUE(wait_for_log(server, "kill_switch to 'hook': failed")) << server.log();
  expect_no_secret("GET /v1/notifications",
                   client.request("GET", "/v1/notifications", "", admin).body);
  EXPECT_EQ(server.terminate(std::chrono::seconds(10)), 0);

  const std::string log = server.log();
  EXPECT_THAT(log, HasSubstr(":***@127.0.0.1:"));  // the store is named, without its password
  expect_no_secret("the server's log", log);
  // Named by the notifications file (secret_env), so not an unknown variable.
  EXPECT_THAT(log, Not(HasSubstr("unknown environment variable")));
}

TEST(ServeOperations, PostgresConnectionErrorsShowNoPassword) {
  SLUICE_REQUIRE_POSTGRES();
  const std::string store = database_with_password();
  // The wrong password is a secret too (often a near miss of the right one).
  std::string wrong_password = store;
  wrong_password.replace(wrong_password.find(kStorePassword), std::strlen(kStorePassword),
                         std::string(kStorePassword) + "-typo");
  const std::string port = std::to_string(testing::shared_postgres().port());
  std::string wrong_port = store;
  wrong_port.replace(wrong_port.find(":" + port + "/"), port.size() + 1, ":1");
  for (const auto& url : {wrong_password, wrong_port}) {
    auto serve =
        testing::run_command(kSluice + " serve --listen 127.0.0.1:0 --store '" + url + "'");
    EXPECT_NE(serve.exit_code, 0);
    EXPECT_THAT(serve.err, HasSubstr("cannot connect"));
    expect_no_secret("sluice serve", serve.out + serve.err);
    auto token = testing::run_command(kSluice + " token list --store '" + url + "'");
    EXPECT_NE(token.exit_code, 0);
    expect_no_secret("sluice token list", token.out + token.err);
  }
  // A store URL that the reader refuses is not echoed with its password either.
  auto refused = testing::run_command(kSluice + " serve --store 'mysql://sluice:" + kStorePassword +
                                      "@127.0.0.1/sluice'");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.err, HasSubstr("'store' must be"));
  expect_no_secret("sluice serve --store mysql://...", refused.out + refused.err);
}

TEST(ServeOperations, PortInUseIsOneClearLine) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  auto* generic = reinterpret_cast<sockaddr*>(&address);  // the sockets API's generic form
  ASSERT_EQ(::bind(fd, generic, length), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  ASSERT_EQ(::getsockname(fd, generic, &length), 0);
  const std::string listen = "127.0.0.1:" + std::to_string(ntohs(address.sin_port));
  testing::TempDir dir;
  auto serve = testing::run_command(kSluice + " serve --listen " + listen +
                                    " --store sqlite:" + dir.path() + "/sluice.db");
  ::close(fd);
  EXPECT_NE(serve.exit_code, 0);
  EXPECT_EQ(serve.out, "");
  EXPECT_EQ(std::count(serve.err.begin(), serve.err.end(), '\n'), 1) << serve.err;
  EXPECT_THAT(serve.err, HasSubstr("cannot listen on " + listen + ": Address already in use"));
  EXPECT_THAT(serve.err, Not(HasSubstr(".hpp")));
  EXPECT_THAT(serve.err, Not(HasSubstr("boost")));
}

// The config file lives in one folder, the server starts in another (the tests' working
// directory, the source tree): `notifications:`, `flags_dir:` and `store: sqlite:` in the file
// are found next to it.
TEST(ServeOperations, RelativePathsInTheConfigFileAreRelativeToIt) {
  testing::TempDir dir;
  std::filesystem::create_directory(dir.path() + "/flags");
  std::filesystem::copy_file(kExamples + "/ai-chatbot.yaml", dir.path() + "/flags/ai-chatbot.yaml");
  dir.write("notifications.yaml", "targets: []\n");
  const std::string config =
      dir.write("sluice.yaml",
                "store: sqlite:data.db\nflags_dir: flags\nnotifications: notifications.yaml\n");
  ASSERT_NE(std::filesystem::current_path(), dir.path());
  SluiceProcess server({"--config", config}, {}, dir.path() + "/serve.log");
  EXPECT_THAT(server.log(), HasSubstr("store sqlite:" + dir.path() + "/data.db, 1 flags"));
  EXPECT_TRUE(wait_for_log(server, "from " + dir.path() + "/notifications.yaml")) << server.log();
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/data.db"));
}

TEST(ServeOperations, UnreadableFilesNameTheAbsolutePathAndTheReason) {
  testing::TempDir dir;
  const std::string config = dir.write("sluice.yaml", "notifications: missing.yaml\n");
  auto missing_notifications =
      testing::run_command(kSluice + " serve --listen 127.0.0.1:0 --config " + config);
  EXPECT_NE(missing_notifications.exit_code, 0);
  EXPECT_THAT(missing_notifications.err,
              HasSubstr(dir.path() +
                        "/missing.yaml: cannot read the notification settings: No such file or "
                        "directory"));
  auto missing_config = testing::run_command("cd " + dir.path() + " && " + kSluice +
                                             " serve --config nowhere/sluice.yaml");
  EXPECT_NE(missing_config.exit_code, 0);
  EXPECT_THAT(missing_config.err,
              HasSubstr(dir.path() +
                        "/nowhere/sluice.yaml: cannot read the configuration file: No such file "
                        "or directory"));
}

TEST(ServeOperations, WarnsAboutUnknownVariablesAndKeysOnly) {
  testing::TempDir dir;
  const std::string config = dir.write("sluice.yaml", "threads: 2\nlisten_port: 8080\n");
  SluiceProcess server(
      {"--config", config, "--store", "sqlite:" + dir.path() + "/sluice.db"},
      {"SLUICE_listen=127.0.0.1:9", "SLUICE_PROMETHEUS=http://127.0.0.1:9090",
       "SLUICE_SERVER=http://127.0.0.1:8080", "SLUICE_TOKEN=t", "SLUICE_URL=http://x",
       "SLUICE_ADMIN_TOKEN=a", "SLUICE_HEARTBEAT_SECONDS=5"},
      dir.path() + "/serve.log");
  const std::string log = server.log();
  EXPECT_THAT(log, HasSubstr("unknown environment variable SLUICE_listen"));
  EXPECT_THAT(log, HasSubstr("unknown environment variable SLUICE_PROMETHEUS "));
  EXPECT_THAT(log, HasSubstr(config + ":2:1: unknown setting 'listen_port'"));
  for (const char* known : {"SLUICE_SERVER", "SLUICE_TOKEN", "SLUICE_URL", "SLUICE_ADMIN_TOKEN",
                            "SLUICE_HEARTBEAT_SECONDS"}) {
    EXPECT_THAT(log, Not(HasSubstr(std::string("variable ") + known))) << log;
  }
  EXPECT_THAT(log, Not(HasSubstr("'threads'")));
}

TEST(ServeOperations, HelpNamesOnlyUpperCaseVariables) {
  auto help = testing::run_command(kSluice + " serve --help");
  ASSERT_EQ(help.exit_code, 0) << help.err;
  const RE2 variable("(SLUICE_[A-Za-z_]+)");
  int count = 0;
  re2::StringPiece rest(help.out);
  for (std::string name; RE2::FindAndConsume(&rest, variable, &name); ++count) {
    for (char c : name)
      EXPECT_FALSE(std::islower(static_cast<unsigned char>(c))) << name;
  }
  EXPECT_GE(count, 12);
  EXPECT_THAT(help.out, HasSubstr("SLUICE_FLAGS_DIR"));
  EXPECT_THAT(help.out, HasSubstr("docs/operations.md"));
}

TEST(ServeOperations, TokenCreateRequiresAScope) {
  testing::TempDir dir;
  auto created = testing::run_command(
      kSluice + " token create --name x --store sqlite:" + dir.path() + "/sluice.db");
  EXPECT_EQ(created.exit_code, 2);
  EXPECT_EQ(created.out, "");
  EXPECT_THAT(created.err, HasSubstr("--scope is required: admin"));
}

}  // namespace
}  // namespace sluice
