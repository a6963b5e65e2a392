// The anomaly model: features from observations, history JSON (strict), abstention, scores and
// explanations.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include "sluice/anomaly.hpp"
#include "sluice/policy.hpp"
#include "sluice/rollout.hpp"

namespace sluice::anomaly {
namespace {

using ::testing::HasSubstr;

FeatureVector vector_of(double error_ratio, double error_z, double p95, double conversion,
                        double log_requests) {
  FeatureVector v;
  v.set(feature::error_rate_ratio, error_ratio, Worse::higher);
  v.set(feature::error_rate_diff, (error_ratio - 1) * 0.01, Worse::higher);
  v.set(feature::error_rate_z, error_z, Worse::higher);
  v.set(feature::latency_p95_ratio, p95, Worse::higher);
  v.set(feature::latency_p50_ratio, kMissing, Worse::higher);
  v.set(feature::treatment_share, 0.05, Worse::neither);
  v.set(feature::log_requests, log_requests, Worse::neither);
  v.set(feature::time_in_stage_intervals, 10, Worse::neither);
  v.set("custom:conversion", conversion, Worse::lower);
  return v;
}

// A deterministic healthy history: small spread around "no difference", plus a few bad ones.
std::vector<HistoryEntry> history(std::size_t n, std::size_t bad_every = 10) {
  std::vector<HistoryEntry> out;
  for (std::size_t i = 0; i < n; ++i) {
    HistoryEntry e;
    e.key = "rollout/" + std::to_string(i);
    e.flag = "flag-" + std::to_string(i % 5);
    const bool bad = bad_every > 0 && i % bad_every == 9;
    e.outcome = bad ? Outcome::rolled_back_auto : Outcome::completed;
    for (std::size_t s = 0; s < 3; ++s) {
      const double u = std::sin(static_cast<double>(i * 7 + s * 3));  // in [-1, 1]
      const double w = std::cos(static_cast<double>(i * 5 + s));
      FeatureVector v =
          vector_of(1 + 0.1 * u, 0.8 * w, 1 + 0.02 * u, 1 + 0.01 * w, 3.5 + static_cast<double>(s));
      if (bad && s == 2) v = vector_of(2.6, 9, 1.0, 1.0, 5.5);
      e.stages.push_back({s, static_cast<std::uint32_t>(500 * (s + 1)), v});
      if (bad && s == 2) break;
    }
    e.finished_at = "2026-10-01T00:00:" + std::to_string(10 + i % 50) + "Z";
    out.push_back(std::move(e));
  }
  return out;
}

TEST(AnomalyModel, AbstainsBelowMinimumHistory) {
  const AnomalyModel model = AnomalyModel::train(history(7));
  const Assessment a = model.score(vector_of(3, 10, 2, 0.5, 4), 20);
  EXPECT_TRUE(a.abstained);
  EXPECT_EQ(a.reason, "insufficient history (7 of 20)");
  EXPECT_EQ(a.sentence, "anomaly model abstains: insufficient history (7 of 20)");
  EXPECT_EQ(a.score, 0);
  EXPECT_EQ(a.history, 7u);

  const Assessment untrained = AnomalyModel().score(vector_of(1, 0, 1, 1, 4));
  EXPECT_TRUE(untrained.abstained);
  EXPECT_EQ(untrained.reason, "insufficient history (0 of 20)");

  EXPECT_FALSE(model.score(vector_of(1, 0, 1, 1, 4), 5).abstained);
}

TEST(AnomalyModel, HealthyScoresLowAnomalousHigh) {
  const AnomalyModel model = AnomalyModel::train(history(200));
  EXPECT_EQ(model.history_size(), 200u);
  EXPECT_EQ(model.healthy_size(), 180u);
  const Assessment healthy = model.score(vector_of(1.02, 0.3, 1.005, 1.0, 4.5));
  EXPECT_FALSE(healthy.abstained);
  EXPECT_LT(healthy.score, 0.1) << healthy.sentence;

  const Assessment creep = model.score(vector_of(1.0, 0.1, 1.3, 1.0, 4.5));
  EXPECT_GT(creep.score, 0.95) << creep.sentence;
  ASSERT_FALSE(creep.top.empty());
  EXPECT_EQ(creep.top[0].name, "latency_p95_ratio");
  EXPECT_NEAR(creep.top[0].healthy_median, 1.0, 0.01);
  EXPECT_GT(creep.top[0].robust_z, 5);
  EXPECT_THAT(creep.sentence, HasSubstr("latency_p95_ratio 1.30 (healthy 1.00, z "));

  // Lower is worse for conversion: a drop is anomalous, a rise is not.
  EXPECT_GT(model.score(vector_of(1, 0, 1, 0.9, 4.5)).score, 0.9);
  EXPECT_LT(model.score(vector_of(1, 0, 1, 1.1, 4.5)).score, 0.1);
}

TEST(AnomalyModel, NeighboursExplainWithPastOutcomes) {
  const AnomalyModel model = AnomalyModel::train(history(100));
  const Assessment a = model.score(vector_of(2.6, 9, 1.0, 1.0, 5.5));
  ASSERT_EQ(a.nearest.size(), kDefaultNeighbours);
  EXPECT_EQ(a.nearest[0].outcome, Outcome::rolled_back_auto);
  EXPECT_THAT(a.sentence, HasSubstr("rolled back automatically"));
  for (std::size_t i = 1; i < a.nearest.size(); ++i)
    EXPECT_LE(a.nearest[i - 1].distance, a.nearest[i].distance);
  // One neighbour per past rollout.
  for (std::size_t i = 0; i < a.nearest.size(); ++i)
    for (std::size_t j = i + 1; j < a.nearest.size(); ++j)
      EXPECT_NE(a.nearest[i].key, a.nearest[j].key);
}

TEST(AnomalyModel, DeterministicAndMissingValuesIgnored) {
  const AnomalyModel a = AnomalyModel::train(history(60));
  const AnomalyModel b = AnomalyModel::train(history(60));
  FeatureVector v = vector_of(1.4, 3, kMissing, kMissing, kMissing);
  EXPECT_EQ(a.score(v).sentence, b.score(v).sentence);
  EXPECT_EQ(a.score(v).score, b.score(v).score);
  FeatureVector empty;
  const Assessment nothing = a.score(empty);
  EXPECT_FALSE(nothing.abstained);
  EXPECT_EQ(nothing.score, 0);
}

TEST(AnomalyModel, KeepsTheMostRecentMaxHistory) {
  ModelSettings settings;
  settings.max_history = 30;
  const AnomalyModel model = AnomalyModel::train(history(100), settings);
  EXPECT_EQ(model.history_size(), 30u);
}

TEST(AnomalyFeatures, FromObservations) {
  Policy policy;
  policy.flag = "checkout";
  policy.interval = std::chrono::seconds(30);
  policy.stages.push_back(PolicyStage{});
  CustomCheck conversion;
  conversion.name = "conversion";
  conversion.direction = CheckDirection::LowerIsWorse;
  policy.checks.custom.push_back(conversion);
  rollout::RolloutState state;
  state.phase = rollout::Phase::progressing;
  state.stage_started_at = rollout::TimePoint{} + std::chrono::hours(1);
  rollout::Observations o;
  o.treatment.requests = 1000;
  o.treatment.errors = 20;
  o.treatment.custom["conversion"] = 0.045;
  o.control.requests = 19000;
  o.control.errors = 190;
  o.control.custom["conversion"] = 0.05;
  o.treatment.latency = {{0.1, 500}, {0.25, 900}, {HUGE_VAL, 1000}};
  o.control.latency = {{0.1, 9500}, {0.25, 18000}, {HUGE_VAL, 19000}};
  const FeatureVector v =
      observe(policy, state, o, state.stage_started_at + std::chrono::minutes(2));
  EXPECT_DOUBLE_EQ(v.value(feature::error_rate_ratio), 2.0);
  EXPECT_DOUBLE_EQ(v.value(feature::error_rate_diff), 0.01);
  EXPECT_GT(v.value(feature::error_rate_z), 3);
  EXPECT_DOUBLE_EQ(v.value(feature::latency_p95_ratio), 1.0);
  EXPECT_DOUBLE_EQ(v.value(feature::latency_p50_ratio), 1.0);
  EXPECT_DOUBLE_EQ(v.value(feature::treatment_share), 0.05);
  EXPECT_DOUBLE_EQ(v.value(feature::log_requests), std::log10(1001.0));
  EXPECT_DOUBLE_EQ(v.value(feature::time_in_stage_intervals), 4);
  EXPECT_NEAR(v.value("custom:conversion"), 0.9, 1e-12);
  ASSERT_NE(v.find("custom:conversion"), nullptr);
  EXPECT_EQ(v.find("custom:conversion")->worse, Worse::lower);
  EXPECT_EQ(v.features[0].name, "error_rate_ratio");
  EXPECT_EQ(v.features.back().name, "custom:conversion");

  rollout::Observations none;
  none.unavailable = "Prometheus timed out";
  const FeatureVector missing = observe(policy, state, none, state.stage_started_at);
  EXPECT_TRUE(std::isnan(missing.value(feature::error_rate_ratio)));
  EXPECT_TRUE(std::isnan(missing.value("custom:conversion")));
}

TEST(AnomalyHistoryJson, RoundTrip) {
  std::vector<HistoryEntry> entries = history(3, 0);
  entries[0].started_at = "2026-10-01T00:00:00Z";
  const std::string text = history_to_json(entries);
  const auto parsed = history_from_json(text);
  ASSERT_TRUE(parsed.ok()) << parsed.error;
  ASSERT_EQ(parsed.value->size(), 3u);
  // NaN features survive as null.
  EXPECT_EQ(*parsed.value, entries);

  const std::string stages = stages_to_json(entries[1].stages);
  EXPECT_THAT(stages, HasSubstr(R"("latency_p50_ratio":null)"));
  EXPECT_THAT(stages, HasSubstr(R"("lower_is_worse":["custom:conversion"])"));
  EXPECT_THAT(stages, HasSubstr(R"("percent":5.0)"));
  const auto back = stages_from_json(stages);
  ASSERT_TRUE(back.ok()) << back.error;
  EXPECT_EQ(*back.value, entries[1].stages);
}

TEST(AnomalyHistoryJson, StrictErrorsNameThePlace) {
  auto error = [](const std::string& text) { return history_from_json(text).error; };
  EXPECT_THAT(error("{"), HasSubstr("not JSON"));
  EXPECT_EQ(error("{}"), "entries: expected an array of entries, got an object");
  EXPECT_EQ(error(R"([{"flag":"a","outcome":"completed","stages":[]}])"),
            "entries[0]: missing member \"key\"");
  EXPECT_EQ(error(R"([{"key":"r/1","flag":"a","outcome":"done","stages":[]}])"),
            "entries[0] (key r/1).outcome: expected completed, rolled_back_auto, "
            "rolled_back_manual or aborted, got \"done\"");
  EXPECT_EQ(error(R"([{"key":"r/1","flag":"a","outcome":"completed","stages":[],"x":1}])"),
            "entries[0] (key r/1).x: unknown member");
  EXPECT_EQ(error(R"([{"key":"r/1","flag":"a","outcome":"completed","stages":[]},)"
                  R"({"key":"r/1","flag":"a","outcome":"aborted","stages":[]}])"),
            "entries[1] (key r/1).key: duplicate key");
  EXPECT_EQ(
      error(R"([{"key":"r/1","flag":"a","outcome":"completed","stages":[)"
            R"({"stage":0,"percent":5,"features":{"error_rate_ratio":"high"}}]}])"),
      "entries[0] (key r/1).stages[0].features.error_rate_ratio: expected a number or null, got "
      "a string");
  EXPECT_EQ(stages_from_json(R"([{"stage":0,"percent":5,"features":{"errors":1}}])").error,
            "stages[0].features.errors: unknown feature (expected one of the canonical names or "
            "custom:<name>)");
  EXPECT_EQ(stages_from_json(R"([{"stage":0,"percent":150,"features":{}}])").error,
            "stages[0].percent: expected a number from 0 to 100, got 150");
  EXPECT_EQ(stages_from_json(R"([{"stage":0,"percent":5,"features":{}},)"
                             R"({"stage":0,"percent":25,"features":{}}])")
                .error,
            "stages[1].stage: stage 0 appears twice");
  EXPECT_EQ(stages_from_json(R"([{"stage":-1,"percent":5,"features":{}}])").error,
            "stages[0].stage: expected a whole number >= 0, got -1");
}

TEST(AnomalyHistory, OutcomeOfDecisionsAndRecordStage) {
  rollout::Decision d;
  d.next.phase = rollout::Phase::rolled_back;
  EXPECT_EQ(outcome_of(d), Outcome::rolled_back_auto);
  d.actor = "alice";
  EXPECT_EQ(outcome_of(d), Outcome::rolled_back_manual);
  d.next.phase = rollout::Phase::completed;
  EXPECT_EQ(outcome_of(d), Outcome::completed);
  d.next.phase = rollout::Phase::aborted;
  EXPECT_EQ(outcome_of(d), Outcome::aborted);
  d.next.phase = rollout::Phase::paused;
  EXPECT_FALSE(outcome_of(d).has_value());
  EXPECT_EQ(parse_outcome("rolled_back_manual"), Outcome::rolled_back_manual);
  EXPECT_FALSE(parse_outcome("rolled_back").has_value());

  std::vector<StageFeatures> stages;
  record_stage(stages, 0, 500, vector_of(1, 0, 1, 1, 3));
  record_stage(stages, 0, 500, vector_of(1.1, 0, 1, 1, 3.2));
  record_stage(stages, 1, 2500, vector_of(1, 0, 1, 1, 4));
  ASSERT_EQ(stages.size(), 2u);
  EXPECT_DOUBLE_EQ(stages[0].features.value(feature::error_rate_ratio), 1.1);
  EXPECT_EQ(stages[1].treatment_bp, 2500u);
}

TEST(AnomalyAssessmentJson, CarriesTheExplanation) {
  const AnomalyModel model = AnomalyModel::train(history(100));
  const std::string j = assessment_to_json(model.score(vector_of(1.0, 0.1, 1.3, 1.0, 4.5)));
  EXPECT_THAT(j, HasSubstr(R"("abstained":false)"));
  EXPECT_THAT(j, HasSubstr(R"("feature":"latency_p95_ratio")"));
  EXPECT_THAT(j, HasSubstr(R"("nearest":[{"key":)"));
  EXPECT_THAT(assessment_to_json(AnomalyModel().score(FeatureVector{})),
              HasSubstr(R"x("reason":"insufficient history (0 of 20)")x"));
}

}  // namespace
}  // namespace sluice::anomaly
