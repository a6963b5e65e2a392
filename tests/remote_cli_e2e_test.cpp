// The `sluice` subcommands that talk to a server (flags, rollout, decisions, audit, completion),
// run as the real binary against one real `sluice serve` (SQLite in a temporary folder) shared by
// the whole suite.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "http_client.hpp"
#include "postgres_server.hpp"
#include "run_command.hpp"
#include "sluice_process.hpp"
#include "wait_until.hpp"

namespace sluice {
namespace {

using testing::CommandResult;
using ::testing::HasSubstr;
using ::testing::Not;
using Json = nlohmann::json;

const std::string kAdminToken = "cli-admin";

std::string flag_yaml(const std::string& key, const std::string& description = "first version",
                      const std::string& off_variant = "off") {
  return "key: " + key + "\ndescription: " + description +
         "\nowner: team-cli\ntags: [cli]\nvariants:\n  on: true\n  off: false\noff_variant: " +
         off_variant + "\ndefault:\n  variant: off\n";
}

class RemoteCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    server_ = new testing::SluiceProcess(
        {"--store", "sqlite:" + dir_->path() + "/sluice.db", "--controller-poll-ms", "100"},
        {"SLUICE_ADMIN_TOKEN=" + kAdminToken}, dir_->path() + "/serve.log");
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }

  static std::string server_url() { return "http://127.0.0.1:" + std::to_string(server_->port()); }

  // The binary with the server and token from the environment, as a user would set them.
  static CommandResult sluice(const std::string& args) {
    return testing::run_command("SLUICE_SERVER=" + server_url() + " SLUICE_TOKEN=" + kAdminToken +
                                " " + SLUICE_BINARY + " " + args);
  }

  static std::string write(const std::string& name, const std::string& text) {
    return dir_->write(name, text);
  }

  static testing::TempDir* dir_;
  static testing::SluiceProcess* server_;
};

testing::TempDir* RemoteCli::dir_ = nullptr;
testing::SluiceProcess* RemoteCli::server_ = nullptr;

TEST_F(RemoteCli, ApplyCreatesUpdatesLeavesUnchangedAndDiffShowsIt) {
  const std::string file = write("cli-flag.yaml", flag_yaml("cli-flag"));
  auto created = sluice("flags apply -f " + file);
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_THAT(created.out, HasSubstr("flag/cli-flag created"));

  auto same = sluice("flags apply -f " + file);
  EXPECT_EQ(same.exit_code, 0) << same.err;
  EXPECT_THAT(same.out, HasSubstr("flag/cli-flag unchanged"));
  auto no_diff = sluice("flags diff -f " + file);
  EXPECT_EQ(no_diff.exit_code, 0) << no_diff.out << no_diff.err;
  EXPECT_EQ(no_diff.out, "");

  const std::string changed = write("cli-flag-v2.yaml", flag_yaml("cli-flag", "second version"));
  auto diff = sluice("flags diff -f " + changed);
  EXPECT_EQ(diff.exit_code, 1) << diff.err;
  EXPECT_THAT(diff.out, HasSubstr("--- server: flag/cli-flag"));
  EXPECT_THAT(diff.out, HasSubstr("-description: first version\n"));
  EXPECT_THAT(diff.out, HasSubstr("+description: second version\n"));
  EXPECT_THAT(diff.out, HasSubstr(" key: cli-flag\n"));  // context

  auto updated = sluice("flags apply -f " + changed);
  EXPECT_EQ(updated.exit_code, 0) << updated.err;
  EXPECT_THAT(updated.out, HasSubstr("flag/cli-flag updated"));
  auto get = sluice("flags get cli-flag -o json");
  ASSERT_EQ(get.exit_code, 0) << get.err;
  EXPECT_EQ(Json::parse(get.out)["description"], "second version");

  // A flag that is not on the server is all added.
  const std::string fresh = write("cli-new.yaml", flag_yaml("cli-new1"));
  auto added = sluice("flags diff -f " + fresh);
  EXPECT_EQ(added.exit_code, 1) << added.err;
  EXPECT_THAT(added.out, HasSubstr("(absent)"));
  EXPECT_THAT(added.out, HasSubstr("+key: cli-new1\n"));
  EXPECT_THAT(added.out, Not(HasSubstr("\n-")));
}

// A new flag whose new prerequisite comes later in the file: the prerequisite is created first.
TEST_F(RemoteCli, ApplyCreatesPrerequisitesBeforeTheFlagsThatNeedThem) {
  const std::string file = write("cli-prerequisites.yaml", R"(flags:
  - key: cli-needs-base
    variants: {on: true, off: false}
    off_variant: off
    prerequisites:
      - {flag: cli-base, variants: [on]}
    default: {variant: on}
  - key: cli-base
    variants: {on: true, off: false}
    off_variant: off
    default: {variant: on}
)");
  auto applied = sluice("flags apply -f " + file);
  ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  EXPECT_THAT(applied.out, HasSubstr("flag/cli-base created\nflag/cli-needs-base created"));
}

// Segments are applied like flags, and a flag file may use a segment that is on the server only.
TEST_F(RemoteCli, ApplySegmentsAndUseTheServersSegments) {
  const std::string segments = write("cli-segments.yaml", R"(segments:
  - key: cli-staff
    description: Staff accounts
    conditions:
      - {attribute: email, op: ends_with, value: "@example.com"}
)");
  auto created = sluice("flags apply -f " + segments);
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_THAT(created.out, HasSubstr("segment/cli-staff created"));
  EXPECT_THAT(sluice("flags apply -f " + segments).out, HasSubstr("segment/cli-staff unchanged"));

  const std::string flag = write("cli-staff-flag.yaml", R"(key: cli-staff-only
variants: {on: true, off: false}
off_variant: off
rules:
  - name: staff
    segments: [cli-staff]
    serve: {variant: on}
default: {variant: off}
)");
  auto applied = sluice("flags apply -f " + flag + " -o json");
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  EXPECT_EQ(Json::parse(applied.out)["results"][0]["result"], "created");
  // An unknown segment is still a problem, reported at its place in the file.
  const std::string bad = write("cli-unknown-segment.yaml",
                                R"(key: cli-nobody
variants: {on: true, off: false}
off_variant: off
rules:
  - segments: [no-such-segment]
    serve: {variant: on}
default: {variant: off}
)");
  auto refused = sluice("flags apply -f " + bad);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr(bad + ":"));
  EXPECT_THAT(refused.err, HasSubstr("no-such-segment"));
  EXPECT_EQ(sluice("flags get cli-nobody").exit_code, 3);
}

// A server whose definitions live in files (--flags-dir) refuses changes with its own message;
// the kill switch still works.
TEST_F(RemoteCli, ManagedByFilesIsReported) {
  testing::TempDir dir;
  const std::string flags_dir = dir.path() + "/flags";
  std::filesystem::create_directory(flags_dir);
  std::filesystem::copy_file(std::string(SLUICE_SOURCE_DIR) + "/examples/flags/ai-chatbot.yaml",
                             flags_dir + "/ai-chatbot.yaml");
  testing::SluiceProcess managed(
      {"--store", "sqlite:" + dir.path() + "/sluice.db", "--flags-dir", flags_dir},
      {"SLUICE_ADMIN_TOKEN=" + kAdminToken}, dir.path() + "/serve.log");
  const std::string connection =
      " --server http://127.0.0.1:" + std::to_string(managed.port()) + " --token " + kAdminToken;
  const std::string file = write("cli-managed.yaml", flag_yaml("cli-managed"));
  auto refused =
      testing::run_command(std::string(SLUICE_BINARY) + " flags apply -f " + file + connection);
  EXPECT_EQ(refused.exit_code, 5) << refused.out;
  EXPECT_THAT(refused.err, HasSubstr("managed_by_files"));
  EXPECT_THAT(refused.err, HasSubstr("change them there"));
  EXPECT_THAT(refused.out, HasSubstr("flag/cli-managed failed"));
  auto kill =
      testing::run_command(std::string(SLUICE_BINARY) + " flags kill ai-chatbot" + connection);
  EXPECT_EQ(kill.exit_code, 0) << kill.err;
}

TEST_F(RemoteCli, InvalidFileIsReportedLikeValidateAndNothingIsSent) {
  const std::string file = write("cli-bad.yaml", flag_yaml("cli-bad", "bad", "of"));
  auto apply = sluice("flags apply -f " + file);
  EXPECT_EQ(apply.exit_code, 1);
  EXPECT_THAT(apply.err, HasSubstr(file + ":"));
  EXPECT_THAT(apply.err, HasSubstr("off_variant"));
  EXPECT_THAT(apply.err, HasSubstr("nothing was sent"));
  auto diff = sluice("flags diff -f " + file);
  EXPECT_EQ(diff.exit_code, 8) << diff.out;
  auto get = sluice("flags get cli-bad");
  EXPECT_EQ(get.exit_code, 3) << get.out;
  EXPECT_THAT(get.err, HasSubstr("sluice: "));
  EXPECT_THAT(get.err, HasSubstr("cli-bad"));
}

TEST_F(RemoteCli, ListGetKillReviveAndAudit) {
  const std::string file = write("cli-kill.yaml", flag_yaml("cli-kill"));
  ASSERT_EQ(sluice("flags apply -f " + file).exit_code, 0);

  auto table = sluice("flags list --tag cli");
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("KEY"));
  EXPECT_THAT(table.out, HasSubstr("cli-kill"));
  EXPECT_THAT(table.out, HasSubstr("team-cli"));
  auto names = sluice("flags list -o name --owner team-cli");
  EXPECT_THAT(names.out, HasSubstr("cli-kill\n"));
  auto none = sluice("flags list -o name --tag no-such-tag");
  EXPECT_EQ(none.out, "");
  auto yaml = sluice("flags list -o yaml --tag cli");
  ASSERT_EQ(yaml.exit_code, 0) << yaml.err;
  const YAML::Node listed = YAML::Load(yaml.out);
  ASSERT_TRUE(listed["flags"].IsSequence());
  bool found = false;
  for (const auto& flag : listed["flags"])
    found = found || flag["key"].as<std::string>() == "cli-kill";
  EXPECT_TRUE(found) << yaml.out;
  auto stale = sluice("flags list -o name --stale --tag cli");
  EXPECT_EQ(stale.exit_code, 0);
  EXPECT_THAT(stale.out, Not(HasSubstr("cli-kill")));  // just created: not stale

  auto kill = sluice("flags kill cli-kill --reason 'incident 42'");
  ASSERT_EQ(kill.exit_code, 0) << kill.err;
  EXPECT_THAT(kill.out, HasSubstr("killed"));
  auto get = sluice("flags get cli-kill -o yaml");
  EXPECT_FALSE(YAML::Load(get.out)["enabled"].as<bool>()) << get.out;
  EXPECT_THAT(sluice("flags get cli-kill").out, HasSubstr("killed"));
  auto revive = sluice("flags revive cli-kill");
  ASSERT_EQ(revive.exit_code, 0) << revive.err;
  EXPECT_TRUE(Json::parse(sluice("flags get cli-kill -o json").out)["enabled"].get<bool>());

  auto audit = sluice("audit --flag cli-kill --since 1h");
  ASSERT_EQ(audit.exit_code, 0) << audit.err;
  EXPECT_THAT(audit.out, HasSubstr("kill"));
  EXPECT_THAT(audit.out, HasSubstr("revive"));
  EXPECT_THAT(audit.out, HasSubstr("flag/cli-kill"));
  EXPECT_THAT(audit.out, HasSubstr("bootstrap"));
  auto audit_json = sluice("audit --flag cli-kill --since 2026-01-01T00:00:00Z -o json --limit 2");
  ASSERT_EQ(audit_json.exit_code, 0) << audit_json.err;
  EXPECT_EQ(Json::parse(audit_json.out)["entries"].size(), 2u);
  // Newest first: --limit 1 is the latest change.
  auto latest = sluice("audit --flag cli-kill --limit 1 -o json");
  ASSERT_EQ(latest.exit_code, 0) << latest.err;
  EXPECT_EQ(Json::parse(latest.out)["entries"][0]["action"], "revive") << latest.out;
  // A start after every entry leaves nothing: --since reaches the server.
  auto future = sluice("audit --flag cli-kill --since 2200-01-01T00:00:00Z -o json");
  EXPECT_EQ(Json::parse(future.out)["entries"].size(), 0u) << future.out;
  auto bad_since = sluice("audit --since yesterday");
  EXPECT_EQ(bad_since.exit_code, 2);
  EXPECT_THAT(bad_since.err, HasSubstr("--since"));
}

TEST_F(RemoteCli, ExitCodesAndServerMessages) {
  auto missing = sluice("flags get no-such-flag");
  EXPECT_EQ(missing.exit_code, 3);
  EXPECT_THAT(missing.err, HasSubstr("sluice: "));
  auto denied = testing::run_command(std::string(SLUICE_BINARY) + " flags list --server " +
                                     server_url() + " --token wrong");
  EXPECT_EQ(denied.exit_code, 4) << denied.out;
  EXPECT_THAT(denied.err, HasSubstr("unauthorized"));
  auto no_token = testing::run_command("SLUICE_TOKEN= " + std::string(SLUICE_BINARY) +
                                       " flags list --server " + server_url());
  EXPECT_EQ(no_token.exit_code, 4);
  EXPECT_THAT(no_token.err, HasSubstr("SLUICE_TOKEN"));
  // A port nobody listens on: a closed loopback port answers at once with a refusal.
  auto unreachable = testing::run_command(std::string(SLUICE_BINARY) +
                                          " flags list --server http://127.0.0.1:1 --timeout 2");
  EXPECT_EQ(unreachable.exit_code, 6);
  EXPECT_THAT(unreachable.err, HasSubstr("cannot reach the server"));
  auto usage = sluice("rollout pause some-flag");  // --reason is required
  EXPECT_EQ(usage.exit_code, 2);
  auto no_rollout = sluice("rollout status cli-flag-without-rollout");
  EXPECT_EQ(no_rollout.exit_code, 3);
}

// One flag through every rollout command: approve, pause, resume, set-percent, promote to the
// end (watched), then a second rollout rolled back, a third aborted.
TEST_F(RemoteCli, RolloutCommandsStatusWatchAndDecisions) {
  const std::string flags = std::string(SLUICE_SOURCE_DIR) + "/examples/flags/new-pdf-engine.yaml";
  ASSERT_EQ(sluice("flags apply -f " + flags).exit_code, 0);
  // Judged every second on events sent below; never advances by itself (a million samples).
  const std::string policy = write("policy.yaml", R"(flag: new-pdf-engine
treatment: on
control: off
interval: 1s
min_samples: 1000000
stages:
  - percent: 5
    approval: true
  - percent: 25
  - percent: 100
)");
  auto invalid = sluice("rollout start -f " + write("bad-policy.yaml", "flag: new-pdf-engine\n"));
  EXPECT_EQ(invalid.exit_code, 1);
  EXPECT_THAT(invalid.err, HasSubstr("bad-policy.yaml"));

  auto started = sluice("rollout start -f " + policy);
  ASSERT_EQ(started.exit_code, 0) << started.err;
  EXPECT_THAT(started.out, HasSubstr("rollout/new-pdf-engine started"));
  auto again = sluice("rollout start -f " + policy);
  EXPECT_EQ(again.exit_code, 5);
  EXPECT_THAT(again.err, HasSubstr("rollout_active"));

  // The controller's first decision: waiting for approval of stage 1.
  std::string phase;
  testing::wait_until(
      [&] {
        phase = Json::parse(sluice("rollout status new-pdf-engine -o json").out).value("phase", "");
        return phase == "waiting_for_approval";
      },
      std::chrono::seconds(10), std::chrono::milliseconds(100));
  ASSERT_EQ(phase, "waiting_for_approval");
  auto refused = sluice("rollout resume new-pdf-engine --reason 'not paused'");
  EXPECT_EQ(refused.exit_code, 5);
  EXPECT_THAT(refused.err, HasSubstr("invalid_transition"));
  EXPECT_THAT(refused.err, HasSubstr("cannot resume"));

  auto approve = sluice("rollout approve new-pdf-engine --reason 'QA signed off'");
  ASSERT_EQ(approve.exit_code, 0) << approve.err;
  EXPECT_THAT(approve.out, HasSubstr("new-pdf-engine"));

  // Outcomes for both variants, so that the controller's next decision judges them.
  testing::HttpClient http(server_->port());
  const testing::Headers headers = {{"Authorization", "Bearer " + kAdminToken},
                                    {"Content-Type", "application/json"}};
  const std::string events =
      R"({"events":[{"flag":"new-pdf-engine","variant":"on","outcome":"ok","latency_ms":100,"count":200},
      {"flag":"new-pdf-engine","variant":"on","outcome":"error","latency_ms":100,"count":2},
      {"flag":"new-pdf-engine","variant":"off","outcome":"ok","latency_ms":100,"count":400},
      {"flag":"new-pdf-engine","variant":"off","outcome":"error","latency_ms":100,"count":4}]})";
  std::string status;
  testing::wait_until(
      [&] {
        EXPECT_EQ(http.request("POST", "/v1/events", events, headers).status, 202);
        status = sluice("rollout status new-pdf-engine").out;
        return status.find("error_rate") != std::string::npos &&
               status.find("SAMPLES") != std::string::npos;
      },
      std::chrono::seconds(20), std::chrono::milliseconds(200));
  EXPECT_THAT(status, HasSubstr("◌ progressing"));
  EXPECT_THAT(status, HasSubstr("Stage:         1/3  target 5%"));
  EXPECT_THAT(status, HasSubstr("on 5% (treatment), off 95% (control)"));
  EXPECT_THAT(status, HasSubstr("error_rate"));
  EXPECT_THAT(status,
              ::testing::ContainsRegex("error_rate .* [0-9.]+% +[0-9.]+% +[0-9,]+ +[0-9,]+"));
  EXPECT_THAT(status, HasSubstr("In stage:"));

  auto paused = sluice("rollout pause new-pdf-engine --reason 'looking at a dashboard'");
  ASSERT_EQ(paused.exit_code, 0) << paused.err;
  status = sluice("rollout status new-pdf-engine").out;
  EXPECT_THAT(status, HasSubstr("॥ paused"));
  EXPECT_THAT(status, HasSubstr("manual, by bootstrap: \"looking at a dashboard\""));
  // The pause judged nothing; the checks shown are the latest that were judged.
  EXPECT_THAT(status, HasSubstr("error_rate"));
  ASSERT_EQ(sluice("rollout resume new-pdf-engine --reason 'fine'").exit_code, 0);

  auto percent = sluice("rollout set-percent new-pdf-engine 12.5 --reason 'more traffic'");
  ASSERT_EQ(percent.exit_code, 0) << percent.err;
  auto json = Json::parse(sluice("rollout status new-pdf-engine -o json").out);
  EXPECT_EQ(json["treatment_percent"], 12.5);
  EXPECT_EQ(json["phase"], "paused");
  ASSERT_EQ(sluice("rollout resume new-pdf-engine --reason 'back to the plan'").exit_code, 0);

  // Watch while a person promotes to the end: it exits 0 when the rollout completes.
  const std::string watch_out = dir_->path() + "/watch.out";
  auto watched = testing::run_command(
      "(export SLUICE_SERVER=" + server_url() + " SLUICE_TOKEN=" + kAdminToken + "; " +
      "timeout 60 " + SLUICE_BINARY + " rollout watch new-pdf-engine --interval 0.2 > " +
      watch_out + " & W=$!; for t in $(seq 300); do [ -s " + watch_out +
      " ] && break; sleep 0.1; done; for i in 1 2 3; do " + SLUICE_BINARY +
      " rollout promote new-pdf-engine --reason ship >/dev/null || exit 9; done; wait $W; "
      "echo watch=$?; cat " +
      watch_out + ")");
  EXPECT_THAT(watched.out, HasSubstr("watch=0")) << watched.err;
  EXPECT_THAT(watched.out, HasSubstr("✔ completed"));
  EXPECT_THAT(watched.out, HasSubstr("\n\nFlag:"));  // successive frames, not redrawn
  EXPECT_THAT(watched.out, Not(HasSubstr("\x1b[H")));

  auto decisions = sluice("decisions new-pdf-engine --limit 3");
  ASSERT_EQ(decisions.exit_code, 0) << decisions.err;
  EXPECT_THAT(decisions.out, HasSubstr("FROM -> TO"));
  EXPECT_THAT(decisions.out, HasSubstr("promote"));
  EXPECT_THAT(decisions.out, HasSubstr("-> completed 3 100%"));
  auto all = Json::parse(sluice("decisions new-pdf-engine --limit 1000 -o json").out);
  const int first_rollout = all["rollout_id"].get<int>();
  std::vector<std::string> kinds;
  for (const auto& d : all["decisions"])
    kinds.push_back(d["kind"]);
  for (const char* kind : {"approve", "pause", "resume", "set_percent", "promote"})
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), kind), kinds.end()) << kind;
  EXPECT_EQ(
      Json::parse(sluice("decisions new-pdf-engine --limit 3 -o json").out)["decisions"].size(),
      3u);

  // A second rollout, rolled back: watch exits 1 at once.
  ASSERT_EQ(sluice("rollout start -f " + policy).exit_code, 0);
  auto rollback = sluice("rollout rollback new-pdf-engine --reason 'bad'");
  ASSERT_EQ(rollback.exit_code, 0) << rollback.err;
  auto watch_rolled_back = sluice("rollout watch new-pdf-engine");
  EXPECT_EQ(watch_rolled_back.exit_code, 1);
  EXPECT_THAT(watch_rolled_back.out, HasSubstr("✖ rolled_back"));
  // A third, aborted.
  ASSERT_EQ(sluice("rollout start -f " + policy).exit_code, 0);
  ASSERT_EQ(sluice("rollout abort new-pdf-engine --reason 'not today'").exit_code, 0);
  EXPECT_THAT(sluice("rollout status new-pdf-engine").out, HasSubstr("⊘ aborted"));
  EXPECT_EQ(sluice("rollout watch new-pdf-engine").exit_code, 1);
  // On a terminal (script(1) gives it one) the picture is redrawn in place.
  auto on_terminal = testing::run_command(
      "SLUICE_SERVER=" + server_url() + " SLUICE_TOKEN=" + kAdminToken + " script -qec '" +
      SLUICE_BINARY + " rollout watch new-pdf-engine' /dev/null");
  EXPECT_EQ(on_terminal.exit_code, 1) << on_terminal.err;
  EXPECT_THAT(on_terminal.out, HasSubstr("\x1b[H\x1b[2J"));
  EXPECT_THAT(on_terminal.out, HasSubstr("aborted"));
  // The first rollout's log is still there.
  auto older = sluice("decisions new-pdf-engine --rollout " + std::to_string(first_rollout) +
                      " -o yaml --limit 1");
  ASSERT_EQ(older.exit_code, 0) << older.err;
  EXPECT_EQ(YAML::Load(older.out)["decisions"][0]["to"]["phase"].as<std::string>(), "completed");
}

// Completions of bash's completion function for the words typed so far, one per line.
std::string bash_complete(const testing::TempDir& dir, const std::string& line_words, int cword,
                          const std::string& env = "") {
  const std::string script = dir.write(
      "complete.sh", "source <(" + std::string(SLUICE_BINARY) + " completion bash)\nCOMP_WORDS=(" +
                         line_words + ")\nCOMP_CWORD=" + std::to_string(cword) +
                         "\n_sluice\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n");
  auto result = testing::run_command(env + " bash " + script);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return result.out;
}

TEST_F(RemoteCli, BashCompletion) {
  EXPECT_EQ(bash_complete(*dir_, "sluice roll", 1), "rollout\n");
  EXPECT_EQ(bash_complete(*dir_, "sluice rollout pa", 2), "pause\n");
  EXPECT_EQ(bash_complete(*dir_, "sluice flags d", 2), "diff\n");
  EXPECT_THAT(bash_complete(*dir_, "sluice rollout watch x --int", 4), HasSubstr("--interval"));
  EXPECT_EQ(bash_complete(*dir_, "sluice flags list -o y", 4), "yaml\n");
  // Flag keys come from the server.
  const std::string file = write("cli-complete.yaml", flag_yaml("cli-comp"));
  ASSERT_EQ(sluice("flags apply -f " + file).exit_code, 0);
  EXPECT_EQ(bash_complete(*dir_, std::string(SLUICE_BINARY) + " flags kill cli-co", 3,
                          "SLUICE_SERVER=" + server_url() + " SLUICE_TOKEN=" + kAdminToken),
            "cli-comp\n");
  auto registered = testing::run_command("bash -c 'source <(" + std::string(SLUICE_BINARY) +
                                         " completion bash); complete -p sluice'");
  EXPECT_THAT(registered.out, HasSubstr("complete -F _sluice sluice"));
}

TEST_F(RemoteCli, ZshCompletionParses) {
  if (testing::run_command("command -v zsh").exit_code != 0) {
    if (testing::running_under_ci()) FAIL() << "zsh is missing (CI=true): scripts/install-deps";
    GTEST_SKIP() << "zsh is not installed";
  }
  const std::string script =
      write("sluice.zsh", testing::run_command(std::string(SLUICE_BINARY) + " completion zsh").out);
  auto check = testing::run_command("zsh -n " + script);
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_THAT(testing::run_command("head -1 " + script).out, HasSubstr("#compdef sluice"));
}

}  // namespace
}  // namespace sluice
