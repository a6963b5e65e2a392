#include "simulation_traffic.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <numbers>

#include "sluice/judge.hpp"

namespace sluice::simulation {

std::int64_t max_seconds_for(const Policy& policy, const Scenario& scenario) {
  if (scenario.max_seconds > 0) return scenario.max_seconds;
  std::int64_t sum = 0;
  for (std::size_t i = 0; i < policy.stages.size(); ++i)
    sum += policy.stage_min_duration(i).count();
  return 3 * sum + 20 * policy.interval.count();
}

namespace {

const rollout::TimePoint kStart{std::chrono::seconds{1767225600}};

double seconds_since_start(rollout::TimePoint now) {
  return std::chrono::duration<double>(now - kStart).count();
}

RunResult run_sluice(const Policy& policy, const Scenario& scenario, Traffic traffic,
                     const anomaly::AnomalyModel* model, bool record) {
  RunResult result;
  const bool with_latency = policy.checks.latency_p95.has_value() || model || record;
  const bool with_conversion = has_conversion(policy);
  const auto max_time = kStart + std::chrono::seconds{max_seconds_for(policy, scenario)};
  const std::size_t min_history =
      policy.anomaly ? policy.anomaly->min_history : anomaly::kDefaultMinHistory;

  rollout::TimePoint now = kStart;
  rollout::RolloutState state = rollout::initial_state(policy);
  state = rollout::step(policy, state, rollout::Observations{}, now).next;
  ++result.steps;
  VariantTraffic treatment;
  VariantTraffic control;
  rollout::TimePoint window = state.window_started_at;

  while (!state.terminal() && now < max_time) {
    now += policy.interval;
    auto [t, c] = traffic.next(state.treatment_bp);
    add(treatment, t);
    add(control, c);
    rollout::Observations observations;
    observations.treatment = treatment.observation(with_latency, with_conversion);
    observations.control = control.observation(with_latency, with_conversion);
    if (model || record) {
      anomaly::FeatureVector features = anomaly::observe(policy, state, observations, now);
      if (model) observations.anomaly = model->score(features, min_history);
      if (record && state.phase == rollout::Phase::progressing)
        anomaly::record_stage(result.stages, state.stage, state.treatment_bp, std::move(features));
    }
    rollout::Decision decision = rollout::step(policy, state, observations, now);
    ++result.steps;
    if (decision.anomaly && decision.evidence &&
        decision.evidence->overall != judge::Verdict::fail) {
      if (decision.kind == rollout::DecisionKind::rollback) result.rolled_back_by_anomaly = true;
      if (decision.kind == rollout::DecisionKind::pause &&
          decision.next.pause_reason.rfind("anomaly score", 0) == 0)
        result.paused_by_anomaly = true;
    }
    state = std::move(decision.next);
    if (state.phase == rollout::Phase::waiting_for_approval) {  // the simulator approves at once
      rollout::CommandResult approved = rollout::apply(
          policy, state, rollout::Command{rollout::CommandKind::approve, "simulator", "simulated"},
          now);
      if (approved.ok()) state = std::move(approved.decision->next);
    }
    if (state.window_started_at != window) {  // counts are cumulative since the window's start
      treatment.reset();
      control.reset();
      window = state.window_started_at;
    }
  }
  result.phase = state.phase;
  result.stage = state.stage;
  result.seconds = seconds_since_start(now);
  if (state.phase == rollout::Phase::rolled_back) result.seconds_to_rollback = result.seconds;
  if (state.phase == rollout::Phase::completed) result.seconds_to_complete = result.seconds;
  return result;
}

// Flagger-style analysis: every interval, the treatment's error rate over that interval alone
// against a fixed threshold; a failed check counts towards the rollback (failures are not reset
// by passes); the stage advances once its minimum duration has passed.
RunResult run_flagger(const Policy& policy, const Scenario& scenario, std::uint32_t run) {
  RunResult result;
  Traffic traffic = make_traffic(policy, scenario, run);
  const auto max_time = kStart + std::chrono::seconds{max_seconds_for(policy, scenario)};
  const double threshold = scenario.flagger_threshold_factor * scenario.base_error_rate;

  rollout::TimePoint now = kStart;
  rollout::TimePoint stage_started_at = now;
  std::size_t stage = 0;
  std::uint32_t failed = 0;
  result.phase = policy.stages.empty() ? rollout::Phase::completed : rollout::Phase::progressing;
  ++result.steps;
  while (result.phase == rollout::Phase::progressing && now < max_time) {
    now += policy.interval;
    ++result.steps;
    const std::uint32_t bp = policy.stages[stage].basis_points.value_or(0);
    auto [t, c] = traffic.next(bp);
    (void)c;
    if (t.requests > 0 &&
        static_cast<double>(t.errors) / static_cast<double>(t.requests) > threshold) {
      if (++failed >= scenario.flagger_failed_checks) {
        result.phase = rollout::Phase::rolled_back;
        break;
      }
      continue;
    }
    if (now - stage_started_at >= policy.stage_min_duration(stage)) {
      if (++stage == policy.stages.size()) {
        result.phase = rollout::Phase::completed;
        stage = policy.stages.size() - 1;
        break;
      }
      stage_started_at = now;
    }
  }
  result.stage = stage;
  result.seconds = seconds_since_start(now);
  if (result.phase == rollout::Phase::rolled_back) result.seconds_to_rollback = result.seconds;
  if (result.phase == rollout::Phase::completed) result.seconds_to_complete = result.seconds;
  return result;
}

}  // namespace
// ---- Simulation -------------------------------------------------------------------------------

RunResult simulate_one(const Policy& policy, const Scenario& scenario, std::uint32_t run,
                       const anomaly::AnomalyModel* model) {
  if (scenario.judge == Judge::flagger) return run_flagger(policy, scenario, run);
  return run_sluice(policy, scenario, make_traffic(policy, scenario, run),
                    scenario.anomaly ? model : nullptr, false);
}

std::vector<anomaly::HistoryEntry> simulate_history(const Policy& policy,
                                                    const Scenario& scenario) {
  std::vector<anomaly::HistoryEntry> history;
  history.reserve(scenario.history);
  // The past is simulated without the model, like the controller before it had one.
  Policy past = policy;
  past.anomaly.reset();
  const std::uint64_t seed = scenario.seed ^ 0xA11CE5EEDULL;
  for (std::uint32_t i = 0; i < scenario.history; ++i) {
    Rng spread(run_seed(seed ^ 0x5EED5EED5EEDULL, i));
    const bool bad = spread.uniform() < scenario.history_bad_fraction;
    const Conditions conditions = conditions_for(scenario, spread, true, bad);
    const RunResult r =
        run_sluice(past, scenario,
                   make_traffic(past, conditions, run_seed(seed, i),
                                has_conversion(past) ? scenario.conversion_rate : 0.0),
                   nullptr, true);
    anomaly::HistoryEntry e;
    e.key = "sim/" + std::to_string(i);
    e.flag = "past-" + std::to_string(i % 12);
    char finished[32];
    std::snprintf(finished, sizeof finished, "2026-10-%02uT%02u:%02u:00Z", 1 + (i / 96) % 28,
                  (i / 4) % 24, (i % 4) * 15);
    e.finished_at = finished;
    // Not finished by max_seconds (paused on a warning, say): a person would have decided; the
    // generator calls it rolled back by a person.
    e.outcome = r.phase == rollout::Phase::completed     ? anomaly::Outcome::completed
                : r.phase == rollout::Phase::rolled_back ? anomaly::Outcome::rolled_back_auto
                                                         : anomaly::Outcome::rolled_back_manual;
    e.stages = r.stages;
    history.push_back(std::move(e));
  }
  return history;
}

std::optional<Shape> parse_shape(std::string_view text) {
  for (Shape s : {Shape::none, Shape::latency_creep, Shape::error_1_6x, Shape::business_drop})
    if (to_string(s) == text) return s;
  return std::nullopt;
}

std::string_view to_string(Shape shape) {
  switch (shape) {
    case Shape::none:
      return "none";
    case Shape::latency_creep:
      return "latency-creep";
    case Shape::error_1_6x:
      return "error-1.6x";
    case Shape::business_drop:
      return "business-drop";
  }
  return "none";
}

std::optional<double> percentile(std::vector<double> values, double q) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  const double rank = std::ceil(q * static_cast<double>(values.size()));
  const std::size_t index =
      rank < 1 ? 0 : std::min(values.size() - 1, static_cast<std::size_t>(rank) - 1);
  return values[index];
}

Summary simulate(const Policy& policy, const Scenario& scenario) {
  Summary s;
  s.runs = scenario.runs;
  s.rolled_back_at_stage.assign(policy.stages.size(), 0);
  std::vector<double> rollback_seconds;
  std::vector<double> complete_seconds;
  anomaly::AnomalyModel model;
  if (scenario.history > 0 && scenario.judge == Judge::sluice) {
    const std::vector<anomaly::HistoryEntry> history = simulate_history(policy, scenario);
    model = anomaly::AnomalyModel::train(history);
    s.history = static_cast<std::uint32_t>(model.history_size());
    s.history_completed = static_cast<std::uint32_t>(model.healthy_size());
  }
  for (std::uint32_t run = 0; run < scenario.runs; ++run) {
    const RunResult r = simulate_one(policy, scenario, run, &model);
    s.steps += r.steps;
    if (r.rolled_back_by_anomaly) ++s.rolled_back_by_anomaly;
    if (r.paused_by_anomaly) ++s.paused_by_anomaly;
    switch (r.phase) {
      case rollout::Phase::rolled_back:
        ++s.rolled_back;
        if (r.stage < s.rolled_back_at_stage.size()) ++s.rolled_back_at_stage[r.stage];
        break;
      case rollout::Phase::completed:
        ++s.completed;
        break;
      case rollout::Phase::paused:
        ++s.paused;
        break;
      case rollout::Phase::aborted:
        ++s.aborted;
        break;
      default:
        ++s.unfinished;
        break;
    }
    if (r.seconds_to_rollback) rollback_seconds.push_back(*r.seconds_to_rollback);
    if (r.seconds_to_complete) complete_seconds.push_back(*r.seconds_to_complete);
  }
  s.seconds_to_rollback_p50 = percentile(rollback_seconds, 0.50);
  s.seconds_to_rollback_p95 = percentile(rollback_seconds, 0.95);
  s.seconds_to_complete_p50 = percentile(complete_seconds, 0.50);
  s.seconds_to_complete_p95 = percentile(complete_seconds, 0.95);
  return s;
}

}  // namespace sluice::simulation
