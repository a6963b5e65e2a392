// Bad input against a real `sluice serve` on loopback: every route that takes a JSON body gets
// 100,000 levels of nesting and answers 400 with a stable code, and the server still answers;
// invalid UTF-8 and JSON syntax errors are 400s, never 500s; 404s echoing the URL stay JSON.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "http_client.hpp"
#include "run_command.hpp"
#include "sluice_process.hpp"

namespace sluice {
namespace {

using testing::HttpClient;
using testing::SluiceProcess;
using Json = nlohmann::json;

const testing::Headers kAdmin = {{"Authorization", "Bearer bad-input-admin"},
                                 {"Content-Type", "application/json"}};

struct BodyRoute {
  std::string method;
  std::string target;
  bool ofrep = false;
};

// Every route that reads a request body (server/service_routes.cpp: OFREP, evaluate, the admin
// API, rollouts, notifications, events), with its parameters filled in.
const std::vector<BodyRoute> kBodyRoutes = {
    {"POST", "/ofrep/v1/evaluate/flags/checkout", true},
    {"POST", "/ofrep/v1/evaluate/flags", true},
    {"POST", "/v1/flags/checkout/evaluate"},
    {"POST", "/v1/flags"},
    {"PUT", "/v1/flags/checkout"},
    {"PATCH", "/v1/flags/checkout"},
    {"DELETE", "/v1/flags/checkout"},
    {"POST", "/v1/flags/checkout/kill"},
    {"POST", "/v1/flags/checkout/revive"},
    {"POST", "/v1/segments"},
    {"PUT", "/v1/segments/beta"},
    {"DELETE", "/v1/segments/beta"},
    {"POST", "/v1/rollouts"},
    {"POST", "/v1/rollouts/checkout/pause"},
    {"POST", "/v1/notifications/1/retry"},
    {"POST", "/v1/events"},
};

std::string nested(int levels) {
  return R"({"context":{"a":)" + std::string(static_cast<std::size_t>(levels), '[') +
         std::string(static_cast<std::size_t>(levels), ']') + "}}";
}

class BadInputEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<SluiceProcess>(
        std::vector<std::string>{"--store", "sqlite:" + dir_.path() + "/sluice.db"},
        std::vector<std::string>{"SLUICE_ADMIN_TOKEN=bad-input-admin"}, dir_.path() + "/serve.log");
    HttpClient client(server_->port());
    const auto created =
        client.request("POST", "/v1/flags",
                       R"({"key":"checkout","variants":{"on":true,"off":false},"off_variant":"off",
            "default":{"variant":"off"}})",
                       kAdmin);
    ASSERT_EQ(created.status, 201) << created.body;
  }

  testing::TempDir dir_;
  std::unique_ptr<SluiceProcess> server_;
};

TEST_F(BadInputEndToEnd, EveryBodyRouteRefusesDeepNestingAndTheServerStaysUp) {
  const std::string body = nested(100'000);
  for (const BodyRoute& route : kBodyRoutes) {
    HttpClient client(server_->port(), std::chrono::seconds(10));
    testing::ClientResponse refused;
    try {
      refused = client.request(route.method, route.target, body, kAdmin);
    } catch (const std::exception& e) {  // the connection died with the server
      FAIL() << route.method << ' ' << route.target << ": " << e.what() << '\n' << server_->log();
    }
    EXPECT_EQ(refused.status, 400) << route.method << ' ' << route.target << ' ' << refused.body;
    const Json answer = Json::parse(refused.body, nullptr, /*allow_exceptions=*/false);
    if (route.ofrep) {
      EXPECT_EQ(answer.value("errorCode", ""), "PARSE_ERROR") << route.target;
    } else {
      EXPECT_EQ(answer.value("code", ""), "json_too_deep") << route.method << ' ' << route.target;
    }
    HttpClient fresh(server_->port());
    ASSERT_EQ(fresh.get("/healthz").status, 200)
        << "after " << route.method << ' ' << route.target << ":\n"
        << server_->log();
  }
  // The flag is untouched: none of the refused writes happened.
  HttpClient client(server_->port());
  const auto flag = client.request("GET", "/v1/flags/checkout", {}, kAdmin);
  EXPECT_EQ(flag.status, 200) << flag.body;
  EXPECT_EQ(flag.header("ETag"), "\"1\"") << flag.body;
  EXPECT_EQ(Json::parse(flag.body)["enabled"], true) << flag.body;
}

TEST_F(BadInputEndToEnd, InvalidUtf8IsInvalidJsonNot500) {
  HttpClient client(server_->port());
  for (const std::string target : {"/v1/flags", "/v1/segments", "/v1/events", "/v1/rollouts"}) {
    const auto refused = client.request("POST", target, "{\"key\":\"a\xFF\"}", kAdmin);
    EXPECT_EQ(refused.status, 400) << target << ' ' << refused.body;
    EXPECT_EQ(Json::parse(refused.body)["code"], "invalid_json") << target;
  }
}

// nlohmann's syntax error quotes the bytes last read, which can end inside a character: the
// message went into the error body and made the handler throw (500 "the handler did not answer").
TEST_F(BadInputEndToEnd, SyntaxErrorNextToNonAsciiIs400) {
  HttpClient client(server_->port());
  const std::string body = "{\"key\": \xC3\xA9}";
  for (const std::string target : {"/v1/flags", "/v1/segments", "/v1/events", "/v1/rollouts"}) {
    const auto refused = client.request("POST", target, body, kAdmin);
    EXPECT_EQ(refused.status, 400) << target << ' ' << refused.body;
    EXPECT_FALSE(Json::parse(refused.body, nullptr, false).is_discarded()) << refused.body;
  }
}

TEST_F(BadInputEndToEnd, NotFoundBodiesEchoingTheKeyStayValidJson) {
  HttpClient client(server_->port());
  const auto admin = client.request("GET", "/v1/flags/a%FFb", {}, kAdmin);
  EXPECT_EQ(admin.status, 404);
  EXPECT_EQ(Json::parse(admin.body)["message"],
            "flag 'a\xEF\xBF\xBD"
            "b' does not exist");
  const auto ofrep =
      client.request("POST", "/ofrep/v1/evaluate/flags/a%FFb", R"({"context":{}})", kAdmin);
  EXPECT_EQ(ofrep.status, 404);
  EXPECT_EQ(Json::parse(ofrep.body)["key"],
            "a\xEF\xBF\xBD"
            "b");
}

}  // namespace
}  // namespace sluice
