// The Prometheus source against the real Prometheus (Debian's 2.42) scraping an in-test
// endpoint whose counters grow at known rates. Takes ~10 s: Prometheus stores its first sample
// about 6 s after it starts.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>

#include "http_server.hpp"
#include "net_test_support.hpp"
#include "prometheus_server.hpp"
#include "sluice/metrics/prometheus_source.hpp"

namespace sluice::metrics {
namespace {

using namespace std::chrono_literals;

// Per-second rates of the served counters.
struct Traffic {
  const char* flag;
  const char* variant;
  double ok_per_s;
  double errors_per_s;  // status 500; 0 = no error series at all
  bool histogram;
};
constexpr Traffic kTraffic[] = {
    {"checkout", "off", 40, 1, true},
    {"checkout", "on", 10, 2, true},
    {"search", "beta", 5, 0, false},  // partial: a treatment with no control, no errors, no timing
};
// Histogram buckets as shares of all requests of the variant.
constexpr double kUnder100ms = 0.5;
constexpr double kUnder500ms = 0.9;

std::string exposition(double elapsed) {
  std::string text = "# TYPE http_server_requests_total counter\n";
  char line[512];
  for (const Traffic& t : kTraffic) {
    std::snprintf(line, sizeof line,
                  "http_server_requests_total{feature_flag_key=\"%s\",feature_flag_variant=\"%s\","
                  "http_response_status_code=\"200\"} %.3f\n",
                  t.flag, t.variant, t.ok_per_s * elapsed);
    text += line;
    if (t.errors_per_s > 0) {
      std::snprintf(line, sizeof line,
                    "http_server_requests_total{feature_flag_key=\"%s\",feature_flag_variant="
                    "\"%s\",http_response_status_code=\"500\"} %.3f\n",
                    t.flag, t.variant, t.errors_per_s * elapsed);
      text += line;
    }
  }
  text += "# TYPE http_server_request_duration_seconds histogram\n";
  for (const Traffic& t : kTraffic) {
    if (!t.histogram) continue;
    const double total = (t.ok_per_s + t.errors_per_s) * elapsed;
    const std::pair<const char*, double> buckets[] = {
        {"0.1", total * kUnder100ms}, {"0.5", total * kUnder500ms}, {"+Inf", total}};
    for (const auto& [le, count] : buckets) {
      std::snprintf(line, sizeof line,
                    "http_server_request_duration_seconds_bucket{feature_flag_key=\"%s\","
                    "feature_flag_variant=\"%s\",le=\"%s\"} %.3f\n",
                    t.flag, t.variant, le, count);
      text += line;
    }
    std::snprintf(line, sizeof line,
                  "http_server_request_duration_seconds_count{feature_flag_key=\"%s\","
                  "feature_flag_variant=\"%s\"} %.3f\n"
                  "http_server_request_duration_seconds_sum{feature_flag_key=\"%s\","
                  "feature_flag_variant=\"%s\"} %.3f\n",
                  t.flag, t.variant, total, t.flag, t.variant, total * 0.12);
    text += line;
  }
  return text;
}

template <typename Result, typename Start>
Result run(boost::asio::io_context& io, Start start) {
  Result out;
  int calls = 0;
  start([&](Result result) {
    ++calls;
    out = std::move(result);
  });
  testing::run_until_idle(io);
  EXPECT_EQ(calls, 1);
  return out;
}

TEST(PrometheusE2E, PerVariantDeltasFromARealPrometheus) {
  SLUICE_REQUIRE_PROMETHEUS();
  const auto started = std::chrono::steady_clock::now();
  server::Router router;
  router.add_sync("GET", "/metrics", [started](const server::HttpRequest&) {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    server::HttpResponse response{200, {}, exposition(elapsed)};
    response.set_header("Content-Type", "text/plain; version=0.0.4");
    return response;
  });
  server::HttpServerOptions options;
  options.listen = "127.0.0.1:0";
  options.threads = 1;
  options.shutdown_grace = 1s;
  server::HttpServer exporter(router, options);
  exporter.start();

  testing::PrometheusServer prometheus({{"127.0.0.1:" + std::to_string(exporter.port())}, {}, 20s});
  // Enough samples for a 5 s window: increase() needs two in range, and we want several.
  ASSERT_TRUE(prometheus.wait_for_data(
      "count_over_time(http_server_requests_total{feature_flag_variant=\"on\","
      "http_response_status_code=\"200\"}[10s])",
      7, 30s))
      << prometheus.log();

  boost::asio::io_context io;
  PrometheusSource source(io, prometheus.url());
  EXPECT_EQ(source.name(), "prometheus " + prometheus.url());
  WindowRequest request;
  request.at = std::chrono::system_clock::now() - 1s;
  request.window = 5s;
  request.want_latency = true;
  auto result =
      run<WindowResult>(io, [&](auto done) { source.fetch_window(request, std::move(done)); });
  ASSERT_FALSE(result.requests_error) << *result.requests_error;
  ASSERT_FALSE(result.errors_error) << *result.errors_error;
  ASSERT_FALSE(result.latency_error) << *result.latency_error;
  EXPECT_EQ(result.queries, 3);
  ASSERT_EQ(result.series.size(), 3u);

  // increase() extrapolates to the window's edges; linear counters come out close to rate * 5 s.
  const auto& off = result.series.at({"checkout", "off"});
  const auto& on = result.series.at({"checkout", "on"});
  const auto& beta = result.series.at({"search", "beta"});
  EXPECT_NEAR(off.requests, 41 * 5, 41 * 5 * 0.2);
  EXPECT_NEAR(off.errors, 1 * 5, 5 * 0.2);
  EXPECT_NEAR(on.requests, 12 * 5, 12 * 5 * 0.2);
  EXPECT_NEAR(on.errors, 2 * 5, 10 * 0.2);
  EXPECT_NEAR(on.errors / on.requests, 2.0 / 12, 0.01);
  EXPECT_NEAR(off.errors / off.requests, 1.0 / 41, 0.01);
  EXPECT_EQ(beta.errors, 0);
  EXPECT_NEAR(beta.requests, 5 * 5, 25 * 0.2);
  EXPECT_TRUE(beta.latency.empty());
  EXPECT_FALSE(on.has_nan);

  ASSERT_EQ(on.latency.size(), 3u);
  EXPECT_EQ(on.latency[0].upper_bound, 0.1);
  EXPECT_EQ(on.latency[1].upper_bound, 0.5);
  EXPECT_EQ(on.latency[2].upper_bound, std::numeric_limits<double>::infinity());
  EXPECT_NEAR(on.latency[0].cumulative_count / on.latency[2].cumulative_count, kUnder100ms, 0.02);
  EXPECT_NEAR(on.latency[1].cumulative_count / on.latency[2].cumulative_count, kUnder500ms, 0.02);
  EXPECT_NEAR(on.latency[2].cumulative_count, on.requests, on.requests * 0.05);

  // Custom checks: one value, or why not.
  auto share = run<ScalarResult>(io, [&](auto done) {
    source.fetch_scalar(
        ScalarRequest{request.at,
                      "sum(increase(http_server_requests_total{feature_flag_key=\"checkout\","
                      "feature_flag_variant=\"on\",http_response_status_code=~\"5..\"}[5s])) / "
                      "sum(increase(http_server_requests_total{feature_flag_key=\"checkout\","
                      "feature_flag_variant=\"on\"}[5s]))"},
        std::move(done));
  });
  ASSERT_TRUE(share.value) << share.error.value_or("");
  EXPECT_NEAR(*share.value, 2.0 / 12, 0.01);
  auto many = run<ScalarResult>(io, [&](auto done) {
    source.fetch_scalar(
        ScalarRequest{request.at, "sum by (feature_flag_variant) (http_server_requests_total)"},
        std::move(done));
  });
  EXPECT_EQ(many.error, "3 series, expected 1");
  auto none = run<ScalarResult>(io, [&](auto done) {
    source.fetch_scalar(ScalarRequest{request.at, "http_server_requests_total{nope=\"x\"}"},
                        std::move(done));
  });
  EXPECT_EQ(none.error, "empty result");
  auto bad = run<ScalarResult>(io, [&](auto done) {
    source.fetch_scalar(ScalarRequest{request.at, "sum(("}, std::move(done));
  });
  ASSERT_TRUE(bad.error);
  EXPECT_EQ(bad.error->rfind("Prometheus at " + prometheus.url() + " answered 400: bad_data:", 0),
            0u)
      << *bad.error;

  // Before any sample: every flag has no series, and that is not an error.
  WindowRequest before = request;
  before.at = std::chrono::system_clock::now() - 1h;
  auto empty =
      run<WindowResult>(io, [&](auto done) { source.fetch_window(before, std::move(done)); });
  EXPECT_FALSE(empty.requests_error);
  EXPECT_TRUE(empty.series.empty());
}

TEST(PrometheusE2E, StoppedPrometheusIsAClearErrorWithinTheTimeout) {
  SLUICE_REQUIRE_PROMETHEUS();
  std::string url;
  {
    testing::PrometheusServer prometheus({{}, {}, 20s});
    url = prometheus.url();
  }  // stopped: its port now refuses connections
  boost::asio::io_context io;
  PrometheusOptions options;
  options.timeout = 1s;
  options.retry = net::RetryPolicy{2, 50ms, 100ms};
  PrometheusSource source(io, url, options);
  WindowRequest request;
  request.at = std::chrono::system_clock::now();
  request.window = 30s;
  const auto start = std::chrono::steady_clock::now();
  auto result =
      run<WindowResult>(io, [&](auto done) { source.fetch_window(request, std::move(done)); });
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_EQ(result.requests_error, "Prometheus at " + url + ": connection refused (2 attempts)");
  EXPECT_TRUE(result.series.empty());
}

}  // namespace
}  // namespace sluice::metrics
