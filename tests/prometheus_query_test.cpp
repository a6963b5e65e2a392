// The pure half of the Prometheus source: the batched PromQL and reading hand-written answers.
#include "sluice/metrics/prometheus_query.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace sluice::metrics {
namespace {

using namespace std::chrono_literals;

const MetricNames kNames{};

std::vector<Sample> samples(int status, const std::string& body) {
  auto answer = parse_query_response(status, body);
  EXPECT_FALSE(answer.error) << *answer.error;
  return answer.samples;
}

std::string vector_body(const std::string& results) {
  return R"({"status":"success","data":{"resultType":"vector","result":[)" + results + "]}}";
}

std::string element(const std::string& flag, const std::string& variant, const std::string& value,
                    const std::string& le = "") {
  std::string metric =
      R"("feature_flag_key":")" + flag + R"(","feature_flag_variant":")" + variant + "\"";
  if (!le.empty()) metric += R"(,"le":")" + le + "\"";
  return R"({"metric":{)" + metric + R"(},"value":[1700000000.5,")" + value + "\"]}";
}

TEST(PromQL, OneQueryPerMetricForAllFlags) {
  auto queries = build_window_queries(kNames, 60s);
  EXPECT_EQ(queries.requests,
            "sum by (feature_flag_key, feature_flag_variant) "
            "(increase(http_server_requests_total[60s]))");
  EXPECT_EQ(queries.errors,
            "sum by (feature_flag_key, feature_flag_variant) "
            "(increase(http_server_requests_total{http_response_status_code=~\"5..\"}[60s]))");
  EXPECT_EQ(queries.latency,
            "sum by (feature_flag_key, feature_flag_variant, le) "
            "(increase(http_server_request_duration_seconds_bucket[60s]))");
}

TEST(PromQL, UsesThePolicysNamesAndWholeSeconds) {
  MetricNames names;
  names.flag_label = "flag";
  names.variant_label = "arm";
  names.requests = "requests_total";
  names.error_selector = "outcome=\"error\"";
  names.latency_histogram = "latency_seconds";
  auto queries = build_window_queries(names, 5400s);
  EXPECT_EQ(queries.requests, "sum by (flag, arm) (increase(requests_total[5400s]))");
  EXPECT_EQ(queries.errors,
            "sum by (flag, arm) (increase(requests_total{outcome=\"error\"}[5400s]))");
  EXPECT_EQ(queries.latency, "sum by (flag, arm, le) (increase(latency_seconds_bucket[5400s]))");
}

TEST(PromQL, TimeIsUnixSecondsWithMilliseconds) {
  EXPECT_EQ(prometheus_time(TimePoint(1700000000500ms)), "1700000000.500");
  EXPECT_EQ(prometheus_time(TimePoint(1700000000s)), "1700000000.000");
}

TEST(PrometheusFloat, ReadsPrometheusSpellings) {
  EXPECT_EQ(parse_prometheus_float("1.5"), 1.5);
  EXPECT_EQ(parse_prometheus_float("1e3"), 1000);
  EXPECT_EQ(parse_prometheus_float("+Inf"), std::numeric_limits<double>::infinity());
  EXPECT_EQ(parse_prometheus_float("-Inf"), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(*parse_prometheus_float("NaN")));
  EXPECT_FALSE(parse_prometheus_float(""));
  EXPECT_FALSE(parse_prometheus_float("1.5x"));
}

TEST(PrometheusResponse, EmptyResultIsNoSeriesNotAnError) {
  auto answer = parse_query_response(200, vector_body(""));
  EXPECT_FALSE(answer.error);
  EXPECT_TRUE(answer.samples.empty());
  EXPECT_TRUE(assemble_series(answer.samples, nullptr, nullptr, kNames).empty());
}

TEST(PrometheusResponse, ErrorsSayWhatPrometheusSaid) {
  auto bad = parse_query_response(
      400, R"({"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected"})");
  EXPECT_EQ(bad.error, "answered 400: bad_data: 1:5: parse error: unexpected");
  auto html = parse_query_response(502, "<html>Bad Gateway</html>");
  EXPECT_EQ(html.error, "answered 502: <html>Bad Gateway</html>");
  auto garbage = parse_query_response(200, "{not json");
  ASSERT_TRUE(garbage.error);
  EXPECT_NE(garbage.error->find("not a query result"), std::string::npos);
  auto matrix = parse_query_response(
      200, R"({"status":"success","data":{"resultType":"matrix","result":[]}})");
  EXPECT_EQ(matrix.error, "answered a matrix result, expected an instant vector");
  auto wrong_type = parse_query_response(200, R"({"status":1})");
  ASSERT_TRUE(wrong_type.error);
  EXPECT_NE(wrong_type.error->find("not a query result"), std::string::npos);
  auto bad_value = parse_query_response(200, vector_body(element("f", "on", "lots")));
  ASSERT_TRUE(bad_value.error);
}

TEST(PrometheusResponse, ScalarAnswerIsOneSampleWithoutLabels) {
  auto answer = parse_query_response(
      200, R"({"status":"success","data":{"resultType":"scalar","result":[1700000000,"0.25"]}})");
  ASSERT_FALSE(answer.error);
  ASSERT_EQ(answer.samples.size(), 1u);
  EXPECT_EQ(answer.samples[0].value, 0.25);
}

TEST(PrometheusResponse, AssemblesRequestsErrorsAndLatencyPerVariant) {
  auto requests = samples(
      200, vector_body(element("checkout", "on", "120") + "," + element("checkout", "off", "1000") +
                       "," + element("search", "beta", "7")));
  auto errors = samples(
      200, vector_body(element("checkout", "on", "6") + "," + element("checkout", "off", "10")));
  auto latency = samples(200, vector_body(element("checkout", "on", "120", "+Inf") + "," +
                                          element("checkout", "on", "30", "0.1") + "," +
                                          element("checkout", "on", "100", "0.5")));
  auto series = assemble_series(requests, &errors, &latency, kNames);
  ASSERT_EQ(series.size(), 3u);
  const auto& on = series.at({"checkout", "on"});
  EXPECT_EQ(on.requests, 120);
  EXPECT_EQ(on.errors, 6);
  EXPECT_FALSE(on.has_nan);
  ASSERT_EQ(on.latency.size(), 3u);  // sorted by le
  EXPECT_EQ(on.latency[0].upper_bound, 0.1);
  EXPECT_EQ(on.latency[0].cumulative_count, 30);
  EXPECT_EQ(on.latency[1].upper_bound, 0.5);
  EXPECT_EQ(on.latency[2].upper_bound, std::numeric_limits<double>::infinity());
  EXPECT_EQ(on.latency[2].cumulative_count, 120);
  EXPECT_EQ(series.at({"checkout", "off"}).errors, 10);
  EXPECT_TRUE(series.at({"checkout", "off"}).latency.empty());
  EXPECT_EQ(series.at({"search", "beta"}).errors, 0);  // no error series: none failed
}

TEST(PrometheusResponse, PartialSeriesTreatmentWithoutControl) {
  auto requests = samples(200, vector_body(element("checkout", "on", "50")));
  auto errors = samples(200, vector_body(element("checkout", "off", "3")));
  auto series = assemble_series(requests, &errors, nullptr, kNames);
  ASSERT_EQ(series.size(), 1u);  // control absent: the scheduler decides what that means
  EXPECT_EQ(series.at({"checkout", "on"}).errors, 0);
}

TEST(PrometheusResponse, NaNMarksTheVariant) {
  auto requests = samples(
      200, vector_body(element("checkout", "on", "NaN") + "," + element("checkout", "off", "10")));
  auto errors = samples(200, vector_body(element("checkout", "off", "NaN")));
  auto latency = samples(200, vector_body(element("checkout", "on", "NaN", "+Inf")));
  auto series = assemble_series(requests, &errors, &latency, kNames);
  EXPECT_TRUE(series.at({"checkout", "on"}).has_nan);
  EXPECT_TRUE(series.at({"checkout", "off"}).has_nan);
}

TEST(PrometheusResponse, SamplesWithoutFlagOrVariantAreLeftOut) {
  auto requests =
      samples(200, vector_body(R"({"metric":{"feature_flag_key":"checkout"},"value":[1,"5"]},)"
                               R"({"metric":{},"value":[1,"9"]},)" +
                               element("checkout", "on", "3")));
  auto series = assemble_series(requests, nullptr, nullptr, kNames);
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series.at({"checkout", "on"}).requests, 3);
}

}  // namespace
}  // namespace sluice::metrics
