// The rollouts API and the events ingest of a real `sluice serve` over HTTP: starting, reading,
// people's commands with their refusals, the decision log, scopes, policies from the flags
// folder, and the split reaching evaluation and stream subscribers.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "http_client.hpp"
#include "run_command.hpp"
#include "sluice_process.hpp"
#include "wait_until.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;
using testing::create_token;
using ::testing::HasSubstr;
using testing::HttpClient;
using testing::SluiceProcess;
using Json = nlohmann::json;

const std::string kExamples = std::string(SLUICE_SOURCE_DIR) + "/examples/flags";
const testing::Headers kAdmin = {{"Authorization", "Bearer api-admin"},
                                 {"Content-Type", "application/json"}};

// Slow on purpose: nothing advances by itself while the test drives it.
const char* kPolicy = R"({"flag":"new-pdf-engine","treatment":"on","control":"off",
  "interval":"1h","min_samples":1000,
  "stages":[{"percent":5},{"percent":25},{"percent":50},{"percent":100}]})";

testing::Headers bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}};
}

class RolloutApiEndToEnd : public ::testing::Test {
 protected:
  void start(const std::string& flags_dir = kExamples) {
    store_ = "sqlite:" + dir_.path() + "/sluice.db";
    alice_ = create_token(store_, "alice", "admin");
    reader_ = create_token(store_, "dashboards", "read");
    sdk_ = create_token(store_, "web-sdk", "sdk");
    server_ = std::make_unique<SluiceProcess>(
        std::vector<std::string>{"--store", store_, "--flags-dir", flags_dir,
                                 "--controller-poll-ms", "100"},
        std::vector<std::string>{"SLUICE_ADMIN_TOKEN=api-admin"}, dir_.path() + "/serve.log");
  }

  // Waits (bounded) for the rollout to have at least `sequence` decisions.
  Json wait_for_sequence(HttpClient& client, int sequence) {
    Json body;
    const auto reached = [&] {
      auto r = client.request("GET", "/v1/rollouts/new-pdf-engine", {}, kAdmin);
      body = Json::parse(r.body);
      return r.status == 200 && body["sequence"].get<int>() >= sequence;
    };
    if (testing::wait_until(reached, 5s)) return body;
    ADD_FAILURE() << "no decision " << sequence << ": " << body.dump();
    return body;
  }

  testing::TempDir dir_;
  std::string store_, alice_, reader_, sdk_;
  std::unique_ptr<SluiceProcess> server_;
};

TEST_F(RolloutApiEndToEnd, StartReadCommandAndRefuse) {
  start();
  HttpClient client(server_->port());

  auto wrong_type =
      client.request("POST", "/v1/rollouts", kPolicy, {{"Authorization", "Bearer api-admin"}});
  EXPECT_EQ(wrong_type.status, 415);
  auto invalid = client.request(
      "POST", "/v1/rollouts",
      R"({"flag":"new-pdf-engine","treatment":"on","control":"on","stages":[{"percent":100}]})",
      kAdmin);
  EXPECT_EQ(invalid.status, 400) << invalid.body;
  EXPECT_EQ(Json::parse(invalid.body)["code"], "invalid_policy");
  auto unknown = client.request(
      "POST", "/v1/rollouts",
      R"({"flag":"nope","treatment":"on","control":"off","stages":[{"percent":100}]})", kAdmin);
  EXPECT_EQ(unknown.status, 400) << unknown.body;
  EXPECT_THAT(unknown.body, HasSubstr("nope"));
  EXPECT_EQ(client.request("POST", "/v1/rollouts", kPolicy, bearer(reader_)).status, 403);

  auto started = client.request("POST", "/v1/rollouts", kPolicy, bearer(alice_));
  ASSERT_EQ(started.status, 201) << started.body;
  EXPECT_EQ(started.header("Location"), "/v1/rollouts/new-pdf-engine");
  EXPECT_EQ(Json::parse(started.body)["started_by"], "alice");
  auto again = client.request("POST", "/v1/rollouts", kPolicy, kAdmin);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(Json::parse(again.body)["code"], "rollout_active");

  const Json progressing = wait_for_sequence(client, 1);  // the controller's start
  EXPECT_EQ(progressing["phase"], "progressing");
  EXPECT_EQ(progressing["treatment_percent"], 5.0);
  EXPECT_EQ(progressing["last_decision"]["sentence"],
            "started new-pdf-engine at 5% (stage 1 of 4)");
  EXPECT_EQ(client.request("GET", "/v1/rollouts", {}, bearer(reader_)).status, 200);
  EXPECT_EQ(client.request("GET", "/v1/rollouts", {}, bearer(sdk_)).status, 403);

  const std::string pause_path = "/v1/rollouts/new-pdf-engine/pause";
  auto no_reason = client.request("POST", pause_path, "{}", bearer(alice_));
  EXPECT_EQ(no_reason.status, 400);
  EXPECT_EQ(Json::parse(no_reason.body)["code"], "reason_required");
  auto paused =
      client.request("POST", pause_path, R"({"reason":"a support ticket"})", bearer(alice_));
  ASSERT_EQ(paused.status, 200) << paused.body;
  const Json decision = Json::parse(paused.body)["decision"];
  EXPECT_EQ(decision["kind"], "pause");
  EXPECT_EQ(decision["actor"], "alice");
  EXPECT_EQ(decision["reason"], "a support ticket");
  auto twice = client.request("POST", pause_path, R"({"reason":"again"})", bearer(alice_));
  EXPECT_EQ(twice.status, 409);
  EXPECT_EQ(Json::parse(twice.body)["code"], "invalid_transition");
  EXPECT_THAT(Json::parse(twice.body)["message"].get<std::string>(),
              HasSubstr("cannot pause new-pdf-engine"));
  auto approve = client.request("POST", "/v1/rollouts/new-pdf-engine/approve", R"({"reason":"x"})",
                                bearer(alice_));
  EXPECT_EQ(approve.status, 409) << approve.body;
  EXPECT_EQ(client
                .request("POST", "/v1/rollouts/new-pdf-engine/explode", R"({"reason":"x"})",
                         bearer(alice_))
                .status,
            404);
  EXPECT_EQ(client
                .request("POST", "/v1/rollouts/new-pdf-engine/percent",
                         R"({"percent":101,"reason":"x"})", bearer(alice_))
                .status,
            400);
  auto percent = client.request("POST", "/v1/rollouts/new-pdf-engine/percent",
                                R"({"percent":30,"reason":"more traffic"})", bearer(alice_));
  ASSERT_EQ(percent.status, 200) << percent.body;
  auto now = Json::parse(client.request("GET", "/v1/rollouts/new-pdf-engine", {}, kAdmin).body);
  EXPECT_EQ(now["treatment_percent"], 30.0);
  EXPECT_EQ(now["paused"]["cause"], "set_percent");

  auto page = client.request("GET", "/v1/rollouts/new-pdf-engine/decisions?limit=1", {}, kAdmin);
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(Json::parse(page.body)["decisions"].size(), 1u);
  EXPECT_EQ(Json::parse(page.body)["next_after"], 1);
  auto all = Json::parse(
      client.request("GET", "/v1/rollouts/new-pdf-engine/decisions?after=0", {}, kAdmin).body);
  ASSERT_EQ(all["decisions"].size(), 3u);
  EXPECT_EQ(all["decisions"][2]["kind"], "set_percent");
  EXPECT_TRUE(all["next_after"].is_null());

  auto audit = Json::parse(client.request("GET", "/v1/audit?actor=alice", {}, kAdmin).body);
  std::vector<std::string> actions;
  for (const auto& e : audit["entries"])
    actions.push_back(e["action"]);
  EXPECT_THAT(actions, ::testing::IsSupersetOf({"start", "pause", "set_percent"}));

  auto rolled_back = client.request("POST", "/v1/rollouts/new-pdf-engine/rollback",
                                    R"({"reason":"pager"})", bearer(alice_));
  ASSERT_EQ(rolled_back.status, 200) << rolled_back.body;
  // Roll back serves the control to everyone.
  for (int account = 0; account < 20; ++account) {
    auto evaluated = client.request(
        "POST", "/ofrep/v1/evaluate/flags/new-pdf-engine",
        R"({"context":{"targetingKey":"u","accountId":"acct-)" + std::to_string(account) + "\"}}",
        bearer(sdk_));
    EXPECT_EQ(Json::parse(evaluated.body)["variant"], "off") << evaluated.body;
  }
  auto finished = client.request("POST", "/v1/rollouts/new-pdf-engine/resume", R"({"reason":"x"})",
                                 bearer(alice_));
  EXPECT_EQ(finished.status, 409);
}

TEST_F(RolloutApiEndToEnd, TheSplitReachesEvaluationAndStreamSubscribers) {
  start();
  HttpClient client(server_->port());
  HttpClient subscriber(server_->port());
  auto head = subscriber.open_stream("/v1/stream", {{"Authorization", "Bearer " + sdk_}});
  ASSERT_EQ(head.status, 200);
  ASSERT_TRUE(subscriber.next_event(5s));  // the snapshot

  ASSERT_EQ(client.request("POST", "/v1/rollouts", kPolicy, kAdmin).status, 201);
  wait_for_sequence(client, 1);
  ASSERT_EQ(client
                .request("POST", "/v1/rollouts/new-pdf-engine/percent",
                         R"({"percent":40,"reason":"test"})", kAdmin)
                .status,
            200);
  bool heard = false;
  for (int i = 0; i < 20 && !heard; ++i) {
    auto message = subscriber.next_event(5s);
    ASSERT_TRUE(message) << "no change event";
    if (message->event != "change") continue;
    const Json data = Json::parse(message->data);
    if (data["key"] != "new-pdf-engine") continue;
    // The flag as it is served now: its default is the rollout's split, treatment first.
    heard = data["flag"].dump().find(R"({"variant":"on","weight":40})") != std::string::npos;
  }
  EXPECT_TRUE(heard) << "subscribers never saw the 40% split";

  int on = 0;
  for (int account = 0; account < 2000; ++account) {
    auto evaluated = client.request(
        "POST", "/ofrep/v1/evaluate/flags/new-pdf-engine",
        R"({"context":{"targetingKey":"u","accountId":"acct-)" + std::to_string(account) + "\"}}",
        bearer(sdk_));
    on += Json::parse(evaluated.body)["variant"] == "on";
  }
  EXPECT_NEAR(on / 2000.0, 0.40, 0.04);
}

TEST_F(RolloutApiEndToEnd, APolicyInTheFlagsFolderStartsItsRolloutOnce) {
  std::filesystem::copy(kExamples, dir_.path() + "/flags");
  std::filesystem::copy_file(
      std::string(SLUICE_SOURCE_DIR) + "/examples/policies/new-pdf-engine.yaml",
      dir_.path() + "/flags/new-pdf-engine.policy.yaml");
  start(dir_.path() + "/flags");
  HttpClient client(server_->port());
  const Json rollout = wait_for_sequence(client, 1);
  EXPECT_EQ(rollout["started_by"], "flags-dir");
  EXPECT_EQ(rollout["phase"], "progressing");
  // A restart does not start it again.
  server_->terminate(10s);
  server_ = std::make_unique<SluiceProcess>(
      std::vector<std::string>{"--store", store_, "--flags-dir", dir_.path() + "/flags"},
      std::vector<std::string>{"SLUICE_ADMIN_TOKEN=api-admin"}, dir_.path() + "/serve2.log");
  HttpClient again(server_->port());
  auto all = Json::parse(again.request("GET", "/v1/rollouts?all=true", {}, kAdmin).body);
  EXPECT_EQ(all["rollouts"].size(), 1u) << all.dump();
}

TEST_F(RolloutApiEndToEnd, EventsAreCheckedWhole) {
  start();
  HttpClient client(server_->port());
  auto bad = client.request(
      "POST", "/v1/events",
      R"({"events":[{"flag":"a","variant":"on","outcome":"ok"},{"flag":"a","variant":"on","outcome":"maybe"}]})",
      bearer(sdk_));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Json::parse(bad.body)["code"], "invalid_events");
  EXPECT_THAT(bad.body, HasSubstr("events[1].outcome"));
  auto good = client.request(
      "POST", "/v1/events",
      R"({"events":[{"flag":"a","variant":"on","outcome":"error","latency_ms":12,"count":3}]})",
      bearer(sdk_));
  EXPECT_EQ(good.status, 202) << good.body;
  EXPECT_EQ(Json::parse(good.body)["accepted"], 1);
  EXPECT_EQ(client.request("POST", "/v1/events", R"({"events":[]})", {}).status, 401);
}

}  // namespace
}  // namespace sluice
