// The controller's adapter-side pieces that need no network: the analysis window, the split a
// state serves, the overlay on a flag, and the persisted JSON forms.

#include <gtest/gtest.h>

#include <cmath>

#include "rollout_json.hpp"
#include "rollout_overlay.hpp"
#include "sluice/analysis_window.hpp"
#include "sluice/flag_loader.hpp"
#include "sluice/policy_loader.hpp"
#include "sluice/rollout_split.hpp"
#include "sluice/snapshot.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;
using rollout::TimePoint;

TimePoint at_seconds(std::int64_t s) {
  return TimePoint(std::chrono::seconds(s));
}

Policy policy_from(const std::string& json) {
  PolicyLoadResult read = read_single_policy_json(json);
  EXPECT_TRUE(read.ok()) << (read.diagnostics.empty() ? "" : read.diagnostics[0].format());
  return read.policies.at(0);
}

const char* kCohortPolicy = R"({"flag":"checkout","treatment":"new","control":"old",
  "interval":"30s","stages":[{"segment":"internal"},{"segment":"beta"},{"percent":10},
  {"percent":50,"approval":true},{"percent":100}]})";

TEST(AnalysisWindow, AlignsToTheIntervalGrid) {
  EXPECT_EQ(rollout::align_down(at_seconds(95), 30s), at_seconds(90));
  EXPECT_EQ(rollout::align_up(at_seconds(95), 30s), at_seconds(120));
  EXPECT_EQ(rollout::align_up(at_seconds(90), 30s), at_seconds(90));
  EXPECT_EQ(rollout::align_down(at_seconds(90), 30s), at_seconds(90));
}

TEST(AnalysisWindow, CountsOnlyIntervalsInsideTheWindow) {
  rollout::AnalysisWindow w;
  w.started_at = at_seconds(100);
  rollout::IntervalCounts t{10, 1, {}};
  rollout::IntervalCounts c{90, 2, {}};
  // (90, 120] began before the window: traffic of the previous split, left out.
  EXPECT_FALSE(rollout::add_interval(w, at_seconds(120), 30s, t, c));
  EXPECT_EQ(w.last_tick, at_seconds(120));
  EXPECT_EQ(w.intervals, 0u);
  EXPECT_TRUE(rollout::add_interval(w, at_seconds(150), 30s, t, c));
  EXPECT_TRUE(rollout::add_interval(w, at_seconds(180), 30s, t, std::nullopt));
  EXPECT_EQ(w.intervals, 2u);
  const rollout::Observations o = rollout::observations_of(w);
  EXPECT_DOUBLE_EQ(o.treatment.requests, 20);
  EXPECT_DOUBLE_EQ(o.treatment.errors, 2);
  EXPECT_DOUBLE_EQ(o.control.requests, 90);
  EXPECT_DOUBLE_EQ(o.control.errors, 2);
}

TEST(AnalysisWindow, AVariantNeverSeenIsZeroAndNeitherSeenIsNoData) {
  rollout::AnalysisWindow w;
  EXPECT_TRUE(std::isnan(rollout::observations_of(w).treatment.requests));
  EXPECT_TRUE(std::isnan(rollout::observations_of(w).control.requests));
  rollout::add_interval(w, at_seconds(30), 30s, std::nullopt, rollout::IntervalCounts{50, 0, {}});
  EXPECT_DOUBLE_EQ(rollout::observations_of(w).treatment.requests, 0);
  EXPECT_DOUBLE_EQ(rollout::observations_of(w).control.requests, 50);
}

TEST(AnalysisWindow, SumsLatencyBucketsByBound) {
  rollout::AnalysisWindow w;
  const double inf = std::numeric_limits<double>::infinity();
  rollout::IntervalCounts a{10, 0, {{0.1, 5}, {inf, 10}}};
  rollout::IntervalCounts b{4, 0, {{inf, 4}, {0.1, 1}, {0.5, 3}}};
  rollout::add_interval(w, at_seconds(30), 30s, a, std::nullopt);
  rollout::add_interval(w, at_seconds(60), 30s, b, std::nullopt);
  ASSERT_EQ(w.treatment.latency.size(), 3u);
  EXPECT_DOUBLE_EQ(w.treatment.latency[0].upper_bound, 0.1);
  EXPECT_DOUBLE_EQ(w.treatment.latency[0].cumulative_count, 6);
  EXPECT_DOUBLE_EQ(w.treatment.latency[1].upper_bound, 0.5);
  EXPECT_TRUE(std::isinf(w.treatment.latency[2].upper_bound));
  EXPECT_DOUBLE_EQ(w.treatment.latency[2].cumulative_count, 14);
}

TEST(AnalysisWindow, RestartsWithTheStateAndSkipsThePartialInterval) {
  rollout::AnalysisWindow w;
  w.started_at = at_seconds(0);
  rollout::add_interval(w, at_seconds(30), 30s, rollout::IntervalCounts{5, 0, {}}, std::nullopt);
  rollout::RolloutState next;
  next.window_started_at = at_seconds(30);  // a tick decision: on the grid
  rollout::AnalysisWindow carried = rollout::carry_window(w, next, 30s);
  EXPECT_EQ(carried.started_at, at_seconds(30));
  EXPECT_EQ(carried.last_tick, at_seconds(30));
  EXPECT_FALSE(carried.treatment.seen);
  next.window_started_at = at_seconds(41);  // a person's command between two ticks
  carried = rollout::carry_window(w, next, 30s);
  EXPECT_EQ(carried.last_tick, at_seconds(60));  // (30, 60] mixes both splits: never judged
  next.window_started_at = w.started_at;
  EXPECT_EQ(rollout::carry_window(w, next, 30s), w);
}

TEST(RolloutSplit, FollowsThePhase) {
  const Policy policy = policy_from(kCohortPolicy);
  rollout::RolloutState s = rollout::initial_state(policy);
  EXPECT_EQ(rollout::served_split(policy, s), (rollout::SplitChange{0, {}, false}));
  s.phase = rollout::Phase::progressing;
  s.stage = 2;
  s.treatment_bp = 1000;
  EXPECT_EQ(rollout::served_split(policy, s),
            (rollout::SplitChange{1000, {"internal", "beta"}, false}));
  s.phase = rollout::Phase::waiting_for_approval;
  s.stage = 3;  // waits to enter 50%; still serves stage 3 (10%)
  EXPECT_EQ(rollout::served_split(policy, s),
            (rollout::SplitChange{1000, {"internal", "beta"}, false}));
  s.phase = rollout::Phase::rolled_back;
  EXPECT_TRUE(rollout::served_split(policy, s).control_to_all);
  s.phase = rollout::Phase::completed;
  EXPECT_EQ(rollout::served_split(policy, s).treatment_bp, 10000u);
}

FlagSet checkout_flags() {
  LoadResult read;
  read_flag_yaml(R"(
key: checkout
variants: {new: true, old: false}
off_variant: old
bucket_by: accountId
rules:
  - name: staff
    conditions: [{attribute: email, op: ends_with, value: "@example.com"}]
    serve: {variant: new}
default:
  split: {salt: checkout-v2, weights: {old: 100, new: 0}}
)",
                 "checkout.yaml", read);
  EXPECT_TRUE(read.ok()) << (read.diagnostics.empty() ? "" : read.diagnostics[0].format());
  return std::move(read.definitions);
}

TEST(RolloutOverlay, OwnsTheDefaultAndKeepsPeoplesRulesFirst) {
  FlagSet set = checkout_flags();
  controller::apply_rollout_splits(
      set, {{"checkout", "new", "old", std::nullopt, {500, {"beta"}, false}, ""}});
  const FlagDefinition& flag = set.flags.at(0);
  ASSERT_EQ(flag.rules.size(), 2u);
  EXPECT_EQ(flag.rules[0].name, "staff");
  EXPECT_EQ(flag.rules[1].segments, std::vector<std::string>{"beta"});
  EXPECT_EQ(flag.rules[1].serve.variant, "new");
  ASSERT_TRUE(flag.fallthrough.split);
  const SplitDefinition& split = *flag.fallthrough.split;
  ASSERT_EQ(split.weights.size(), 2u);
  EXPECT_EQ(split.weights[0].variant, "new");  // first: users inside at 5% stay inside at 25%
  EXPECT_EQ(split.weights[0].basis_points, 500u);
  EXPECT_EQ(split.weights[1].basis_points, 9500u);
  EXPECT_EQ(split.salt, "checkout-v2");  // the flag's shuffle is kept
}

TEST(RolloutOverlay, RollbackServesTheControlToEveryoneInTheRollout) {
  FlagSet set = checkout_flags();
  controller::apply_rollout_splits(set,
                                   {{"checkout", "new", "old", std::nullopt, {0, {}, true}, ""}});
  const FlagDefinition& flag = set.flags.at(0);
  EXPECT_EQ(flag.rules.size(), 1u);
  EXPECT_EQ(flag.fallthrough.variant, "old");
  EXPECT_FALSE(flag.fallthrough.split);
  CompileResult compiled = compile_snapshot(std::move(set));
  EXPECT_TRUE(compiled.snapshot) << (compiled.diagnostics.empty()
                                         ? ""
                                         : compiled.diagnostics[0].format());
}

TEST(RolloutJson, StateAndWindowRoundTrip) {
  rollout::RolloutState s;
  s.flag = "checkout";
  s.phase = rollout::Phase::paused;
  s.stage = 3;
  s.treatment_bp = 2500;
  s.stage_started_at = at_seconds(1000);
  s.window_started_at = at_seconds(1090);
  s.sequence = 17;
  s.healthy_intervals = 2;
  s.no_data_intervals = 1;
  s.pause_cause = rollout::PauseCause::manual;
  s.paused_by = "alice";
  s.pause_reason = "looking at dashboards";
  s.resume_to = rollout::Phase::waiting_for_approval;
  EXPECT_EQ(controller::state_from_json(controller::state_to_json(s)), s);

  rollout::AnalysisWindow w;
  w.started_at = at_seconds(1090);
  w.last_tick = at_seconds(1200);
  w.intervals = 3;
  w.treatment = {120, 4, {{0.25, 100}, {std::numeric_limits<double>::infinity(), 120}}, true};
  w.control = {1000, 9, {}, true};
  EXPECT_EQ(controller::window_from_json(controller::window_to_json(w)), w);
  EXPECT_THROW(controller::state_from_json(R"({"flag":"x"})"), std::runtime_error);
}

}  // namespace
}  // namespace sluice
