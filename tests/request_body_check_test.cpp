// What every request body passes before its handler runs: nesting depth and UTF-8, answered with
// stable codes in the route's own error shape; error bodies that echo the URL stay valid JSON.
#include "request_body_check.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "ofrep.hpp"
#include "router.hpp"
#include "sluice/json_text_check.hpp"

namespace sluice::server {
namespace {

using Json = nlohmann::json;

std::string nested_context(int levels) {
  return R"({"context":{"a":)" + std::string(static_cast<std::size_t>(levels), '[') +
         std::string(static_cast<std::size_t>(levels), ']') + "}}";
}

class RequestBodyCheck : public ::testing::Test {
 protected:
  RequestBodyCheck() {
    for (const char* pattern : {"/v1/flags", "/ofrep/v1/evaluate/flags/{key}"}) {
      router_.add_sync("POST", pattern, [this](const HttpRequest&) {
        ++handled_;
        return HttpResponse::json(200, "{}");
      });
    }
  }

  HttpResponse post(const std::string& target, std::string body) {
    HttpRequest request;
    request.method = "POST";
    request.target = target;
    EXPECT_TRUE(parse_target(request));
    request.body = std::move(body);
    HttpResponse out;
    router_.dispatch(std::move(request), [&](HttpResponse response) { out = std::move(response); });
    return out;
  }

  Router router_;
  int handled_ = 0;
};

TEST_F(RequestBodyCheck, DeepBodyIs400BeforeTheHandler) {
  const HttpResponse refused = post("/v1/flags", nested_context(100'000));
  EXPECT_EQ(refused.status, 400);
  const Json body = Json::parse(refused.body);
  EXPECT_EQ(body["code"], kJsonTooDeepCode);
  EXPECT_EQ(body["message"], "the request body nests arrays or objects more than 64 levels deep");
  EXPECT_EQ(handled_, 0);
  // At the limit (the body's object is level 1) the handler runs.
  EXPECT_EQ(post("/v1/flags", nested_context(kMaxRequestJsonDepth - 2)).status, 200);
  EXPECT_EQ(handled_, 1);
}

TEST_F(RequestBodyCheck, OfrepRoutesAnswerInOfrepShape) {
  const HttpResponse refused = post("/ofrep/v1/evaluate/flags/checkout", nested_context(20'000));
  EXPECT_EQ(refused.status, 400);
  const Json body = Json::parse(refused.body);
  EXPECT_EQ(body["key"], "checkout");
  EXPECT_EQ(body["errorCode"], "PARSE_ERROR");
  EXPECT_EQ(handled_, 0);
}

TEST_F(RequestBodyCheck, InvalidUtf8Is400InvalidJson) {
  const HttpResponse refused = post("/v1/flags", "{\"key\":\"a\xFF\"}");
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(Json::parse(refused.body)["code"], kInvalidJsonCode);
  const HttpResponse ofrep = post("/ofrep/v1/evaluate/flags/x", "{\"context\":{\"\xC0\":1}}");
  EXPECT_EQ(Json::parse(ofrep.body)["errorCode"], "PARSE_ERROR");
  EXPECT_EQ(handled_, 0);
}

TEST_F(RequestBodyCheck, ErrorBodiesEchoingTheUrlStayValidJson) {
  HttpRequest request;
  request.method = "GET";
  request.target = "/v1/fl%FFags";
  ASSERT_TRUE(parse_target(request));
  const HttpResponse not_found = Router::not_found(request);
  const Json body = Json::parse(not_found.body, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(body.is_discarded()) << not_found.body;
  EXPECT_EQ(body["message"],
            "no route for GET /v1/fl\xEF\xBF\xBD"
            "ags");

  const HttpResponse ofrep = ofrep_failure(404,
                                           "a\xFF"
                                           "b",
                                           "FLAG_NOT_FOUND", "flag 'a\xFF' ");
  const Json ofrep_body = Json::parse(ofrep.body, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(ofrep_body.is_discarded()) << ofrep.body;
  EXPECT_EQ(ofrep_body["key"],
            "a\xEF\xBF\xBD"
            "b");
}

}  // namespace
}  // namespace sluice::server
