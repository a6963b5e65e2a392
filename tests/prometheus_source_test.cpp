// PrometheusSource against a fake /api/v1/query (the project's own server) and against servers
// that are down or never answer. The real Prometheus is in prometheus_e2e_test.cpp.
#include "sluice/metrics/prometheus_source.hpp"

#include <gtest/gtest.h>

#include <mutex>

#include "http_server.hpp"
#include "net_test_support.hpp"

namespace sluice::metrics {
namespace {

using namespace std::chrono_literals;

constexpr const char* kRequests =
    R"({"status":"success","data":{"resultType":"vector","result":[)"
    R"({"metric":{"feature_flag_key":"checkout","feature_flag_variant":"on"},"value":[1,"100"]},)"
    R"({"metric":{"feature_flag_key":"checkout","feature_flag_variant":"off"},"value":[1,"900"]}]}})";
constexpr const char* kErrors =
    R"({"status":"success","data":{"resultType":"vector","result":[)"
    R"({"metric":{"feature_flag_key":"checkout","feature_flag_variant":"on"},"value":[1,"4"]}]}})";
constexpr const char* kLatency =
    R"({"status":"success","data":{"resultType":"vector","result":[)"
    R"({"metric":{"feature_flag_key":"checkout","feature_flag_variant":"on","le":"+Inf"},"value":[1,"100"]},)"
    R"({"metric":{"feature_flag_key":"checkout","feature_flag_variant":"on","le":"0.25"},"value":[1,"90"]}]}})";

// Answers like Prometheus by looking at which query was posted.
class FakePrometheusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router.add_sync("POST", "/api/v1/query", [this](const server::HttpRequest& r) {
      std::lock_guard lock(mutex);
      bodies.push_back(r.body);
      if (r.body.find("syntax") != std::string::npos) {
        return server::HttpResponse::json(
            400, R"({"status":"error","errorType":"bad_data","error":"parse error at char 7"})");
      }
      if (r.body.find("_bucket") != std::string::npos)
        return server::HttpResponse::json(200, kLatency);
      if (r.body.find("5..") != std::string::npos) return server::HttpResponse::json(200, kErrors);
      if (r.body.find("scalar_many") != std::string::npos) {
        return server::HttpResponse::json(200, kRequests);
      }
      if (r.body.find("scalar_none") != std::string::npos) {
        return server::HttpResponse::json(
            200, R"({"status":"success","data":{"resultType":"vector","result":[]}})");
      }
      if (r.body.find("scalar_nan") != std::string::npos) {
        return server::HttpResponse::json(
            200, R"({"status":"success","data":{"resultType":"vector","result":[)"
                 R"({"metric":{},"value":[1,"NaN"]}]}})");
      }
      if (r.body.find("scalar_one") != std::string::npos) {
        return server::HttpResponse::json(
            200, R"({"status":"success","data":{"resultType":"vector","result":[)"
                 R"({"metric":{},"value":[1,"0.042"]}]}})");
      }
      return server::HttpResponse::json(200, kRequests);
    });
    server::HttpServerOptions options;
    options.listen = "127.0.0.1:0";
    options.threads = 1;
    options.shutdown_grace = 1s;
    server = std::make_unique<server::HttpServer>(router, options);
    server->start();
    url = "http://127.0.0.1:" + std::to_string(server->port()) + "/";  // trailing '/' trimmed
  }

  WindowResult fetch(PrometheusSource& source, bool want_latency) {
    WindowRequest request;
    request.at = TimePoint(1700000000500ms);
    request.window = 60s;
    request.want_latency = want_latency;
    int calls = 0;
    WindowResult out;
    source.fetch_window(request, [&](WindowResult result) {
      ++calls;
      out = std::move(result);
    });
    testing::run_until_idle(io);
    EXPECT_EQ(calls, 1);
    return out;
  }

  ScalarResult scalar(PrometheusSource& source, const std::string& promql) {
    ScalarResult out;
    int calls = 0;
    source.fetch_scalar(ScalarRequest{TimePoint(1700000000s), promql}, [&](ScalarResult result) {
      ++calls;
      out = std::move(result);
    });
    testing::run_until_idle(io);
    EXPECT_EQ(calls, 1);
    return out;
  }

  server::Router router;
  std::unique_ptr<server::HttpServer> server;
  std::string url;
  std::mutex mutex;
  std::vector<std::string> bodies;
  boost::asio::io_context io;
};

TEST_F(FakePrometheusTest, ThreeFormPostsForTheWholeGroup) {
  PrometheusSource source(io, url);
  auto result = fetch(source, true);
  EXPECT_EQ(result.queries, 3);
  EXPECT_FALSE(result.requests_error);
  EXPECT_FALSE(result.errors_error);
  EXPECT_FALSE(result.latency_error);
  ASSERT_EQ(result.series.size(), 2u);
  const auto& on = result.series.at({"checkout", "on"});
  EXPECT_EQ(on.requests, 100);
  EXPECT_EQ(on.errors, 4);
  ASSERT_EQ(on.latency.size(), 2u);
  EXPECT_EQ(on.latency[0].upper_bound, 0.25);
  EXPECT_EQ(result.series.at({"checkout", "off"}).errors, 0);
  std::lock_guard lock(mutex);
  ASSERT_EQ(bodies.size(), 3u);
  for (const auto& body : bodies) {
    EXPECT_EQ(body.rfind("query=sum%20by%20%28feature_flag_key%2C%20feature_flag_variant", 0), 0u)
        << body;
    EXPECT_NE(body.find("&time=1700000000.500"), std::string::npos) << body;
  }
}

TEST_F(FakePrometheusTest, TwoQueriesWithoutLatency) {
  PrometheusSource source(io, url);
  auto result = fetch(source, false);
  EXPECT_EQ(result.queries, 2);
  EXPECT_TRUE(result.series.at({"checkout", "on"}).latency.empty());
}

TEST_F(FakePrometheusTest, QueryErrorsNameTheServerAndWhatItSaid) {
  PrometheusSource source(io, url);
  auto result = scalar(source, "syntax error(");
  EXPECT_FALSE(result.value);
  EXPECT_EQ(result.error, "Prometheus at " + url.substr(0, url.size() - 1) +
                              " answered 400: bad_data: parse error at char 7");
}

TEST_F(FakePrometheusTest, ScalarChecks) {
  PrometheusSource source(io, url);
  EXPECT_EQ(scalar(source, "scalar_one").value, 0.042);
  EXPECT_EQ(scalar(source, "scalar_none").error, "empty result");
  EXPECT_EQ(scalar(source, "scalar_many").error, "2 series, expected 1");
  auto nan = scalar(source, "scalar_nan");
  EXPECT_FALSE(nan.value);
  EXPECT_EQ(nan.error, "NaN");
}

WindowResult fetch_from(boost::asio::io_context& io, const std::string& url,
                        PrometheusOptions options) {
  PrometheusSource source(io, url, options);
  WindowRequest request;
  request.at = TimePoint(1700000000s);
  request.window = 30s;
  request.want_latency = true;
  WindowResult out;
  int calls = 0;
  source.fetch_window(request, [&](WindowResult result) {
    ++calls;
    out = std::move(result);
  });
  testing::run_until_idle(io);
  EXPECT_EQ(calls, 1);
  return out;
}

TEST(PrometheusDown, ConnectionRefusedIsNoDataForEveryQuery) {
  boost::asio::io_context io;
  const std::string url = "http://127.0.0.1:" + std::to_string(testing::refused_port());
  PrometheusOptions options;
  options.retry = net::RetryPolicy{2, 10ms, 20ms};
  auto result = fetch_from(io, url, options);
  EXPECT_TRUE(result.series.empty());
  EXPECT_EQ(result.requests_error, "Prometheus at " + url + ": connection refused (2 attempts)");
  EXPECT_EQ(result.errors_error, result.requests_error);
  EXPECT_EQ(result.latency_error, result.requests_error);
  EXPECT_EQ(result.queries, 3);
}

TEST(PrometheusDown, SilentServerTimesOutWithinTheTimeout) {
  boost::asio::io_context io;
  testing::BlackHole hole;
  const std::string url = "http://127.0.0.1:" + std::to_string(hole.port());
  PrometheusOptions options;
  options.timeout = 500ms;
  options.retry = net::RetryPolicy{1, 10ms, 20ms};
  const auto start = std::chrono::steady_clock::now();
  auto result = fetch_from(io, url, options);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(result.requests_error, "Prometheus at " + url + " timed out after 500ms");
  EXPECT_LT(took, 2s);  // the three queries run at once, each bounded by 500 ms
}

}  // namespace
}  // namespace sluice::metrics
