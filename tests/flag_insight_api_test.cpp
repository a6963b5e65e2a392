// The API the dashboard reads about flags (whoami, evaluate with an explanation, metrics, stale)
// against one real `sluice serve` with the built-in events source.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "http_client.hpp"
#include "run_command.hpp"
#include "sluice_process.hpp"

namespace sluice {
namespace {

using testing::create_token;
using ::testing::HasSubstr;
using testing::HttpClient;
using testing::SluiceProcess;
using Json = nlohmann::json;

constexpr const char* kFlags = R"(
key: checkout
variants: {on: true, off: false}
off_variant: off
rules:
  - name: staff
    conditions: [{attribute: email, op: ends_with, value: "@example.com"}]
    serve: {variant: on}
  - conditions: [{attribute: country, op: equals, value: NZ}]
    serve: {variant: on}
default:
  split:
    bucket_by: userId
    weights: {off: 50, on: 50}
)";

constexpr const char* kDependent = R"(
key: checkout-banner
variants: {shown: true, hidden: false}
off_variant: hidden
prerequisites:
  - flag: checkout
    variants: [on]
default: {variant: shown}
)";

constexpr const char* kKilled = R"(
key: legacy-export
variants: {on: true, off: false}
enabled: false
off_variant: off
default: {variant: on}
)";

class FlagInsightApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    std::filesystem::create_directories(dir_->path() + "/flags");
    dir_->write("flags/checkout.yaml", kFlags);
    dir_->write("flags/checkout-banner.yaml", kDependent);
    dir_->write("flags/legacy-export.yaml", kKilled);
    const std::string store = "sqlite:" + dir_->path() + "/sluice.db";
    read_token_ = new std::string(create_token(store, "dashboard-viewer", "read"));
    sdk_token_ = new std::string(create_token(store, "web-sdk", "sdk"));
    server_ = new SluiceProcess({"--store", store, "--flags-dir", dir_->path() + "/flags"},
                                {"SLUICE_ADMIN_TOKEN=insight-admin"}, dir_->path() + "/serve.log");
  }
  static void TearDownTestSuite() {
    delete server_;
    delete sdk_token_;
    delete read_token_;
    delete dir_;
  }

  static testing::Headers bearer(const std::string& token) {
    return {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}};
  }
  static testing::Headers admin() { return bearer("insight-admin"); }

  // POST /v1/flags/{key}/evaluate as the read token; the parsed body.
  static Json evaluate(HttpClient& client, const std::string& key, const std::string& context) {
    auto response = client.request("POST", "/v1/flags/" + key + "/evaluate",
                                   R"({"context":)" + context + "}", bearer(*read_token_));
    EXPECT_EQ(response.status, 200) << response.body;
    return Json::parse(response.body, nullptr, false);
  }

  static testing::TempDir* dir_;
  static std::string* read_token_;
  static std::string* sdk_token_;
  static SluiceProcess* server_;
};

testing::TempDir* FlagInsightApi::dir_ = nullptr;
std::string* FlagInsightApi::read_token_ = nullptr;
std::string* FlagInsightApi::sdk_token_ = nullptr;
SluiceProcess* FlagInsightApi::server_ = nullptr;

TEST_F(FlagInsightApi, WhoamiNamesTheTokenAndItsScope) {
  HttpClient client(server_->port());
  auto bootstrap = client.request("GET", "/v1/whoami", "", admin());
  ASSERT_EQ(bootstrap.status, 200) << bootstrap.body;
  EXPECT_EQ(Json::parse(bootstrap.body), Json({{"name", "bootstrap"}, {"scope", "admin"}}));
  auto viewer = client.request("GET", "/v1/whoami", "", bearer(*read_token_));
  EXPECT_EQ(Json::parse(viewer.body), Json({{"name", "dashboard-viewer"}, {"scope", "read"}}));
  auto sdk = client.request("GET", "/v1/whoami", "", bearer(*sdk_token_));
  EXPECT_EQ(Json::parse(sdk.body)["scope"], "sdk");
  auto anonymous = client.get("/v1/whoami");
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(Json::parse(anonymous.body)["code"], "unauthorized");
}

TEST_F(FlagInsightApi, EvaluateExplainsANamedRuleMatch) {
  HttpClient client(server_->port());
  Json result = evaluate(client, "checkout", R"({"userId":"u1","email":"ann@example.com"})");
  EXPECT_EQ(result["key"], "checkout");
  EXPECT_EQ(result["value"], true);
  EXPECT_EQ(result["variant"], "on");
  EXPECT_EQ(result["reason"], "TARGETING_MATCH");
  EXPECT_EQ(result["rule"], "staff");
  EXPECT_FALSE(result.contains("errorCode"));
  EXPECT_EQ(result["explanation"], "matched rule 'staff' (1st rule): served 'on'");
}

TEST_F(FlagInsightApi, EvaluateExplainsAnUnnamedRuleByPosition) {
  HttpClient client(server_->port());
  Json result = evaluate(client, "checkout", R"({"userId":"u1","country":"NZ"})");
  EXPECT_EQ(result["rule"], 1);
  EXPECT_EQ(result["explanation"], "matched the 2nd rule (unnamed): served 'on'");
}

TEST_F(FlagInsightApi, EvaluateExplainsTheSplitWithTheBucket) {
  HttpClient client(server_->port());
  // bucket_of("checkout", "u1"): the same MurmurHash3 every SDK computes.
  Json result = evaluate(client, "checkout", R"({"userId":"u1"})");
  EXPECT_EQ(result["reason"], "SPLIT");
  const std::string variant = result["variant"];
  const std::string explanation = result["explanation"];
  EXPECT_THAT(explanation, HasSubstr("no rule matched (2 rules): fell through to the default: "
                                     "split 50/50 (off/on) by userId, bucket "));
  EXPECT_THAT(explanation, HasSubstr(" of 10000 -> " + variant));
}

TEST_F(FlagInsightApi, EvaluateExplainsAMissingBucketingAttribute) {
  HttpClient client(server_->port());
  Json result = evaluate(client, "checkout", R"({"targetingKey":"u1"})");
  EXPECT_EQ(result["errorCode"], "TARGETING_KEY_MISSING");
  EXPECT_EQ(result["variant"], "off");
  EXPECT_THAT(std::string(result["explanation"]),
              HasSubstr("fell through to the default, which splits by userId, but the context "
                        "has no userId: off variant 'off' served"));
}

TEST_F(FlagInsightApi, EvaluateExplainsAKillAndAFailedPrerequisite) {
  HttpClient client(server_->port());
  Json killed = evaluate(client, "legacy-export", "{}");
  EXPECT_EQ(killed["reason"], "DISABLED");
  EXPECT_EQ(killed["explanation"], "the flag is killed: off variant 'off' served");

  Json blocked = evaluate(client, "checkout-banner", R"({"country":"FR"})");
  EXPECT_EQ(blocked["variant"], "hidden");
  EXPECT_EQ(blocked["rule"], "prerequisite:checkout");
  EXPECT_THAT(std::string(blocked["explanation"]),
              HasSubstr("prerequisite flag 'checkout' served variant 'off', not 'on': off variant "
                        "'hidden' served"));
  Json met = evaluate(client, "checkout-banner", R"({"country":"NZ"})");
  EXPECT_EQ(met["variant"], "shown");
  EXPECT_EQ(met["explanation"], "the flag has no rules, so the default applies: served 'shown'");
}

TEST_F(FlagInsightApi, EvaluateRefusesUnknownFlagsBadBodiesAndSdkTokens) {
  HttpClient client(server_->port());
  auto unknown = client.request("POST", "/v1/flags/nope/evaluate", R"({"context":{}})", admin());
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(Json::parse(unknown.body)["code"], "flag_not_found");
  auto garbage = client.request("POST", "/v1/flags/checkout/evaluate", "{nope", admin());
  EXPECT_EQ(garbage.status, 400);
  EXPECT_EQ(Json::parse(garbage.body)["code"], "invalid_json");
  auto not_object =
      client.request("POST", "/v1/flags/checkout/evaluate", R"({"context":[1]})", admin());
  EXPECT_EQ(not_object.status, 400);
  EXPECT_EQ(Json::parse(not_object.body)["code"], "invalid_context");
  EXPECT_EQ(Json::parse(not_object.body)["field"], "context");
  auto sdk = client.request("POST", "/v1/flags/checkout/evaluate", R"({"context":{}})",
                            bearer(*sdk_token_));
  EXPECT_EQ(sdk.status, 403);
}

TEST_F(FlagInsightApi, MetricsSummariseReportedOutcomesPerVariant) {
  HttpClient client(server_->port());
  const std::string events = R"({"events":[
    {"flag":"checkout","variant":"on","outcome":"ok","latency_ms":20,"count":2},
    {"flag":"checkout","variant":"on","outcome":"error","latency_ms":400},
    {"flag":"checkout","variant":"beta","outcome":"ok"}]})";
  auto posted = client.request("POST", "/v1/events", events, bearer(*sdk_token_));
  ASSERT_EQ(posted.status, 202) << posted.body;

  auto response =
      client.request("GET", "/v1/flags/checkout/metrics?window=60", "", bearer(*read_token_));
  ASSERT_EQ(response.status, 200) << response.body;
  Json metrics = Json::parse(response.body);
  EXPECT_EQ(metrics["flag"], "checkout");
  EXPECT_EQ(metrics["source"], "built-in events");
  EXPECT_EQ(metrics["window_seconds"], 60);
  EXPECT_TRUE(metrics["error"].is_null()) << metrics["error"];
  ASSERT_EQ(metrics["variants"].size(), 3u) << response.body;
  // Declared variants first, in order, then what else was reported.
  const Json& on = metrics["variants"][0];
  const Json& off = metrics["variants"][1];
  EXPECT_EQ(on["variant"], "on");
  EXPECT_EQ(on["requests"], 3);
  EXPECT_EQ(on["errors"], 1);
  EXPECT_NEAR(on["error_rate"].get<double>(), 1.0 / 3.0, 1e-9);
  ASSERT_TRUE(on["p50_ms"].is_number()) << on;
  ASSERT_TRUE(on["p95_ms"].is_number()) << on;
  EXPECT_GT(on["p50_ms"].get<double>(), 10.0);  // in the 10..25 ms bucket
  EXPECT_LE(on["p50_ms"].get<double>(), 25.0);
  EXPECT_GT(on["p95_ms"].get<double>(), 250.0);  // in the 250..500 ms bucket
  EXPECT_EQ(off["variant"], "off");
  EXPECT_EQ(off["requests"], 0);
  EXPECT_TRUE(off["error_rate"].is_null());
  EXPECT_TRUE(off["p50_ms"].is_null());
  EXPECT_EQ(metrics["variants"][2]["variant"], "beta");
  EXPECT_EQ(metrics["variants"][2]["requests"], 1);
  EXPECT_TRUE(metrics["variants"][2]["p50_ms"].is_null());  // not timed
}

TEST_F(FlagInsightApi, MetricsSayWhyThereIsNoData) {
  HttpClient client(server_->port());
  // The built-in source keeps 15 minutes: an hour cannot be answered, and the answer says why.
  auto hour = client.request("GET", "/v1/flags/checkout/metrics?window=3600", "", admin());
  ASSERT_EQ(hour.status, 200) << hour.body;
  Json metrics = Json::parse(hour.body);
  EXPECT_TRUE(metrics["error"].is_string()) << hour.body;
  EXPECT_EQ(metrics["variants"][0]["requests"], 0);
}

TEST_F(FlagInsightApi, MetricsRefuseBadWindowsAndUnknownFlags) {
  HttpClient client(server_->port());
  for (const char* window : {"5", "3601", "abc", "60s"}) {
    auto bad = client.request("GET", std::string("/v1/flags/checkout/metrics?window=") + window, "",
                              admin());
    EXPECT_EQ(bad.status, 400) << window;
    EXPECT_EQ(Json::parse(bad.body)["code"], "invalid_window") << window;
  }
  auto defaulted = client.request("GET", "/v1/flags/checkout/metrics", "", admin());
  EXPECT_EQ(Json::parse(defaulted.body)["window_seconds"], 300);
  auto unknown = client.request("GET", "/v1/flags/nope/metrics", "", admin());
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(Json::parse(unknown.body)["code"], "flag_not_found");
  auto sdk = client.request("GET", "/v1/flags/checkout/metrics", "", bearer(*sdk_token_));
  EXPECT_EQ(sdk.status, 403);
}

}  // namespace
}  // namespace sluice
