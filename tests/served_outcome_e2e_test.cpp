// What a flag serves after its rollout finished (issue 12, point 1), end to end: a real
// `sluice serve` (SQLite in a temporary folder), the real CLI for every write (`sluice flags
// apply`, `sluice rollout ...`), and evaluation over HTTP. The trial's sequence: a flag applied at
// new 10% / old 90%, its rollout completed, then a description-only `sluice flags apply` of the
// same file; 100% must still get `new`. Then the rollback variant, the 409 for a write that
// changes the default, its explicit override, and the files-mode (--flags-dir) variant.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "http_client.hpp"
#include "run_command.hpp"
#include "sluice_process.hpp"
#include "wait_until.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;
using testing::CommandResult;
using ::testing::HasSubstr;
using testing::HttpClient;
using ::testing::Not;
using Json = nlohmann::json;

const std::string kAdminToken = "served-admin";
const testing::Headers kAdmin = {{"Authorization", "Bearer " + kAdminToken},
                                 {"Content-Type", "application/json"}};
constexpr int kUsers = 1000;

// The trial's flag: `new` to 10% of users, `old` to 90%.
std::string flag_yaml(const std::string& key, const std::string& description,
                      int new_percent = 10) {
  return "key: " + key + "\ndescription: " + description +
         "\nvariants:\n  old: false\n  new: true\noff_variant: old\ndefault:\n  split:\n"
         "    weights:\n      new: " +
         std::to_string(new_percent) + "\n      old: " + std::to_string(100 - new_percent) + "\n";
}

// Never advances by itself: the test ends it with a command.
std::string policy_yaml(const std::string& key) {
  return "flag: " + key +
         "\ntreatment: new\ncontrol: old\ninterval: 1h\nmin_samples: 1000000\nstages:\n"
         "  - percent: 50\n  - percent: 100\n";
}

class ServedOutcome : public ::testing::Test {
 protected:
  void start(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"--store", "sqlite:" + dir_.path() + "/sluice.db",
                                  "--controller-poll-ms", "100"};
    args.insert(args.end(), extra.begin(), extra.end());
    server_ = std::make_unique<testing::SluiceProcess>(
        args, std::vector<std::string>{"SLUICE_ADMIN_TOKEN=" + kAdminToken},
        dir_.path() + "/serve" + std::to_string(++starts_) + ".log");
    client_ = std::make_unique<HttpClient>(server_->port());
  }

  CommandResult sluice(const std::string& args) {
    return testing::run_command(
        "SLUICE_SERVER=http://127.0.0.1:" + std::to_string(server_->port()) +
        " SLUICE_TOKEN=" + kAdminToken + " " + SLUICE_BINARY + " " + args);
  }

  std::string write(const std::string& name, const std::string& text) {
    return dir_.write(name, text);
  }

  // The share of kUsers users that get `new`, over OFREP (what SDKs get).
  double share_of_new(const std::string& key) {
    int on_new = 0;
    for (int user = 0; user < kUsers; ++user) {
      auto r = client_->request(
          "POST", "/ofrep/v1/evaluate/flags/" + key,
          R"({"context":{"targetingKey":"user-)" + std::to_string(user) + "\"}}", kAdmin);
      on_new += Json::parse(r.body).value("variant", "") == "new";
    }
    return static_cast<double>(on_new) / kUsers;
  }

  // Waits (bounded) until the flag's rollout is in `phase`.
  void wait_for_phase(const std::string& key, const std::string& phase) {
    std::string now;
    sluice::testing::wait_until(
        [&] {
          auto r = client_->request("GET", "/v1/rollouts/" + key, {}, kAdmin);
          now = Json::parse(r.body).value("phase", "");
          return now == phase;
        },
        10s, 100ms);
    ASSERT_EQ(now, phase) << "the rollout of " << key << " never reached " << phase;
  }

  // Starts the flag's rollout with the CLI and waits for the controller's first decision.
  void start_rollout(const std::string& key) {
    auto started = sluice("rollout start -f " + write(key + ".policy.yaml", policy_yaml(key)));
    ASSERT_EQ(started.exit_code, 0) << started.err;
    wait_for_phase(key, "progressing");
  }

  // Two promotes: to the last stage (100%), then to completed.
  void complete_rollout(const std::string& key) {
    for (int i = 0; i < 2; ++i) {
      auto promoted = sluice("rollout promote " + key + " --reason 'ship it'");
      ASSERT_EQ(promoted.exit_code, 0) << promoted.err;
    }
    wait_for_phase(key, "completed");
  }

  std::string explanation(const std::string& key) {
    auto r = client_->request("POST", "/v1/flags/" + key + "/evaluate",
                              R"({"context":{"targetingKey":"user-1"}})", kAdmin);
    return Json::parse(r.body).value("explanation", "");
  }

  testing::TempDir dir_;
  int starts_ = 0;
  std::unique_ptr<testing::SluiceProcess> server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(ServedOutcome, ACompletedRolloutKeepsServingAfterADescriptionOnlyApply) {
  start();
  const std::string key = "checkout-v2";
  const std::string file = write("checkout-v2.yaml", flag_yaml(key, "new checkout"));
  auto applied = sluice("flags apply -f " + file);
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  EXPECT_NEAR(share_of_new(key), 0.10, 0.04);

  start_rollout(key);
  EXPECT_NEAR(share_of_new(key), 0.50, 0.05);  // during: the rollout's current share
  EXPECT_THAT(sluice("flags get " + key).out, HasSubstr("# serving: new 50% / old 50% (rollout"));
  complete_rollout(key);
  EXPECT_EQ(share_of_new(key), 1.0);

  // Every surface says what is served, not the definition's 10/90.
  auto get = sluice("flags get " + key);
  EXPECT_THAT(get.out, HasSubstr("# serving: new to everyone (the rollout completed on "));
  auto list = sluice("flags list");
  EXPECT_THAT(list.out, HasSubstr("SERVING"));
  EXPECT_THAT(list.out, HasSubstr("new to everyone (the rollout completed"));
  auto status = sluice("rollout status " + key);
  EXPECT_THAT(status.out, HasSubstr("Flag serves:   new to everyone"));
  EXPECT_THAT(explanation(key), HasSubstr("served by the rollout of checkout-v2 (completed on "));
  EXPECT_THAT(explanation(key), Not(HasSubstr("the default applies")));
  // The file still says 10/90: diff says so and exits 1.
  auto diff = sluice("flags diff -f " + file);
  EXPECT_EQ(diff.exit_code, 1) << diff.out << diff.err;
  EXPECT_THAT(diff.out, HasSubstr("the file says new 10% / old 90%"));
  EXPECT_THAT(diff.out, HasSubstr("completed"));

  // The trial: a description-only apply re-sends the same 10/90.
  const std::string edited = write("checkout-v2.yaml", flag_yaml(key, "new checkout, shipped"));
  auto reapplied = sluice("flags apply -f " + edited);
  ASSERT_EQ(reapplied.exit_code, 0) << reapplied.err;
  EXPECT_THAT(reapplied.out, HasSubstr("flag/checkout-v2 updated"));
  EXPECT_THAT(reapplied.err, HasSubstr("the flag serves new to everyone"));
  EXPECT_EQ(share_of_new(key), 1.0);

  // A restart keeps it (runtime state in the store, not in memory).
  server_->terminate(10s);
  start();
  EXPECT_EQ(share_of_new(key), 1.0);
}

TEST_F(ServedOutcome, ARolledBackRolloutKeepsServingTheControl) {
  start();
  const std::string key = "checkout-rb";
  const std::string file = write("checkout-rb.yaml", flag_yaml(key, "new checkout"));
  ASSERT_EQ(sluice("flags apply -f " + file).exit_code, 0);
  start_rollout(key);
  auto rolled_back = sluice("rollout rollback " + key + " --reason 'errors'");
  ASSERT_EQ(rolled_back.exit_code, 0) << rolled_back.err;
  wait_for_phase(key, "rolled_back");
  EXPECT_EQ(share_of_new(key), 0.0);

  // The same description-only edit must not put 10% back on the broken variant.
  ASSERT_EQ(
      sluice("flags apply -f " + write("checkout-rb.yaml", flag_yaml(key, "edited"))).exit_code, 0);
  EXPECT_EQ(share_of_new(key), 0.0);
  EXPECT_THAT(sluice("flags get " + key).out,
              HasSubstr("# serving: old to everyone (the rollout was rolled back on "));
}

TEST_F(ServedOutcome, ChangingTheDefaultAfterARolloutMustSaySo) {
  start();
  const std::string key = "checkout-409";
  ASSERT_EQ(sluice("flags apply -f " + write("c409.yaml", flag_yaml(key, "v1"))).exit_code, 0);
  start_rollout(key);

  // During the rollout a new default is refused (the rollout owns it).
  auto during = sluice("flags apply -f " + write("c409.yaml", flag_yaml(key, "v1", 30)));
  EXPECT_EQ(during.exit_code, 5) << during.out << during.err;
  EXPECT_THAT(during.err, HasSubstr("rollout_active"));

  complete_rollout(key);

  // Over HTTP: 409 overrides_rollout, naming the outcome.
  auto current = client_->request("GET", "/v1/flags/" + key, {}, kAdmin);
  Json definition = Json::parse(current.body);
  definition["default"] = {{"variant", "old"}};
  auto refused = client_->request("PUT", "/v1/flags/" + key, definition.dump(), kAdmin);
  EXPECT_EQ(refused.status, 409);
  const Json error = Json::parse(refused.body);
  EXPECT_EQ(error["code"], "overrides_rollout");
  EXPECT_THAT(error["message"].get<std::string>(),
              HasSubstr("the rollout of checkout-409 (1) completed on "));
  EXPECT_THAT(error["message"].get<std::string>(), HasSubstr("serves new to everyone"));
  EXPECT_EQ(share_of_new(key), 1.0);

  // The CLI: the same refusal, then the explicit override.
  auto cli_refused = sluice("flags apply -f " + write("c409.yaml", flag_yaml(key, "v1", 30)));
  EXPECT_EQ(cli_refused.exit_code, 5);
  EXPECT_THAT(cli_refused.err, HasSubstr("overrides_rollout"));
  auto overridden =
      sluice("flags apply --override-rollout -f " + write("c409.yaml", flag_yaml(key, "v1", 30)));
  ASSERT_EQ(overridden.exit_code, 0) << overridden.err;
  EXPECT_NEAR(share_of_new(key), 0.30, 0.05);
  auto audit = client_->request("GET", "/v1/audit?flag=" + key, {}, kAdmin);
  const Json entries = Json::parse(audit.body)["entries"];
  std::vector<std::string> actions;
  for (const auto& entry : entries)
    actions.push_back(entry["action"].get<std::string>() + " by " +
                      entry["actor"].get<std::string>());
  EXPECT_THAT(actions, ::testing::Contains(std::string("rollout_completed by bootstrap")));
  EXPECT_THAT(actions, ::testing::Contains(std::string("override_rollout by bootstrap")));
  EXPECT_THAT(sluice("flags get " + key).out, HasSubstr("# serving: new 30% / old 70%\n"));
}

TEST_F(ServedOutcome, InFilesModeTheUnchangedFileKeepsTheOutcomeAndDriftSaysSo) {
  const std::string folder = dir_.path() + "/flags";
  std::filesystem::create_directories(folder);
  const std::string key = "checkout-files";
  dir_.write("flags/checkout-files.yaml", flag_yaml(key, "from git"));
  start({"--flags-dir", folder});
  EXPECT_NEAR(share_of_new(key), 0.10, 0.04);
  start_rollout(key);
  complete_rollout(key);
  EXPECT_EQ(share_of_new(key), 1.0);

  auto flags = Json::parse(client_->request("GET", "/v1/flags", {}, kAdmin).body);
  ASSERT_EQ(flags["flags"].size(), 1u);
  const Json drift = flags["flags"][0]["drift"];
  ASSERT_TRUE(drift.is_object()) << flags.dump();
  EXPECT_THAT(drift["message"].get<std::string>(), HasSubstr("the file says new 10% / old 90%"));
  EXPECT_THAT(drift["message"].get<std::string>(), HasSubstr("update the file"));
  EXPECT_EQ(drift["served"], (Json{{"variant", "new"}}));
  auto diff = sluice("flags diff -f " + folder + "/checkout-files.yaml");
  EXPECT_EQ(diff.exit_code, 1) << diff.out << diff.err;

  // A restart reloads the unchanged file: the outcome stays.
  server_->terminate(10s);
  start({"--flags-dir", folder});
  EXPECT_EQ(share_of_new(key), 1.0);
}

}  // namespace
}  // namespace sluice
