// `sluice serve` as a separate process, driven over real HTTP on loopback.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "http_client.hpp"
#include "postgres_server.hpp"
#include "run_command.hpp"
#include "sluice_process.hpp"
#include "wait_until.hpp"

namespace sluice {
namespace {

using testing::create_token;
using ::testing::HasSubstr;
using testing::HttpClient;
using testing::SluiceProcess;
using Json = nlohmann::json;

const std::string kExamples = std::string(SLUICE_SOURCE_DIR) + "/examples/flags";
const testing::Headers kAdmin = {{"Authorization", "Bearer e2e-admin"},
                                 {"Content-Type", "application/json"}};
const std::string kContext = R"({"context":{"targetingKey":"u1","plan":"free","country":"US"}})";

class ServeEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = "sqlite:" + dir_.path() + "/sluice.db";
    sdk_token_ = create_token(store_, "web-sdk", "sdk");
    server_ = std::make_unique<SluiceProcess>(
        std::vector<std::string>{"--store", store_, "--flags-dir", kExamples, "--heartbeat-seconds",
                                 "1"},
        std::vector<std::string>{"SLUICE_ADMIN_TOKEN=e2e-admin"}, dir_.path() + "/serve.log");
  }

  testing::TempDir dir_;
  std::string store_;
  std::string sdk_token_;
  std::unique_ptr<SluiceProcess> server_;
};

TEST_F(ServeEndToEnd, HealthAndReadiness) {
  HttpClient client(server_->port());
  EXPECT_EQ(client.get("/healthz").status, 200);
  auto ready = client.get("/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_THAT(ready.body, HasSubstr("loaded at version"));
}

TEST_F(ServeEndToEnd, TokensAndScopes) {
  HttpClient client(server_->port());
  auto anonymous = client.request("POST", "/ofrep/v1/evaluate/flags/ai-chatbot", kContext);
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(Json::parse(anonymous.body)["code"], "unauthorized");
  auto wrong = client.request("POST", "/ofrep/v1/evaluate/flags/ai-chatbot", kContext,
                              {{"Authorization", "Bearer sluice_wrong"}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.body, anonymous.body);  // nothing that helps a guesser

  testing::Headers sdk = {{"Authorization", "Bearer " + sdk_token_}};
  auto evaluated = client.request("POST", "/ofrep/v1/evaluate/flags/ai-chatbot", kContext, sdk);
  EXPECT_EQ(evaluated.status, 200) << evaluated.body;
  EXPECT_EQ(Json::parse(evaluated.body)["reason"], "TARGETING_MATCH");
  auto forbidden = client.request("POST", "/v1/flags/ai-chatbot/kill", "", sdk);
  EXPECT_EQ(forbidden.status, 403);
  EXPECT_EQ(Json::parse(forbidden.body)["code"], "forbidden");
}

TEST_F(ServeEndToEnd, KillSwitchReachesStreamSubscribersAndEvaluation) {
  HttpClient subscriber(server_->port());
  auto head = subscriber.open_stream("/v1/stream", {{"Authorization", "Bearer " + sdk_token_}});
  ASSERT_EQ(head.status, 200);
  EXPECT_THAT(head.header("Content-Type"), HasSubstr("text/event-stream"));
  auto first = subscriber.next_event(std::chrono::seconds(5));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->event, "snapshot");
  EXPECT_EQ(Json::parse(first->data)["flags"].size(), 5u);

  HttpClient admin(server_->port());
  auto killed = admin.request("POST", "/v1/flags/ai-chatbot/kill", "", kAdmin);
  ASSERT_EQ(killed.status, 200) << killed.body;

  std::optional<testing::SseMessage> change;
  for (int i = 0; i < 10 && !change; ++i) {
    auto message = subscriber.next_event(std::chrono::seconds(5));
    ASSERT_TRUE(message) << "no change event";
    if (message->event == "change") change = message;  // skip heartbeat comments
  }
  ASSERT_TRUE(change);
  auto data = Json::parse(change->data);
  EXPECT_EQ(data["key"], "ai-chatbot");
  EXPECT_EQ(data["flag"]["enabled"], false);
  EXPECT_EQ(change->id, std::to_string(data["version"].get<std::int64_t>()));

  auto evaluated = admin.request("POST", "/ofrep/v1/evaluate/flags/ai-chatbot", kContext, kAdmin);
  EXPECT_EQ(Json::parse(evaluated.body)["reason"], "DISABLED");

  // Resuming from before the kill replays just the change, not the whole set.
  HttpClient resumed(server_->port());
  auto resumed_head = resumed.open_stream(
      "/v1/stream", {{"Authorization", "Bearer " + sdk_token_},
                     {"Last-Event-ID", std::to_string(data["version"].get<std::int64_t>() - 1)}});
  ASSERT_EQ(resumed_head.status, 200);
  auto replay = resumed.next_event(std::chrono::seconds(5));
  ASSERT_TRUE(replay);
  EXPECT_EQ(replay->event, "change");
  EXPECT_EQ(replay->id, change->id);
}

TEST_F(ServeEndToEnd, DefinitionsFromFilesRefuseApiWrites) {
  HttpClient client(server_->port());
  auto refused = client.request("POST", "/v1/flags", R"({"key":"x"})", kAdmin);
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(Json::parse(refused.body)["code"], "managed_by_files");
}

TEST_F(ServeEndToEnd, BadRequestsGetJsonErrors) {
  HttpClient client(server_->port());
  auto missing = client.request("GET", "/v1/nothing-here", "", kAdmin);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(Json::parse(missing.body)["code"], "not_found");
  auto huge = client.request("POST", "/ofrep/v1/evaluate/flags/ai-chatbot",
                             std::string(2 << 20, 'x'), kAdmin);
  EXPECT_EQ(huge.status, 413);
  HttpClient again(server_->port());
  auto parse = again.request("POST", "/ofrep/v1/evaluate/flags/ai-chatbot", "{oops", kAdmin);
  EXPECT_EQ(parse.status, 400);
  EXPECT_EQ(Json::parse(parse.body)["errorCode"], "PARSE_ERROR");
}

TEST_F(ServeEndToEnd, SigtermExitsZero) {
  HttpClient client(server_->port());
  ASSERT_EQ(client.get("/healthz").status, 200);
  EXPECT_EQ(server_->terminate(std::chrono::seconds(15)), 0) << server_->log();
}

TEST_F(ServeEndToEnd, FlagFileChangesAreServedWithoutRestart) {
  // A second server on a copy of the flags folder, so the file can change.
  testing::TempDir flags;
  std::filesystem::copy(kExamples, flags.path(), std::filesystem::copy_options::recursive);
  SluiceProcess server({"--store", "sqlite:" + flags.path() + "/s.db", "--flags-dir", flags.path()},
                       {"SLUICE_ADMIN_TOKEN=e2e-admin"}, flags.path() + "/serve.log");
  HttpClient client(server.port());
  auto before =
      client.request("POST", "/ofrep/v1/evaluate/flags/maintenance-mode", kContext, kAdmin);
  EXPECT_EQ(Json::parse(before.body)["reason"], "DISABLED");
  flags.write("maintenance-mode.yaml",
              "key: maintenance-mode\nvariants: {on: true, off: false}\noff_variant: off\n"
              "default: {variant: on}\ndescription: now with a new description\n");
  const bool changed = testing::wait_until(
      [&] {
        auto got = client.request("GET", "/v1/flags/maintenance-mode", "", kAdmin);
        return Json::parse(got.body).value("description", "") == "now with a new description";
      },
      std::chrono::seconds(5), std::chrono::milliseconds(100));
  EXPECT_TRUE(changed) << server.log();
}

// Two replicas on one PostgreSQL database: a change made through one reaches the stream
// subscribers of the other (LISTEN/NOTIFY).
TEST(ServeReplicas, AChangeThroughOneReplicaReachesTheOthersSubscribers) {
  SLUICE_REQUIRE_POSTGRES();
  const std::string url = testing::shared_postgres().create_database();
  testing::TempDir dir;
  std::vector<std::string> env = {"SLUICE_ADMIN_TOKEN=e2e-admin"};
  SluiceProcess a({"--store", url}, env, dir.path() + "/a.log");
  SluiceProcess b({"--store", url}, env, dir.path() + "/b.log");

  HttpClient subscriber(b.port());
  ASSERT_EQ(subscriber.open_stream("/v1/stream", {{"Authorization", "Bearer e2e-admin"}}).status,
            200);
  auto snapshot = subscriber.next_event(std::chrono::seconds(5));
  ASSERT_TRUE(snapshot);
  EXPECT_EQ(snapshot->event, "snapshot");

  HttpClient writer(a.port());
  auto created = writer.request("POST", "/v1/flags",
                                R"({"key":"checkout","variants":{"on":true,"off":false},
                                    "off_variant":"off","default":{"variant":"on"}})",
                                kAdmin);
  ASSERT_EQ(created.status, 201) << created.body;

  std::optional<testing::SseMessage> change;
  for (int i = 0; i < 20 && !change; ++i) {
    auto message = subscriber.next_event(std::chrono::seconds(5));
    ASSERT_TRUE(message) << b.log();
    if (message->event == "change") change = message;
  }
  ASSERT_TRUE(change);
  EXPECT_EQ(Json::parse(change->data)["key"], "checkout");

  HttpClient reader(b.port());
  auto evaluated = reader.request("POST", "/ofrep/v1/evaluate/flags/checkout", kContext, kAdmin);
  EXPECT_EQ(evaluated.status, 200) << evaluated.body;
  EXPECT_EQ(Json::parse(evaluated.body)["value"], true);
}

}  // namespace
}  // namespace sluice

namespace sluice {
namespace {

// PostgreSQL stops under a running server: evaluation goes on from the last snapshot, writes and
// readiness say 503 with the reason, and after the restart writes work and changes made through
// another replica arrive again.
TEST(ServeStoreOutage, EvaluationSurvivesAndWritesRecover) {
  SLUICE_REQUIRE_POSTGRES();
  auto& postgres = testing::shared_postgres();
  const std::string url = postgres.create_database();
  testing::TempDir dir;
  std::vector<std::string> env = {"SLUICE_ADMIN_TOKEN=e2e-admin"};
  SluiceProcess server({"--store", url}, env, dir.path() + "/serve.log");
  HttpClient client(server.port(), std::chrono::seconds(20));
  const std::string flag = R"({"key":"checkout","variants":{"on":true,"off":false},
                               "off_variant":"off","default":{"variant":"on"}})";
  ASSERT_EQ(client.request("POST", "/v1/flags", flag, kAdmin).status, 201);

  postgres.stop();
  auto evaluated = client.request("POST", "/ofrep/v1/evaluate/flags/checkout", kContext, kAdmin);
  EXPECT_EQ(evaluated.status, 200);
  EXPECT_EQ(Json::parse(evaluated.body)["value"], true);
  auto write = client.request("POST", "/v1/flags/checkout/kill", "", kAdmin);
  EXPECT_EQ(write.status, 503) << write.body;
  EXPECT_EQ(Json::parse(write.body)["code"], "store_unavailable");
  auto ready = client.request("GET", "/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_THAT(ready.body, HasSubstr("unreachable"));

  postgres.start();
  int status = 0;
  testing::wait_until(
      [&] {
        status = client.request("POST", "/v1/flags/checkout/kill", "", kAdmin).status;
        return status == 200;
      },
      std::chrono::seconds(10), std::chrono::milliseconds(250));
  EXPECT_EQ(status, 200) << server.log();
  EXPECT_EQ(
      Json::parse(client.request("POST", "/ofrep/v1/evaluate/flags/checkout", kContext, kAdmin)
                      .body)["reason"],
      "DISABLED");

  // A change through another replica reaches this one after the outage.
  SluiceProcess other({"--store", url}, env, dir.path() + "/other.log");
  HttpClient other_client(other.port());
  ASSERT_EQ(other_client.request("POST", "/v1/flags/checkout/revive", "", kAdmin).status, 200);
  const bool caught_up = testing::wait_until(
      [&] {
        auto r = client.request("POST", "/ofrep/v1/evaluate/flags/checkout", kContext, kAdmin);
        return Json::parse(r.body)["reason"] == "STATIC";
      },
      std::chrono::seconds(6), std::chrono::milliseconds(100));
  EXPECT_TRUE(caught_up) << server.log();
}

}  // namespace
}  // namespace sluice
