// A controller killed with SIGKILL at any moment resumes where it was: decisions numbered 1..N
// with no gap and no duplicate, no stage skipped or entered twice, and the rollout finishes.
// `sluice serve` runs as a real process on a SQLite file; the test plays the application,
// evaluating nothing itself but reporting outcomes for whatever split is served.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "http_client.hpp"
#include "run_command.hpp"
#include "sluice_process.hpp"
#include "wait_until.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;
using testing::HttpClient;
using testing::SluiceProcess;

const std::string kExamples = std::string(SLUICE_SOURCE_DIR) + "/examples/flags";
const testing::Headers kAdmin = {{"Authorization", "Bearer crash-admin"},
                                 {"Content-Type", "application/json"}};

const char* kPolicy = R"({"flag":"new-pdf-engine","treatment":"on","control":"off",
  "interval":"1s","min_duration":"2s","min_samples":100,
  "stages":[{"percent":5},{"percent":25},{"percent":50},{"percent":100}],
  "checks":{"error_rate":{"critical":2.0,"false_alarm_budget":0.001}}})";

class RolloutCrash : public ::testing::Test {
 protected:
  std::unique_ptr<SluiceProcess> start_server() {
    return std::make_unique<SluiceProcess>(
        std::vector<std::string>{"--store", "sqlite:" + dir_.path() + "/sluice.db", "--flags-dir",
                                 kExamples, "--controller-poll-ms", "100"},
        std::vector<std::string>{"SLUICE_ADMIN_TOKEN=crash-admin"},
        dir_.path() + "/serve-" + std::to_string(++starts_) + ".log");
  }

  // 100 ms of traffic: 400 requests split as served, 1% errors on the control, 0.5% on the
  // treatment.
  void play(HttpClient& client, std::mt19937& rng) {
    auto rollout = client.request("GET", "/v1/rollouts/new-pdf-engine", {}, kAdmin);
    if (rollout.status != 200) return;
    const double share = Json::parse(rollout.body).value("treatment_percent", 0.0) / 100.0;
    std::binomial_distribution<int> treatment(400, share);
    const int t = treatment(rng);
    const int c = 400 - t;
    // The treatment is a little better than the control: this test is about crashes, and a
    // statistical false alarm (1% per stage by default) must not make it flaky.
    std::binomial_distribution<int> t_errors(t, 0.005);
    std::binomial_distribution<int> c_errors(c, 0.01);
    const int te = t_errors(rng);
    const int ce = c_errors(rng);
    Json events = Json::array();
    auto add = [&](const char* variant, const char* outcome, int count) {
      if (count > 0) {
        events.push_back({{"flag", "new-pdf-engine"},
                          {"variant", variant},
                          {"outcome", outcome},
                          {"count", count}});
      }
    };
    add("on", "ok", t - te);
    add("on", "error", te);
    add("off", "ok", c - ce);
    add("off", "error", ce);
    client.request("POST", "/v1/events", Json{{"events", events}}.dump(), kAdmin);
  }

  testing::TempDir dir_;
  int starts_ = 0;
};

TEST_F(RolloutCrash, SigkillAtRandomMomentsLosesAndRepeatsNothing) {
  auto server = start_server();
  {
    HttpClient client(server->port());
    auto started = client.request("POST", "/v1/rollouts", kPolicy, kAdmin);
    ASSERT_EQ(started.status, 201) << started.body;
  }
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> kill_after_ms(300, 2500);
  int kills = 0;
  std::string phase;
  const auto deadline = std::chrono::steady_clock::now() + 90s;
  while (std::chrono::steady_clock::now() < deadline) {
    HttpClient client(server->port());
    // Traffic until the rollout finishes or the kill time comes.
    testing::wait_until(
        [&] {
          try {
            play(client, rng);
            auto r = client.request("GET", "/v1/rollouts/new-pdf-engine", {}, kAdmin);
            if (r.status == 200) phase = Json::parse(r.body).value("phase", "");
          } catch (const std::exception&) {
            // the server is starting or was just killed
          }
          return phase == "completed" || phase == "rolled_back";
        },
        std::chrono::milliseconds(kill_after_ms(rng)), 100ms);
    if (phase == "completed" || phase == "rolled_back") break;
    if (kills < 6) {
      server.reset();  // SIGKILL, whatever it was doing
      ++kills;
      server = start_server();
    }
  }
  EXPECT_EQ(phase, "completed") << "the rollout did not finish after " << kills << " kills";
  EXPECT_GE(kills, 3);

  HttpClient client(server->port());
  auto log = client.request("GET", "/v1/rollouts/new-pdf-engine/decisions?limit=1000", {}, kAdmin);
  ASSERT_EQ(log.status, 200);
  const Json decisions = Json::parse(log.body)["decisions"];
  ASSERT_FALSE(decisions.empty());
  int expected = 1;
  int stage = 1;
  std::vector<int> entered = {1};
  std::string last_at;
  for (const auto& d : decisions) {
    EXPECT_EQ(d["sequence"].get<int>(), expected++) << "a gap or a duplicate";
    const int to = d["to"]["stage"].get<int>();
    EXPECT_TRUE(to == stage || to == stage + 1) << "stage " << stage << " -> " << to;
    if (to == stage + 1) entered.push_back(to);
    stage = to;
    const std::string at = d["at"].get<std::string>();
    if (d["actor"] == "controller" && d["kind"] != "start") {
      EXPECT_GT(at, last_at) << "two controller decisions for one interval";
      last_at = at;
    }
  }
  EXPECT_EQ(entered, (std::vector<int>{1, 2, 3, 4})) << "every stage entered exactly once";
  EXPECT_EQ(decisions.back()["kind"], "complete");
  if (::testing::Test::HasFailure()) {
    for (std::size_t i = decisions.size() > 40 ? decisions.size() - 40 : 0; i < decisions.size();
         ++i)
      std::cerr << decisions[i]["at"] << " " << decisions[i]["sentence"] << "\n";
  }
}

}  // namespace
}  // namespace sluice
