// The scheduler with the anomaly model (docs/history.md, docs/anomaly.md): trained from the
// store's deployment history, scoring every rollout whose policy enables it, and writing a
// history row when a rollout finishes. A real io_context and SQLite store, a scripted metrics
// source and a clock the test moves, like rollout_scheduler_test.cpp.

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

#include "rollout_history.hpp"
#include "rollout_json.hpp"
#include "scheduler_test_support.hpp"
#include "sluice/anomaly.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;
using rollout::TimePoint;
using Json = nlohmann::json;

const char* kFlags = R"(
flags:
  - key: alpha
    variants: {on: true, off: false}
    off_variant: off
    default: {variant: off}
)";

// Error-rate thresholds at 1.5x (warning) and 2x (critical) the control's: a treatment at 1.3x
// passes them.
std::string policy_json(bool anomaly) {
  return std::string(R"({"flag":"alpha","treatment":"on","control":"off","interval":"10s",
    "min_duration":"20s","min_samples":100,"stages":[{"percent":5},{"percent":50},{"percent":100}],
    "checks":{"error_rate":{"warning":1.5,"critical":2.0}})") +
         (anomaly ? R"(,"anomaly":{"enabled":true}})" : "}");
}

// `count` healthy finished rollouts: the features a controller sees of a treatment as good as
// its control (error ratio about 1, small noise), three stages each.
std::vector<store::RolloutHistoryRecord> healthy_history(int count, int first = 0) {
  std::mt19937 random(7 + static_cast<unsigned>(first));
  std::normal_distribution<double> noise(0.0, 1.0);
  std::vector<store::RolloutHistoryRecord> rows;
  for (int i = first; i < first + count; ++i) {
    std::vector<anomaly::StageFeatures> stages;
    const std::uint32_t shares[] = {500, 5000, 10000};
    for (std::size_t s = 0; s < 3; ++s) {
      anomaly::FeatureVector v;
      namespace f = anomaly::feature;
      const double z = noise(random);
      v.set(f::error_rate_ratio, 1.0 + 0.03 * noise(random), anomaly::Worse::higher);
      v.set(f::error_rate_diff, 0.0005 * z, anomaly::Worse::higher);
      v.set(f::error_rate_z, z, anomaly::Worse::higher);
      v.set(f::treatment_share, shares[s] / 10000.0, anomaly::Worse::neither);
      v.set(f::log_requests, std::log10(1.0 + 1000.0 * shares[s] / 10000.0 * 3),
            anomaly::Worse::neither);
      v.set(f::time_in_stage_intervals, 2 + (i % 3), anomaly::Worse::neither);
      anomaly::record_stage(stages, s, shares[s], std::move(v));
    }
    store::RolloutHistoryRecord row;
    row.key = "deploy-" + std::to_string(i);
    row.flag = "service-" + std::to_string(i % 4);
    row.outcome = "completed";
    row.started_at = "2026-10-01T10:00:00Z";
    row.finished_at =
        "2026-10-01T11:" + std::string(i % 60 < 10 ? "0" : "") + std::to_string(i % 60) + ":00Z";
    row.stages_json = anomaly::stages_to_json(stages);
    rows.push_back(std::move(row));
  }
  return rows;
}

class AnomalySchedulerTest : public scheduler_test::SchedulerFixture {
 protected:
  void SetUp() override {
    controller::DecisionWriteHooks writes;
    writes.history = controller::history_hook();
    open(kFlags, writes);
    source_.set_flag("alpha", 0.05, 0.01);
  }

  void start(bool anomaly) { start_policy(policy_json(anomaly)); }

  store::RolloutRecord wait_for_sequence(std::int64_t sequence) {
    return SchedulerFixture::wait_for_sequence("alpha", sequence);
  }

  // One interval on: waits for its decision (if the rollout is still active).
  void tick() { SchedulerFixture::tick({"alpha"}); }

  // Ticks with the treatment served its current share until the rollout ends (at most `limit`).
  void run(double treatment_error_rate, int limit) {
    for (int i = 0; i < limit && store_->latest_rollout("alpha")->active; ++i) {
      const auto state = controller::state_from_json(store_->latest_rollout("alpha")->state_json);
      source_.set_flag("alpha", std::max(500u, state.treatment_bp) / 10000.0, treatment_error_rate);
      tick();
    }
  }

  std::vector<store::DecisionRecord> decisions() { return SchedulerFixture::decisions("alpha"); }

  static Json anomaly_of(const store::DecisionRecord& d) {
    const Json evidence = Json::parse(d.evidence_json);
    return evidence.is_object() && evidence.contains("anomaly") ? evidence.at("anomaly") : Json();
  }

  std::string log() {
    std::string out;
    for (const auto& d : decisions())
      out += std::to_string(d.sequence) + " " + d.kind + ": " + d.sentence + " " +
             anomaly_of(d).dump() + "\n";
    return out;
  }
};

TEST_F(AnomalySchedulerTest, AbstainsWithTooLittleHistoryAndRetrainsAfterAnImport) {
  ASSERT_EQ(store_->import_history(healthy_history(5), "test").inserted, 5u);
  start(/*anomaly=*/true);
  start_scheduler();
  wait_for_sequence(1);
  source_.set_flag("alpha", 0.05, 0.01);
  for (int i = 0; i < 3; ++i)
    tick();
  // The advance out of stage 1 says the model abstained, and why.
  const auto all = decisions();
  store::DecisionRecord advance = all.back();
  for (const auto& d : all) {
    if (d.kind == "advance") {
      advance = d;
      break;
    }
  }
  ASSERT_EQ(advance.kind, "advance") << log();
  EXPECT_NE(advance.sentence.find("anomaly model abstains: insufficient history (5 of 20)"),
            std::string::npos)
      << advance.sentence;
  const Json assessment = anomaly_of(advance);
  ASSERT_TRUE(assessment.is_object()) << advance.evidence_json;
  EXPECT_EQ(assessment.at("abstained"), true);
  EXPECT_EQ(assessment.at("reason"), "insufficient history (5 of 20)");

  // An import (a "history" change) retrains: the next decisions are scored on 25 rollouts.
  const int imports = changes_seen("history");
  ASSERT_EQ(store_->import_history(healthy_history(20, 5), "test").inserted, 20u);
  wait_for_changes("history", imports + 1);
  bool scored = false;
  for (int i = 0; i < 10 && !scored && store_->latest_rollout("alpha")->active; ++i) {
    source_.set_flag("alpha", 0.5, 0.01);
    tick();
    const Json a = anomaly_of(decisions().back());
    scored = a.is_object() && a.at("abstained") == false && a.at("history") == 25;
  }
  EXPECT_TRUE(scored) << log();
}

TEST_F(AnomalySchedulerTest, TheModelStopsATreatmentThatPassesTheThresholdChecks) {
  ASSERT_EQ(store_->import_history(healthy_history(40), "test").inserted, 40u);
  start(/*anomaly=*/true);
  start_scheduler();
  wait_for_sequence(1);
  // 1.45x the control's errors: under the 1.5x warning of the error-rate check, far outside the
  // healthy history (error ratio 1.00 +- 0.03).
  run(0.0145, 6);
  const auto all = decisions();
  const auto stopped = std::find_if(all.begin(), all.end(), [](const auto& d) {
    return d.kind == "pause" || d.kind == "rollback";
  });
  ASSERT_NE(stopped, all.end()) << log();
  EXPECT_EQ(stopped->to_stage, 0) << "stopped in the first stage: " << log();
  EXPECT_NE(stopped->sentence.find("anomaly score"), std::string::npos) << stopped->sentence;
  EXPECT_NE(stopped->verdict, "fail") << "the threshold checks did not fail: " << stopped->sentence;
  const Json assessment = anomaly_of(*stopped);
  ASSERT_TRUE(assessment.is_object());
  EXPECT_EQ(assessment.at("abstained"), false);
  EXPECT_GE(assessment.at("score").get<double>(), 0.8);
  EXPECT_EQ(assessment.at("top").at(0).at("feature"), "error_rate_ratio") << assessment.dump();
}

TEST_F(AnomalySchedulerTest, AFinishedRolloutWritesItsHistoryRowWithWhatEachStageSaw) {
  start(/*anomaly=*/false);
  start_scheduler();
  wait_for_sequence(1);
  run(0.01, 30);
  const auto record = store_->latest_rollout("alpha");
  ASSERT_EQ(record->phase, "completed") << log();
  const auto rows = store_->list_history();
  ASSERT_EQ(rows.size(), 1u);
  const auto& row = rows[0];
  EXPECT_EQ(row.key, "rollout/" + std::to_string(record->id));
  EXPECT_EQ(row.rollout_id, record->id);
  EXPECT_EQ(row.flag, "alpha");
  EXPECT_EQ(row.outcome, "completed");
  EXPECT_EQ(row.source, "controller");
  EXPECT_EQ(row.started_at, record->created_at);
  EXPECT_EQ(row.finished_at, decisions().back().at);
  auto stages = anomaly::stages_from_json(row.stages_json);
  ASSERT_TRUE(stages.ok()) << stages.error << "\n" << row.stages_json;
  ASSERT_EQ(stages.value->size(), 3u) << row.stages_json;
  const std::uint32_t shares[] = {500, 5000, 10000};
  for (std::size_t s = 0; s < 3; ++s) {
    const auto& stage = (*stages.value)[s];
    EXPECT_EQ(stage.stage, s);
    EXPECT_EQ(stage.treatment_bp, shares[s]);
    // What the controller saw: the treatment's errors as the control's.
    if (s < 2) {
      EXPECT_NEAR(stage.features.value(anomaly::feature::error_rate_ratio), 1.0, 1e-9)
          << row.stages_json;
    }
    EXPECT_NEAR(stage.features.value(anomaly::feature::treatment_share), shares[s] / 10000.0, 0.01)
        << row.stages_json;
  }
}

TEST_F(AnomalySchedulerTest, APersonsRollbackWritesARolledBackManualRow) {
  start(/*anomaly=*/false);
  start_scheduler();
  wait_for_sequence(1);
  run(0.01, 2);  // two intervals seen in stage 1
  rollout::Command command;
  command.kind = rollout::CommandKind::rollback;
  command.actor = "bob";
  command.reason = "support tickets";
  const auto outcome = service_->command("alpha", command);
  ASSERT_EQ(outcome.status, controller::CommandOutcome::Status::ok) << outcome.error;
  const auto rows = store_->list_history();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].outcome, "rolled_back_manual");
  auto stages = anomaly::stages_from_json(rows[0].stages_json);
  ASSERT_TRUE(stages.ok()) << stages.error;
  ASSERT_EQ(stages.value->size(), 1u) << rows[0].stages_json;
  EXPECT_EQ((*stages.value)[0].treatment_bp, 500u);
}

}  // namespace
}  // namespace sluice
