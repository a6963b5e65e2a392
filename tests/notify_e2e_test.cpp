// `sluice serve --notifications FILE` end to end: a kill switch pulled through the API reaches a
// Slack receiver and a signed webhook over HTTPS (a test CA), the outbox is visible through
// GET /v1/notifications, secrets appear in neither the log nor the API, and a notification still
// pending when sluice is SIGKILLed is delivered after the restart.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "http_client.hpp"
#include "notify_receiver.hpp"
#include "run_command.hpp"
#include "sluice/notify/signature.hpp"
#include "sluice_process.hpp"
#include "wait_until.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::HttpClient;
using ::testing::Not;
using testing::Receiver;
using testing::ReceiverMode;
using testing::SluiceProcess;
using Json = nlohmann::json;

const testing::Headers kAdmin = {{"Authorization", "Bearer api-admin"},
                                 {"Content-Type", "application/json"}};
const char* kFlag = R"({"key":"checkout","kind":"release","variants":{"on":true,"off":false},
  "off_variant":"off","default":{"variant":"on"}})";
// The credentials under test: neither may appear in a log line or an API answer.
const std::string kSlackPath = "/services/T0001/B0002/slack-secret-path-4f8a";
const std::string kHookSecret = "hook-signing-secret-9c2e";

class NotifyEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    SLUICE_REQUIRE_OPENSSL();
    std::string why;
    auto tls = testing::make_test_certificates(dir_.path(), &why);
    ASSERT_TRUE(tls) << why;
    tls_ = *tls;
    slack_ = std::make_unique<Receiver>(tls_);
    hook_ = std::make_unique<Receiver>(tls_);
    settings_ = dir_.path() + "/notifications.yaml";
    std::ofstream(settings_)
        << "dashboard_url: https://sluice.example.com\n"
        << "ca_file: " << tls_.ca_cert << "\n"
        << "backoff_min: 200ms\nbackoff_max: 400ms\npoll: 100ms\n"
        << "defaults: [ops-slack, audit]\n"
        << "targets:\n"
        << "  - name: ops-slack\n    type: slack\n    url_env: TEST_SLACK_URL\n"
        << "  - name: audit\n    type: webhook\n"
        << "    url: " << hook_->url("/sluice") << "\n"
        << "    secret_env: TEST_HOOK_SECRET\n    timeout: 2s\n";
    store_ = "sqlite:" + dir_.path() + "/sluice.db";
  }

  void start(const std::string& log_name) {
    server_.reset();
    server_ = std::make_unique<SluiceProcess>(
        std::vector<std::string>{"--store", store_, "--notifications", settings_},
        std::vector<std::string>{"SLUICE_ADMIN_TOKEN=api-admin",
                                 "TEST_SLACK_URL=" + slack_->url(kSlackPath),
                                 "TEST_HOOK_SECRET=" + kHookSecret},
        dir_.path() + "/" + log_name);
    client_ = std::make_unique<HttpClient>(server_->port());
  }

  Json notifications(const std::string& query = "") {
    auto r = client_->request("GET", "/v1/notifications" + query, {}, kAdmin);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_THAT(r.body, Not(HasSubstr(kSlackPath)));
    EXPECT_THAT(r.body, Not(HasSubstr(kHookSecret)));
    return Json::parse(r.body);
  }

  // Waits (bounded) until `count` rows have `status`.
  Json wait_for(const std::string& status, std::size_t count) {
    Json body;
    const auto enough = [&] {
      body = notifications("?status=" + status);
      return body["notifications"].size() >= count;
    };
    if (testing::wait_until(enough, 15s, 100ms)) return body;
    ADD_FAILURE() << "fewer than " << count << " " << status << " rows: " << body.dump();
    return body;
  }

  testing::TempDir dir_;
  testing::TlsFiles tls_;
  std::unique_ptr<Receiver> slack_, hook_;
  std::string settings_, store_;
  std::unique_ptr<SluiceProcess> server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(NotifyEndToEnd, AKillSwitchReachesSlackAndASignedWebhookOverHttps) {
  start("serve.log");
  ASSERT_EQ(client_->request("POST", "/v1/flags", kFlag, kAdmin).status, 201);
  auto killed = client_->request("POST", "/v1/flags/checkout/kill",
                                 R"({"reason":"checkout errors after deploy 4711"})", kAdmin);
  ASSERT_EQ(killed.status, 200) << killed.body;

  Json delivered = wait_for("delivered", 2);
  ASSERT_EQ(delivered["notifications"].size(), 2u);
  for (const Json& row : delivered["notifications"]) {
    EXPECT_EQ(row["event"], "kill_switch");
    EXPECT_EQ(row["flag"], "checkout");
    EXPECT_EQ(row["attempts"], 1);
  }

  auto slack = slack_->requests();
  ASSERT_EQ(slack.size(), 1u);
  EXPECT_EQ(slack[0].target, kSlackPath);
  const Json message = Json::parse(slack[0].body);
  EXPECT_TRUE(message.contains("blocks"));
  EXPECT_THAT(slack[0].body, HasSubstr("checkout"));
  EXPECT_THAT(slack[0].body, HasSubstr("checkout errors after deploy 4711"));
  EXPECT_THAT(slack[0].body, HasSubstr("https://sluice.example.com/flags/checkout"));

  auto hook = hook_->requests();
  ASSERT_EQ(hook.size(), 1u);
  const std::string timestamp = hook[0].headers["sluice-timestamp"];
  ASSERT_FALSE(timestamp.empty());
  // What a receiver does: recompute the signature over "timestamp.body" with the shared secret.
  EXPECT_EQ(hook[0].headers["sluice-signature"],
            notify::webhook_signature(kHookSecret, std::stoll(timestamp), hook[0].body));
  const Json body = Json::parse(hook[0].body);
  EXPECT_EQ(body["schema_version"], 1);
  EXPECT_EQ(body["type"], "kill_switch");
  EXPECT_EQ(body["flag"], "checkout");
  EXPECT_EQ(hook[0].headers["sluice-event-id"], body["id"]);
  EXPECT_THAT(body["id"].get<std::string>(), HasSubstr("flag/checkout/version/"));

  EXPECT_EQ(server_->terminate(10s), 0);
  EXPECT_THAT(server_->log(), HasSubstr("audit"));  // deliveries are logged by target name...
  EXPECT_THAT(server_->log(), Not(HasSubstr(kSlackPath)));  // ...never with a secret
  EXPECT_THAT(server_->log(), Not(HasSubstr(kHookSecret)));
}

TEST_F(NotifyEndToEnd, APendingNotificationSurvivesASigkillAndIsDeliveredAfterTheRestart) {
  hook_->answer_all(ReceiverMode::Fail500);
  slack_->answer_all(ReceiverMode::Fail500);
  start("serve1.log");
  ASSERT_EQ(client_->request("POST", "/v1/flags", kFlag, kAdmin).status, 201);
  ASSERT_EQ(client_->request("POST", "/v1/flags/checkout/kill", {}, kAdmin).status, 200);

  // Both targets have refused at least once and the rows wait for their next attempt.
  testing::wait_until([&] { return !hook_->requests().empty() && !slack_->requests().empty(); },
                      5s);
  ASSERT_FALSE(hook_->requests().empty());
  Json pending = notifications("?status=pending");
  ASSERT_EQ(pending["notifications"].size(), 2u);
  for (const Json& row : pending["notifications"]) {
    EXPECT_GE(row["attempts"].get<int>(), 1);
    EXPECT_THAT(row["last_error"].get<std::string>(), HasSubstr("500"));
  }
  const std::string event_id = hook_->requests().front().headers["sluice-event-id"];

  server_.reset();  // SIGKILL: no clean shutdown
  hook_->answer_all(ReceiverMode::Ok);
  slack_->answer_all(ReceiverMode::Ok);
  const std::size_t hook_before = hook_->requests().size();
  start("serve2.log");

  Json delivered = wait_for("delivered", 2);
  EXPECT_EQ(delivered["notifications"].size(), 2u);
  EXPECT_TRUE(notifications("?status=pending")["notifications"].empty());
  // Delivered once after the restart, with the same event id the receiver dedupes on. A clean
  // stop waits for sends in flight: after it, no late duplicate can still arrive.
  server_->terminate(std::chrono::seconds(10));
  auto hook = hook_->requests();
  ASSERT_EQ(hook.size(), hook_before + 1);
  EXPECT_EQ(hook.back().headers["sluice-event-id"], event_id);
}

TEST_F(NotifyEndToEnd, ADeadLetterIsRetriedThroughTheApi) {
  hook_->answer_all(ReceiverMode::Reject400);  // a final refusal: dead at once
  start("serve.log");
  ASSERT_EQ(client_->request("POST", "/v1/flags", kFlag, kAdmin).status, 201);
  ASSERT_EQ(client_->request("POST", "/v1/flags/checkout/kill", {}, kAdmin).status, 200);
  Json dead = wait_for("dead", 1);
  ASSERT_EQ(dead["notifications"].size(), 1u);
  EXPECT_EQ(dead["notifications"][0]["target"], "audit");
  const auto id = dead["notifications"][0]["id"].get<std::int64_t>();

  hook_->answer_all(ReceiverMode::Ok);
  auto retried = client_->request("POST", "/v1/notifications/" + std::to_string(id) + "/retry",
                                  R"({"reason":"receiver fixed"})", kAdmin);
  ASSERT_EQ(retried.status, 200) << retried.body;
  wait_for("delivered", 2);
  EXPECT_TRUE(notifications("?status=dead")["notifications"].empty());
}

}  // namespace
}  // namespace sluice
