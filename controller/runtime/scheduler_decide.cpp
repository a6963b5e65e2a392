#include "scheduler_decide.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "rollout_history.hpp"

namespace sluice::controller {
namespace {

std::optional<rollout::IntervalCounts> interval_of(const metrics::WindowResult& result,
                                                   const std::string& flag,
                                                   const std::string& variant) {
  auto it = result.series.find({flag, variant});
  if (it == result.series.end()) return std::nullopt;
  rollout::IntervalCounts c;
  c.requests = it->second.requests;
  c.errors = it->second.errors;
  c.latency = it->second.latency;
  return c;
}

// Why the group's answer cannot be judged for `due`, if it cannot.
std::optional<std::string> unavailable_for(const DueRollout& due, const MetricGroup& group,
                                           const metrics::MetricsSource& source) {
  const auto& r = group.result;
  if (r.requests_error) return *r.requests_error;
  if (r.errors_error) return *r.errors_error;
  if (due.policy->checks.latency_p95 && r.latency_error) return *r.latency_error;
  for (const auto* variant : {&due.policy->treatment, &due.policy->control}) {
    auto it = r.series.find({due.policy->flag, *variant});
    if (it != r.series.end() && it->second.has_nan) {
      return "NaN in the metrics of variant " + *variant;
    }
  }
  // Neither variant has a series: the application is not reporting (or not being scraped).
  // That is no data, never zero traffic — judging the stage's earlier counts again could let a
  // stage advance on old data.
  if (!r.series.contains({due.policy->flag, due.policy->treatment}) &&
      !r.series.contains({due.policy->flag, due.policy->control})) {
    return "no requests reported for " + due.policy->flag + " (" + due.policy->treatment + " or " +
           due.policy->control + ") in the last " + std::to_string(due.policy->interval.count()) +
           "s from " + source.name();
  }
  return std::nullopt;
}

// What the anomaly model sees of this interval: the feature vector, kept as the stage's summary
// in the window JSON for the history row written when the rollout finishes (every rollout:
// the history is the training data, whether or not its own policy uses the model), and scored
// for the state machine when the policy enables the model.
void observe_anomaly(DueRollout& due, rollout::Observations& observations,
                     const anomaly::AnomalyModel& model) {
  const Policy& policy = *due.policy;
  anomaly::FeatureVector features = anomaly::observe(policy, due.state, observations, due.end);
  if (policy.anomaly_enabled()) {
    observations.anomaly = model.score(features, policy.anomaly->min_history);
  }
  std::vector<anomaly::StageFeatures> stages = stage_features_of(due.record.window_json);
  // Waiting for approval, `stage` is the one to enter; the one before it is still served.
  const std::size_t served =
      due.state.phase == rollout::Phase::waiting_for_approval && due.state.stage > 0
          ? due.state.stage - 1
          : due.state.stage;
  anomaly::record_stage(stages, served, due.state.treatment_bp, std::move(features));
  // decision_write carries the member from the record into the decision's window.
  due.record.window_json =
      with_stage_features(due.record.window_json, anomaly::stages_to_json(stages));
}

// Adds the group's interval to `window` (a running rollout's) and observes it; an interval
// without usable data only moves `last_tick` and says why.
rollout::Observations observe_interval(DueRollout& due, const MetricGroup& group,
                                       rollout::AnalysisWindow& window,
                                       const anomaly::AnomalyModel& model,
                                       const metrics::MetricsSource& source) {
  const Policy& policy = *due.policy;
  rollout::Observations observations;
  observations.unavailable = unavailable_for(due, group, source);
  if (observations.unavailable) {
    window.last_tick = std::max(window.last_tick, due.end);
    return observations;
  }
  rollout::add_interval(window, due.end, policy.interval,
                        interval_of(group.result, policy.flag, policy.treatment),
                        interval_of(group.result, policy.flag, policy.control));
  observations = rollout::observations_of(window);
  for (const auto& [name, result] : due.custom_treatment) {
    if (result.value) observations.treatment.custom[name] = *result.value;
  }
  for (const auto& [name, result] : due.custom_control) {
    if (result.value) observations.control.custom[name] = *result.value;
  }
  observe_anomaly(due, observations, model);
  return observations;
}

}  // namespace

std::vector<store::DecisionWrite> decide_tick(TickPlan& plan, const anomaly::AnomalyModel& model,
                                              const metrics::MetricsSource& source,
                                              TimePoint decided_at,
                                              const DecisionWriteHooks& hooks) {
  std::vector<store::DecisionWrite> writes;
  writes.reserve(plan.due.size());
  for (auto& due : plan.due) {
    const Policy& policy = *due.policy;
    rollout::Observations observations;
    rollout::AnalysisWindow window = due.window;
    if (!due.starting) {
      observations = observe_interval(due, plan.groups[due.group], window, model, source);
    }
    rollout::Decision decision = rollout::step(policy, due.state, observations, due.end);
    if (decision.kind == rollout::DecisionKind::none) continue;
    rollout::AnalysisWindow next_window =
        rollout::carry_window(window, decision.next, policy.interval);
    if (decision.effects.split) {
      // The new split is served from the commit on, not from the interval end the decision
      // is dated at: the interval the commit falls in mixes both splits and is not judged.
      next_window.last_tick =
          std::max(next_window.last_tick, rollout::align_up(decided_at, policy.interval));
    }
    writes.push_back(
        decision_write(due.record, policy, decision, next_window, /*audit=*/false, hooks));
  }
  return writes;
}

std::shared_ptr<const anomaly::AnomalyModel> train_model(
    const std::vector<store::RolloutHistoryRecord>& rows, std::size_t& skipped) {
  std::vector<anomaly::HistoryEntry> entries;
  entries.reserve(rows.size());
  skipped = 0;
  for (const auto& row : rows) {
    auto outcome = anomaly::parse_outcome(row.outcome);
    auto stages = anomaly::stages_from_json(row.stages_json);
    if (!outcome || !stages.ok()) {
      ++skipped;
      continue;
    }
    entries.push_back(anomaly::HistoryEntry{row.key, row.flag, *outcome, std::move(*stages.value),
                                            row.started_at, row.finished_at});
  }
  return std::make_shared<const anomaly::AnomalyModel>(anomaly::AnomalyModel::train(entries));
}

}  // namespace sluice::controller
