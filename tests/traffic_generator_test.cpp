// The traffic generator (app/traffic_generator.hpp) against a real `sluice serve`: what it reports
// per variant (to /v1/events and on its own /metrics) follows what the server served.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <sstream>
#include <string>
#include <thread>

#include "free_port.hpp"
#include "run_command.hpp"
#include "sluice_process.hpp"
#include "traffic_generator.hpp"
#include "traffic_http.hpp"
#include "wait_until.hpp"

namespace sluice {
namespace {

using app::ReportTo;
using app::TrafficGenerator;
using app::TrafficOptions;
using ::testing::HasSubstr;
using testing::run_command;
using testing::SluiceProcess;
using testing::TempDir;

const std::string kExamples = std::string(SLUICE_SOURCE_DIR) + "/examples/flags";
const std::string kToken = "traffic-test-token";

// The sum of every sample of `metric` whose labels include all of `labels` (`name="value"`).
double metric_sum(const std::string& text, const std::string& metric,
                  const std::vector<std::string>& labels) {
  double sum = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(metric + "{", 0) != 0) continue;
    const auto close = line.find("} ");
    if (close == std::string::npos) continue;
    const std::string label_text = line.substr(0, close);
    bool all = true;
    for (const auto& l : labels)
      all = all && label_text.find(l) != std::string::npos;
    if (all) sum += std::strtod(line.c_str() + close + 2, nullptr);
  }
  return sum;
}

std::string label(const std::string& name, const std::string& value) {
  return name + "=\"" + value + "\"";
}

TrafficOptions options_for(std::uint16_t port) {
  TrafficOptions o;
  o.url = "http://127.0.0.1:" + std::to_string(port);
  o.token = kToken;
  o.rps = 400;
  o.seed = 7;
  o.connections = 3;
  o.report = ReportTo::both;
  o.report_interval = std::chrono::milliseconds(300);
  o.error_rates = {{"", "", 0.02}, {"redesigned-dashboard", "new", 0.2}};
  o.latency_ms = {{"", "", 40}};
  o.latency_factors = {{"redesigned-dashboard", "new", 3}};
  return o;
}

TEST(TrafficGenerator, ReportsPerVariantWhatTheServerServed) {
  TempDir dir;
  SluiceProcess server({"--store", "sqlite:" + dir.path() + "/sluice.db", "--flags-dir", kExamples},
                       {"SLUICE_ADMIN_TOKEN=" + kToken}, dir.path() + "/serve.log");
  TrafficOptions o = options_for(server.port());
  o.flags = {{"new-pdf-engine", 2}, {"redesigned-dashboard", 2}, {"no-such-flag", 0.1}};
  TrafficGenerator generator(o);
  generator.start();
  ASSERT_NE(generator.metrics_port(), 0);
  // About three seconds of traffic at 400 rps: enough for the split checks below.
  const auto served = [](const app::TrafficStats& stats, const std::string& flag) {
    std::uint64_t requests = 0;
    if (auto it = stats.flags.find(flag); it != stats.flags.end()) {
      for (const auto& [variant, counts] : it->second.variants)
        requests += counts.requests;
    }
    return requests;
  };
  EXPECT_TRUE(testing::wait_until(
      [&] {
        const app::TrafficStats stats = generator.stats();
        return served(stats, "new-pdf-engine") >= 550 &&
               served(stats, "redesigned-dashboard") >= 550;
      },
      std::chrono::seconds(30)));
  // A scrape while it runs, over HTTP like Prometheus.
  app::KeepAliveConnection scrape("http://127.0.0.1:" + std::to_string(generator.metrics_port()));
  const app::SimpleResponse scraped =
      scrape.request("GET", "/metrics", {}, "", std::chrono::seconds(2));
  ASSERT_EQ(scraped.status, 200) << scraped.error;
  EXPECT_THAT(scraped.body, HasSubstr("http_server_requests_total{feature_flag_key=\""));
  EXPECT_THAT(scraped.body, HasSubstr("http_server_request_duration_seconds_bucket{"));
  generator.stop();

  const app::TrafficStats stats = generator.stats();
  const auto& pdf = stats.flags.at("new-pdf-engine");
  const auto& dashboard = stats.flags.at("redesigned-dashboard");
  EXPECT_EQ(pdf.evaluation_failures, 0u);
  EXPECT_EQ(dashboard.evaluation_failures, 0u);
  EXPECT_EQ(stats.dropped, 0u);
  // The unknown flag is counted as failed evaluations, with the server's error code.
  const auto& unknown = stats.flags.at("no-such-flag");
  EXPECT_GT(unknown.evaluation_failures, 0u);
  EXPECT_TRUE(unknown.variants.empty());
  EXPECT_EQ(unknown.failure_reasons.count("HTTP 404 FLAG_NOT_FOUND"), 1u);

  // The split served: 5% of accounts on the new PDF engine, 50/50 users on the dashboard.
  const double pdf_on = static_cast<double>(pdf.variants.at("on").requests);
  const double pdf_off = static_cast<double>(pdf.variants.at("off").requests);
  const double new_dash = static_cast<double>(dashboard.variants.at("new").requests);
  const double old_dash = static_cast<double>(dashboard.variants.at("old").requests);
  EXPECT_GT(pdf_on + pdf_off, 300);
  EXPECT_GT(new_dash + old_dash, 300);
  EXPECT_NEAR(pdf_on / (pdf_on + pdf_off), 0.05, 0.035);
  EXPECT_NEAR(new_dash / (new_dash + old_dash), 0.5, 0.08);

  // The server counted the same evaluations per variant as the generator reports.
  app::KeepAliveConnection api("http://127.0.0.1:" + std::to_string(server.port()));
  const app::SimpleResponse server_metrics =
      api.request("GET", "/metrics", {}, "", std::chrono::seconds(2));
  ASSERT_EQ(server_metrics.status, 200);
  const std::string text = generator.metrics_text();
  for (const auto& [flag, f] :
       {std::pair{"new-pdf-engine", pdf}, std::pair{"redesigned-dashboard", dashboard}}) {
    for (const auto& [variant, v] : f.variants) {
      SCOPED_TRACE(std::string(flag) + "/" + variant);
      EXPECT_EQ(metric_sum(server_metrics.body, "sluice_evaluations_total",
                           {label("flag", flag), label("variant", variant)}),
                static_cast<double>(v.requests));
      // Its own /metrics: requests by status (500 = the simulated errors), the histogram's count.
      const auto key = label("feature_flag_key", flag);
      const auto var = label("feature_flag_variant", variant);
      EXPECT_EQ(metric_sum(text, "http_server_requests_total",
                           {key, var, label("http_response_status_code", "200")}),
                static_cast<double>(v.requests - v.errors));
      EXPECT_EQ(metric_sum(text, "http_server_requests_total",
                           {key, var, label("http_response_status_code", "500")}),
                static_cast<double>(v.errors));
      EXPECT_EQ(metric_sum(text, "http_server_request_duration_seconds_count", {key, var}),
                static_cast<double>(v.requests));
    }
  }

  // The outcome model: 20% errors and 3x the latency on the dashboard's new variant.
  const auto& bad = dashboard.variants.at("new");
  EXPECT_NEAR(static_cast<double>(bad.errors) / static_cast<double>(bad.requests), 0.2, 0.07);
  EXPECT_NEAR(bad.p50_ms, 120, 25);
  EXPECT_NEAR(dashboard.variants.at("old").p50_ms, 40, 8);

  // Every outcome reached /v1/events.
  std::uint64_t total = 0;
  for (const auto* f : {&pdf, &dashboard})
    for (const auto& [variant, v] : f->variants)
      total += v.requests;
  EXPECT_EQ(stats.event_batches_failed, 0u) << stats.last_report_error;
  EXPECT_EQ(stats.events_reported, total);

  const auto lines = TrafficGenerator::summary_lines(stats);
  EXPECT_THAT(::testing::PrintToString(lines), HasSubstr("new-pdf-engine on"));
  EXPECT_THAT(::testing::PrintToString(lines), HasSubstr("no-such-flag: "));
}

// Nothing listens: every evaluation fails, is counted, and stopping stays prompt.
TEST(TrafficGenerator, CountsFailedEvaluationsAndStopsPromptly) {
  const std::uint16_t port = testing::free_port();

  TrafficOptions o = options_for(port);
  o.report = ReportTo::events;
  o.flags = {{"new-pdf-engine", 1}};
  o.timeout = std::chrono::milliseconds(500);
  TrafficGenerator generator(o);
  generator.start();
  EXPECT_TRUE(testing::wait_until(
      [&] {
        const app::TrafficStats stats = generator.stats();
        auto it = stats.flags.find("new-pdf-engine");
        return it != stats.flags.end() && it->second.evaluation_failures > 100;
      },
      std::chrono::seconds(10)));
  const auto before = std::chrono::steady_clock::now();
  generator.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(3));
  const auto stats = generator.stats();
  EXPECT_GT(stats.flags.at("new-pdf-engine").evaluation_failures, 100u);
  EXPECT_TRUE(stats.flags.at("new-pdf-engine").variants.empty());
  EXPECT_EQ(stats.events_reported, 0u);
}

TEST(TrafficGenerator, ReadsSettingsAndRefusesNonsense) {
  std::string why;
  auto all = app::parse_variant_setting("0.01", &why);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->flag, "");
  EXPECT_EQ(all->value, 0.01);
  auto variant = app::parse_variant_setting("new-pdf-engine/on=0.04", &why);
  ASSERT_TRUE(variant);
  EXPECT_EQ(variant->flag, "new-pdf-engine");
  EXPECT_EQ(variant->variant, "on");
  EXPECT_EQ(variant->value, 0.04);
  EXPECT_FALSE(app::parse_variant_setting("new-pdf-engine/=1", &why));
  EXPECT_FALSE(app::parse_variant_setting("x=abc", &why));
  EXPECT_THAT(why, HasSubstr("[FLAG[/VARIANT]=]NUMBER"));
  auto weighted = app::parse_traffic_flag("new-pdf-engine:3", &why);
  ASSERT_TRUE(weighted);
  EXPECT_EQ(weighted->weight, 3);
  EXPECT_FALSE(app::parse_traffic_flag("x:0", &why));

  TrafficOptions none;
  EXPECT_THROW(TrafficGenerator{none}, std::invalid_argument);
  TrafficOptions bad_rate;
  bad_rate.flags = {{"a", 1}};
  bad_rate.error_rates = {{"", "", 1.5}};
  EXPECT_THROW(TrafficGenerator{bad_rate}, std::invalid_argument);
}

// The command line: runs for --duration, then one line per flag and variant.
TEST(TrafficCommand, RunsForItsDurationAndSummarises) {
  TempDir dir;
  SluiceProcess server({"--store", "sqlite:" + dir.path() + "/sluice.db", "--flags-dir", kExamples},
                       {"SLUICE_ADMIN_TOKEN=" + kToken}, dir.path() + "/serve.log");
  auto result = run_command(std::string(SLUICE_BINARY) + " traffic --url http://127.0.0.1:" +
                            std::to_string(server.port()) + " --token " + kToken +
                            " --flag redesigned-dashboard --rps 200 --duration 1.5 --report both"
                            " --error-rate redesigned-dashboard/new=0.5");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("metrics on 127.0.0.1:0 (port "));
  EXPECT_THAT(result.out, HasSubstr("redesigned-dashboard new "));
  EXPECT_THAT(result.out, HasSubstr("redesigned-dashboard old "));
  EXPECT_THAT(result.out, HasSubstr("reported "));

  auto bad = run_command(std::string(SLUICE_BINARY) + " traffic --flag x --error-rate x/=1");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("--error-rate"));
}

}  // namespace
}  // namespace sluice
