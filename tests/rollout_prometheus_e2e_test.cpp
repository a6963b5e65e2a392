// Real end-to-end rollouts: a real Prometheus (Debian's 2.42, started on loopback by the test,
// scraping every second) scrapes a small application -- the traffic generator of `sluice
// traffic`, in-process, which evaluates new-pdf-engine through the real server over OFREP and
// exposes per-variant `http_server_requests_total` and `http_server_request_duration_seconds` on
// its own /metrics for whatever split the flag serves -- and a real `sluice serve
// --prometheus-url` child process (SQLite in a temporary folder) judges the rollout from
// Prometheus's answers:
//
//   1. a healthy rollout goes through every stage to `completed`;
//   2. a treatment that fails 3x as often as the control is rolled back, and the log says why;
//   3. Prometheus stopped mid-rollout: holds saying the metrics are unavailable; restarted (same
//      port, same TSDB): the rollout goes on and completes.
//
// Timing. Prometheus scrapes every 1 s and the policies use a 3 s interval. Each decision asks
// Prometheus for `increase(...[3s])` at the interval's end (one second after it, so the last
// scrape is stored), and increase() needs at least two samples inside the range or the series
// is absent (no data for that interval). A 2 s range holds two samples only when every scrape is
// on time; on a loaded 2-core machine one late or failed scrape leaves one sample and the
// interval has no data. 3 s holds three samples nominally, so one missing scrape still leaves
// two. Each stage costs at least two intervals: the one its commit falls in is not judged.
// Prometheus 2.42 also stores its first sample ~6 s after it starts (its target discovery sends
// updates every 5 s), so each test waits for data before it starts the rollout. The whole file
// takes about 1.5 minutes. SLUICE_E2E_VERBOSE=1 prints the decision logs and logs of passing
// runs too.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "free_port.hpp"
#include "http_client.hpp"
#include "prometheus_server.hpp"
#include "run_command.hpp"
#include "sluice_process.hpp"
#include "traffic_generator.hpp"
#include "wait_until.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;
using testing::HttpClient;
using testing::PrometheusServer;
using testing::SluiceProcess;
using testing::TempDir;

const std::string kExamples = std::string(SLUICE_SOURCE_DIR) + "/examples/flags";
const std::string kToken = "prometheus-e2e-admin";
const std::string kFlag = "new-pdf-engine";
const testing::Headers kAdmin = {{"Authorization", "Bearer " + kToken},
                                 {"Content-Type", "application/json"}};

// Every decision, one a line, for failure messages.
std::string log_text(const Json& decisions) {
  std::string text;
  for (const auto& d : decisions) {
    text += std::to_string(d["sequence"].get<int>()) + " " + d["at"].get<std::string>() + " " +
            d["kind"].get<std::string>() + ": " + d["sentence"].get<std::string>() + "\n";
  }
  return text;
}

std::string tail(const std::string& text, std::size_t bytes) {
  return text.size() <= bytes ? text : "..." + text.substr(text.size() - bytes);
}

// The number ending at `end` in `text` ("3.1" in "errors 3.1% vs" with `end` at the '%'),
// thousands separators dropped; nothing when there is none.
std::optional<double> number_before(const std::string& text, std::size_t end) {
  std::size_t begin = end;
  while (begin > 0 && (std::isdigit(static_cast<unsigned char>(text[begin - 1])) ||
                       text[begin - 1] == '.' || text[begin - 1] == ',')) {
    --begin;
  }
  if (begin == end) return std::nullopt;
  std::string digits;
  for (std::size_t i = begin; i < end; ++i)
    if (text[i] != ',') digits += text[i];
  return std::strtod(digits.c_str(), nullptr);
}

// One test's world: Prometheus, `sluice serve`, and the application under traffic.
class RolloutPrometheusE2E : public ::testing::Test {
 protected:
  void TearDown() override {
    if (HasFailure() || std::getenv("SLUICE_E2E_VERBOSE")) {
      if (server_) {
        try {
          std::cerr << "decision log:\n" << log_text(decisions()) << "\n";
        } catch (const std::exception& e) {
          std::cerr << "no decision log: " << e.what() << "\n";
        }
        std::cerr << "sluice serve log (tail):\n" << tail(server_->log(), 4000) << "\n";
      }
      if (prometheus_) std::cerr << "Prometheus log (tail):\n" << tail(prometheus_->log(), 3000);
      if (generator_) {
        std::cerr << "\nwhat the application saw:\n";
        for (const auto& line : app::TrafficGenerator::summary_lines(generator_->stats()))
          std::cerr << line << "\n";
      }
    }
    // Stop the application before the server, the server before Prometheus; each helper ends
    // only its own process, and the folders go with them.
    generator_.reset();
    server_.reset();
    prometheus_.reset();
  }

  // Starts everything; `outcomes` sets the application's error rates and latencies.
  void start(std::uint64_t seed, const std::function<void(app::TrafficOptions&)>& outcomes) {
    // The generator's /metrics port: Prometheus must know its target before the generator
    // starts, and the generator needs the server, which needs Prometheus's address.
    const std::uint16_t app_port = testing::free_port();
    prometheus_ = std::make_unique<PrometheusServer>(
        PrometheusServer::Options{{"127.0.0.1:" + std::to_string(app_port)}, {}, 20s});
    server_ = std::make_unique<SluiceProcess>(
        std::vector<std::string>{"--store", "sqlite:" + dir_.path() + "/sluice.db", "--flags-dir",
                                 kExamples, "--controller-poll-ms", "100", "--prometheus-url",
                                 prometheus_->url()},
        std::vector<std::string>{"SLUICE_ADMIN_TOKEN=" + kToken}, dir_.path() + "/serve.log");

    app::TrafficOptions o;
    o.url = "http://127.0.0.1:" + std::to_string(server_->port());
    o.token = kToken;
    o.flags = {{kFlag, 1}};
    o.rps = 400;
    o.seed = seed;
    o.connections = 4;
    o.report = app::ReportTo::metrics;
    o.metrics_listen = "127.0.0.1:" + std::to_string(app_port);
    // p95 of a 30 ms median (sigma 0.5) is ~68 ms, inside the (50 ms, 75 ms] bucket with the
    // next bound close: the histogram's p95 moves little with a hundred samples.
    o.latency_ms = {{"", "", 30}};
    outcomes(o);
    generator_ = std::make_unique<app::TrafficGenerator>(o);
    generator_->start();
    ASSERT_EQ(generator_->metrics_port(), app_port);

    // Scraped (twice: the rollout's first interval ends at least 3 s later, so it will have
    // samples to work with).
    ASSERT_TRUE(prometheus_->wait_for_data(
        "count_over_time(http_server_requests_total{feature_flag_key=\"" + kFlag +
            "\",feature_flag_variant=\"off\",http_response_status_code=\"200\"}[5s])",
        2, 40s))
        << "no samples in Prometheus";
  }

  HttpClient& api() {
    if (!client_) client_ = std::make_unique<HttpClient>(server_->port(), 10s);
    return *client_;
  }

  void start_rollout(const std::string& policy) {
    auto started = api().request("POST", "/v1/rollouts", policy, kAdmin);
    ASSERT_EQ(started.status, 201) << started.body;
  }

  Json rollout() {
    auto r = api().request("GET", "/v1/rollouts/" + kFlag, {}, kAdmin);
    if (r.status != 200) throw std::runtime_error("GET rollout: " + r.body);
    return Json::parse(r.body);
  }

  Json decisions() {
    auto r = api().request("GET", "/v1/rollouts/" + kFlag + "/decisions?limit=1000", {}, kAdmin);
    if (r.status != 200) throw std::runtime_error("GET decisions: " + r.body);
    return Json::parse(r.body)["decisions"];
  }

  // Polls the decision log every 200 ms until `done` says so; false when `timeout` passes.
  bool wait_for(const std::function<bool(const Json&)>& done, std::chrono::seconds timeout) {
    return testing::wait_until([&] { return done(decisions()); }, timeout, 200ms);
  }

  bool wait_for_phase(const std::string& phase, std::chrono::seconds timeout) {
    std::string now;
    testing::wait_until(
        [&] {
          now = rollout().value("phase", "");
          return now == phase || now == "completed" || now == "rolled_back" || now == "aborted";
        },
        timeout, 200ms);
    return now == phase;
  }

  TempDir dir_;
  std::unique_ptr<PrometheusServer> prometheus_;
  std::unique_ptr<SluiceProcess> server_;
  std::unique_ptr<app::TrafficGenerator> generator_;
  std::unique_ptr<HttpClient> client_;
};

// A check of a decision's evidence by name (null when there is none).
Json check_evidence(const Json& decision, const std::string& name) {
  const Json& evidence = decision["evidence"];
  if (!evidence.is_object() || !evidence.contains("checks")) return nullptr;
  for (const auto& check : evidence["checks"])
    if (check["check"] == name) return check;
  return nullptr;
}

Json error_rate_evidence(const Json& decision) {
  return check_evidence(decision, "error_rate");
}

TEST_F(RolloutPrometheusE2E, HealthyRolloutCompletesThroughEveryStage) {
  SLUICE_REQUIRE_PROMETHEUS();
  // Both variants fail 2% of the time and are equally fast.
  ASSERT_NO_FATAL_FAILURE(start(1, [](app::TrafficOptions& o) {
    o.error_rates = {{"", "", 0.02}};
  }));
  const auto started = std::chrono::steady_clock::now();
  // 400 requests a second: 120 on the treatment per interval at 10%, so each stage can be done
  // after one interval (a treatment's error rate at or above the warning ratio that is not yet
  // significant holds the stage an interval or two; increase()'s extrapolation makes small error
  // counts lumpy). A budget of 0.1% keeps a false warning (a pause) out of the test.
  ASSERT_NO_FATAL_FAILURE(start_rollout(R"({"flag":"new-pdf-engine","treatment":"on",
    "control":"off","interval":"3s","min_duration":"3s","min_samples":80,
    "stages":[{"percent":10},{"percent":25},{"percent":50},{"percent":100}],
    "checks":{"error_rate":{"warning":1.5,"critical":2.0,"false_alarm_budget":0.001},
              "latency_p95":{"ratio":{"warning":1.5,"critical":2.0}}}})"));

  ASSERT_TRUE(wait_for_phase("completed", 75s)) << "phase " << rollout().value("phase", "");
  std::cerr << "healthy rollout completed in "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()
            << " s\n";

  const Json log = decisions();
  // start, then an advance into each next stage in order, then complete; only holds between.
  std::vector<std::string> moves;
  int stage = 0;
  for (const auto& d : log) {
    const std::string kind = d["kind"];
    EXPECT_EQ(d["actor"], "controller") << d.dump();
    if (kind == "hold") {
      EXPECT_EQ(d["to"]["stage"].get<int>(), stage) << d["sentence"];
      continue;
    }
    moves.push_back(kind);
    const int to = d["to"]["stage"].get<int>();
    if (kind == "start") {
      EXPECT_EQ(to, 1);
    } else if (kind == "advance") {
      EXPECT_EQ(to, stage + 1) << d["sentence"];
      static const char* kPercents[] = {"", "10%", "25%", "50%", "100%"};
      const std::string expected = "advanced new-pdf-engine from " + std::string(kPercents[stage]) +
                                   " to " + kPercents[stage + 1] + " after ";
      EXPECT_EQ(d["sentence"].get<std::string>().rfind(expected, 0), 0u) << d["sentence"];
    } else if (kind == "complete") {
      EXPECT_EQ(to, 4);
      EXPECT_EQ(
          d["sentence"].get<std::string>().rfind("completed new-pdf-engine at 100% after ", 0), 0u)
          << d["sentence"];
    }
    stage = to;

    if (kind == "advance") {
      // The numbers came from Prometheus: both variants' error rates over enough requests.
      SCOPED_TRACE(d["sentence"].get<std::string>());
      const Json errors = error_rate_evidence(d);
      ASSERT_TRUE(errors.is_object()) << d["evidence"].dump();
      EXPECT_EQ(errors["verdict"], "pass");
      ASSERT_TRUE(errors["treatment"].is_number()) << errors.dump();
      ASSERT_TRUE(errors["control"].is_number()) << errors.dump();
      EXPECT_GE(errors["treatment_samples"].get<double>(), 80);
      EXPECT_GE(errors["control_samples"].get<double>(), 80);
      EXPECT_LT(errors["treatment"].get<double>(), 0.1);
      EXPECT_GT(errors["control"].get<double>(), 0.002);
      EXPECT_LT(errors["control"].get<double>(), 0.06);
      const Json latency = check_evidence(d, "latency_p95");
      ASSERT_TRUE(latency.is_object()) << d["evidence"].dump();
      EXPECT_EQ(latency["verdict"], "pass");
      // p95 in seconds from the histogram: ~68 ms for both.
      ASSERT_TRUE(latency["treatment"].is_number()) << latency.dump();
      EXPECT_GT(latency["treatment"].get<double>(), 0.04);
      EXPECT_LT(latency["treatment"].get<double>(), 0.11);
    }
  }
  EXPECT_EQ(moves, (std::vector<std::string>{"start", "advance", "advance", "advance", "complete"}))
      << log_text(log);
  EXPECT_EQ(log.back()["kind"], "complete");
  EXPECT_EQ(rollout()["treatment_percent"].get<double>(), 100.0);
}

TEST_F(RolloutPrometheusE2E, TreatmentFailingThreeTimesAsOftenIsRolledBack) {
  SLUICE_REQUIRE_PROMETHEUS();
  // 5% errors on the control, 15% on the treatment.
  ASSERT_NO_FATAL_FAILURE(start(2, [](app::TrafficOptions& o) {
    o.error_rates = {{"", "", 0.05}, {kFlag, "on", 0.15}};
  }));
  // No warning level: a significant look at 2x or more is a roll back, not a pause. A 25% first
  // stage and 400 samples: the first look (after two intervals, ~600 treatment requests) sees
  // the 3x with little noise; with only a critical level an estimate that dipped below 2.0
  // would be a plain pass and advance (seen with 20% and 100 samples), so the first look is
  // made on enough data that this is rare, and an advance before the roll back is tolerated.
  ASSERT_NO_FATAL_FAILURE(start_rollout(R"({"flag":"new-pdf-engine","treatment":"on",
    "control":"off","interval":"3s","min_duration":"3s","min_samples":400,
    "stages":[{"percent":25},{"percent":50},{"percent":100}],
    "checks":{"error_rate":{"critical":2.0}}})"));

  ASSERT_TRUE(wait_for_phase("rolled_back", 60s)) << "phase " << rollout().value("phase", "");

  const Json log = decisions();
  ASSERT_GE(log.size(), 2u);
  EXPECT_EQ(log.front()["kind"], "start");
  for (std::size_t i = 1; i + 1 < log.size(); ++i) {
    EXPECT_TRUE(log[i]["kind"] == "hold" || log[i]["kind"] == "advance") << log[i]["sentence"];
    if (log[i]["kind"] == "advance")
      std::cerr << "note: a 3x treatment advanced before the roll back: " << log[i]["sentence"]
                << "\n";
  }
  const Json& last = log.back();
  EXPECT_EQ(last["kind"], "rollback");
  EXPECT_EQ(last["verdict"], "fail");
  EXPECT_EQ(last["to"]["phase"], "rolled_back");
  EXPECT_EQ(last["to"]["percent"].get<double>(), 0.0);

  // "rolled back new-pdf-engine at 25%: errors X% vs Y% on control over N requests, critical
  // ratio 2.0", with the numbers of the evidence.
  const std::string sentence = last["sentence"];
  const std::string percent = last["from"]["percent"].get<double>() == 25.0 ? "25%" : "50%";
  const std::string head = "rolled back new-pdf-engine at " + percent + ": errors ";
  const std::string tail_text = " requests, critical ratio 2.0";
  ASSERT_EQ(sentence.rfind(head, 0), 0u) << sentence;
  ASSERT_GE(sentence.size(), tail_text.size());
  ASSERT_EQ(sentence.substr(sentence.size() - tail_text.size()), tail_text) << sentence;
  const std::size_t vs = sentence.find("% vs ");
  const std::size_t on_control = sentence.find("% on control over ");
  ASSERT_NE(vs, std::string::npos) << sentence;
  ASSERT_NE(on_control, std::string::npos) << sentence;
  const auto treatment_rate = number_before(sentence, vs);
  const auto control_rate = number_before(sentence, on_control);
  const auto requests = number_before(sentence, sentence.size() - tail_text.size());
  ASSERT_TRUE(treatment_rate && control_rate && requests) << sentence;
  EXPECT_GE(*treatment_rate / *control_rate, 2.0) << sentence;
  EXPECT_GT(*treatment_rate, 8.0) << sentence;
  EXPECT_LT(*treatment_rate, 25.0) << sentence;
  EXPECT_GT(*control_rate, 2.0) << sentence;
  EXPECT_LT(*control_rate, 8.0) << sentence;
  EXPECT_GE(*requests, 400) << sentence;

  const Json errors = error_rate_evidence(last);
  ASSERT_TRUE(errors.is_object()) << last["evidence"].dump();
  EXPECT_EQ(errors["verdict"], "fail");
  EXPECT_NEAR(errors["treatment"].get<double>() * 100, *treatment_rate, 0.051);
  EXPECT_NEAR(errors["control"].get<double>() * 100, *control_rate, 0.051);
  EXPECT_NEAR(errors["treatment_samples"].get<double>(), *requests, 0.51);
  EXPECT_EQ(errors["threshold"].get<double>(), 2.0);
  EXPECT_GE(errors["control_samples"].get<double>(), 400);

  // Rolled back: the control is served to everyone.
  const Json now = rollout();
  EXPECT_EQ(now["treatment_percent"].get<double>(), 0.0);
  EXPECT_EQ(now["serving"]["control_to_all"], true);
}

TEST_F(RolloutPrometheusE2E, PrometheusDownHoldsThenTheRolloutGoesOn) {
  SLUICE_REQUIRE_PROMETHEUS();
  ASSERT_NO_FATAL_FAILURE(start(3, [](app::TrafficOptions& o) {
    o.error_rates = {{"", "", 0.02}};
  }));
  ASSERT_NO_FATAL_FAILURE(start_rollout(R"({"flag":"new-pdf-engine","treatment":"on",
    "control":"off","interval":"3s","min_duration":"3s","min_samples":80,
    "stages":[{"percent":25},{"percent":50},{"percent":100}],
    "checks":{"error_rate":{"warning":1.5,"critical":2.0,"false_alarm_budget":0.001}}})"));

  // Into the second stage on Prometheus's numbers, then Prometheus goes away.
  ASSERT_TRUE(wait_for(
      [](const Json& log) {
        for (const auto& d : log)
          if (d["kind"] == "advance") return true;
        return false;
      },
      45s))
      << "never advanced";
  const std::size_t before_stop = decisions().size();
  const std::string url = prometheus_->url();
  prometheus_->stop();

  // The next decisions hold and say why, naming Prometheus; nothing advances meanwhile.
  const std::string unavailable =
      "holding new-pdf-engine at 50%: metrics unavailable: Prometheus at " + url +
      ": connection refused";
  auto unavailable_holds = [&](const Json& log) {
    int n = 0;
    for (std::size_t i = before_stop; i < log.size(); ++i)
      if (log[i]["kind"] == "hold" &&
          log[i]["sentence"].get<std::string>().rfind(unavailable, 0) == 0)
        ++n;
    return n;
  };
  ASSERT_TRUE(wait_for([&](const Json& log) { return unavailable_holds(log) >= 2; }, 20s))
      << "no holds saying the metrics are unavailable";
  {
    const Json log = decisions();
    bool seen_unavailable = false;
    for (std::size_t i = before_stop; i < log.size(); ++i) {
      const std::string sentence = log[i]["sentence"];
      EXPECT_EQ(log[i]["kind"], "hold") << sentence;
      EXPECT_EQ(log[i]["to"]["stage"], 2) << sentence;
      if (sentence.rfind(unavailable, 0) == 0) {
        seen_unavailable = true;
        EXPECT_EQ(log[i]["verdict"], "no_data") << log[i].dump();
        EXPECT_NE(sentence.find("attempts)"), std::string::npos) << sentence;
      } else {
        // Only a decision already in flight when Prometheus stopped may say something else.
        EXPECT_FALSE(seen_unavailable) << sentence;
      }
    }
    EXPECT_EQ(rollout()["phase"], "progressing");
  }
  const std::size_t before_restart = decisions().size();

  // Back on the same port with the same TSDB: the rollout goes on to the end.
  std::string why;
  ASSERT_TRUE(prometheus_->restart(&why)) << why;
  ASSERT_EQ(prometheus_->url(), url);
  ASSERT_TRUE(wait_for_phase("completed", 60s)) << "phase " << rollout().value("phase", "");
  const Json log = decisions();
  std::vector<std::string> after;
  for (std::size_t i = before_restart; i < log.size(); ++i) {
    if (log[i]["kind"] != "hold") after.push_back(log[i]["kind"]);
  }
  EXPECT_EQ(after, (std::vector<std::string>{"advance", "complete"})) << log_text(log);
  // Judged on Prometheus's numbers again: the second stage had no interval counted before the
  // stop (it began at most one poll before), so its counts are from after the restart.
  for (std::size_t i = before_restart; i < log.size(); ++i) {
    if (log[i]["kind"] != "advance") continue;
    const Json errors = error_rate_evidence(log[i]);
    ASSERT_TRUE(errors.is_object()) << log[i].dump();
    EXPECT_TRUE(errors["treatment"].is_number()) << errors.dump();
    EXPECT_TRUE(errors["control"].is_number()) << errors.dump();
  }
}

}  // namespace
}  // namespace sluice
