// OFREP request logic (server/ofrep.cpp) against the scenario flags, without a network.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ofrep.hpp"
#include "sluice/flag_loader.hpp"

namespace sluice::server {
namespace {

class Ofrep : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    LoadResult loaded = load_flag_paths({std::string(SLUICE_SOURCE_DIR) + "/examples/flags"});
    ASSERT_TRUE(loaded.ok());
    snapshot_ = compile_snapshot(std::move(loaded.definitions)).snapshot;
    ASSERT_NE(snapshot_, nullptr);
  }
  static void TearDownTestSuite() { snapshot_.reset(); }

  static nlohmann::json body_of(const HttpResponse& response) {
    return nlohmann::json::parse(response.body);
  }

  static std::shared_ptr<const Snapshot> snapshot_;
};

std::shared_ptr<const Snapshot> Ofrep::snapshot_;

TEST_F(Ofrep, EvaluatesOneFlag) {
  HttpResponse r =
      ofrep_evaluate_flag(*snapshot_, "ai-chatbot",
                          R"({"context":{"targetingKey":"user-1","plan":"free","country":"US"}})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(body_of(r), nlohmann::json::parse(
                            R"({"key":"ai-chatbot","value":true,"reason":"TARGETING_MATCH",
                                "variant":"on"})"));
}

TEST_F(Ofrep, ReasonsForTheScenarioFlags) {
  const std::string context =
      R"({"context":{"targetingKey":"user-7","accountId":"acct-1042","plan":"pro","country":"DE"}})";
  struct Expected {
    const char* key;
    const char* reason;
    const char* variant;
  };
  for (const Expected& e : {Expected{"maintenance-mode", "DISABLED", "off"},
                            Expected{"bulk-invoice-api", "TARGETING_MATCH", "on"},
                            Expected{"ai-chatbot", "DEFAULT", "off"}}) {
    auto body = body_of(ofrep_evaluate_flag(*snapshot_, e.key, context));
    EXPECT_EQ(body["reason"], e.reason) << e.key;
    EXPECT_EQ(body["variant"], e.variant) << e.key;
  }
  auto split = body_of(ofrep_evaluate_flag(*snapshot_, "redesigned-dashboard", context));
  EXPECT_EQ(split["reason"], "SPLIT");
  EXPECT_TRUE(split["value"] == "classic" || split["value"] == "redesigned");
}

TEST_F(Ofrep, UnknownFlagIs404) {
  HttpResponse r = ofrep_evaluate_flag(*snapshot_, "nope", R"({"context":{}})");
  EXPECT_EQ(r.status, 404);
  auto body = body_of(r);
  EXPECT_EQ(body["key"], "nope");
  EXPECT_EQ(body["errorCode"], "FLAG_NOT_FOUND");
  EXPECT_TRUE(body["errorDetails"].is_string());
}

TEST_F(Ofrep, BadBodiesAre400) {
  auto parse = ofrep_evaluate_flag(*snapshot_, "ai-chatbot", "{not json");
  EXPECT_EQ(parse.status, 400);
  EXPECT_EQ(body_of(parse)["errorCode"], "PARSE_ERROR");
  for (const char* body : {R"({})", R"({"context":[1]})", R"([1,2])", R"({"context":"x"})"}) {
    auto r = ofrep_evaluate_flag(*snapshot_, "ai-chatbot", body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_EQ(body_of(r)["errorCode"], "INVALID_CONTEXT") << body;
    EXPECT_EQ(body_of(r)["key"], "ai-chatbot") << body;
  }
}

TEST_F(Ofrep, MissingBucketingAttributeIsTargetingKeyMissing) {
  HttpResponse r =
      ofrep_evaluate_flag(*snapshot_, "new-pdf-engine", R"({"context":{"targetingKey":"user-1"}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(body_of(r)["errorCode"], "TARGETING_KEY_MISSING");
  // Names the attribute, as the admin evaluate endpoint's explanation does.
  EXPECT_EQ(body_of(r)["errorDetails"],
            "the split buckets by accountId; the context has no accountId");
}

TEST_F(Ofrep, BulkEvaluatesEveryFlagWithAnETag) {
  const std::string body = R"({"context":{"targetingKey":"user-1","accountId":"acct-2718"}})";
  HttpResponse r = ofrep_evaluate_all(*snapshot_, "42", body, "");
  EXPECT_EQ(r.status, 200);
  auto json = body_of(r);
  ASSERT_EQ(json["flags"].size(), 5u);
  EXPECT_EQ(json["metadata"]["version"], "42");
  std::map<std::string, nlohmann::json> by_key;
  for (const auto& flag : json["flags"])
    by_key[flag["key"]] = flag;
  EXPECT_EQ(by_key["bulk-invoice-api"]["value"], true);
  EXPECT_EQ(by_key["maintenance-mode"]["reason"], "DISABLED");
  std::string etag(r.header("ETag"));
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(etag.front(), '"');

  HttpResponse again = ofrep_evaluate_all(*snapshot_, "42", body, etag);
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(again.header("ETag"), etag);

  // A new snapshot version or another context gives another ETag: no stale 304.
  EXPECT_EQ(ofrep_evaluate_all(*snapshot_, "43", body, etag).status, 200);
  EXPECT_EQ(
      ofrep_evaluate_all(*snapshot_, "42", R"({"context":{"targetingKey":"user-2"}})", etag).status,
      200);
}

TEST_F(Ofrep, BulkReportsPerFlagFailures) {
  auto json = body_of(ofrep_evaluate_all(*snapshot_, "1", R"({"context":{}})", ""));
  std::map<std::string, nlohmann::json> by_key;
  for (const auto& flag : json["flags"])
    by_key[flag["key"]] = flag;
  EXPECT_EQ(by_key["new-pdf-engine"]["errorCode"], "TARGETING_KEY_MISSING");
  EXPECT_EQ(by_key["new-pdf-engine"]["errorDetails"],
            "the split buckets by accountId; the context has no accountId");
  EXPECT_FALSE(by_key["new-pdf-engine"].contains("value"));
  EXPECT_EQ(by_key["ai-chatbot"]["reason"], "DEFAULT");
}

TEST_F(Ofrep, BulkRejectsABadBody) {
  HttpResponse r = ofrep_evaluate_all(*snapshot_, "1", "nope", "");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(body_of(r)["errorCode"], "PARSE_ERROR");
  EXPECT_FALSE(body_of(r).contains("key"));
}

}  // namespace
}  // namespace sluice::server
