// One controller step of a rollout: ordered rules, each deciding or passing to the next —
// terminal, pending, critical (fail), paused, warning, waiting for approval, no data or split
// mismatch, stage gates, then advance or complete. The first rule that decides wins; the order is
// the order of caution. docs/rollout-state-machine.md describes the states and transitions.

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "rollout_step.hpp"

namespace sluice::rollout {
namespace detail {

StepContext make_context(const Policy& policy, const RolloutState& state,
                         const Observations& observations, const judge::Judgement& judgement,
                         TimePoint now, const StepOptions& options) {
  StepContext c{policy, state, observations, judgement, now, options, judge::Verdict::no_data, {}};
  c.verdict = observations.unavailable ? judge::Verdict::no_data : judgement.overall;
  c.at = served_text(policy, state);
  c.full = state.treatment_bp >= kFullShare && state.phase == Phase::progressing;
  c.min_samples = static_cast<double>(policy.stage_min_samples(state.stage));
  c.treatment = observations.treatment.requests;
  c.control = observations.control.requests;
  c.counts_valid = !observations.unavailable && std::isfinite(c.treatment) &&
                   std::isfinite(c.control) && c.treatment >= 0 && c.control >= 0;
  c.short_of_samples =
      c.counts_valid && (c.treatment < c.min_samples || (!c.full && c.control < c.min_samples));
  c.no_data = c.verdict == judge::Verdict::no_data && !c.full && !c.short_of_samples;
  // The anomaly model (policy `anomaly:`) acts only when enabled, not abstained, and on a window
  // with the stage's minimum samples (like the judge's verdicts); it only ever makes the
  // decision more cautious.
  if (policy.anomaly_enabled() && observations.anomaly) c.assessment = &*observations.anomaly;
  const anomaly::Assessment* a = c.assessment;
  const bool acts =
      a && !a->abstained && c.counts_valid && !c.short_of_samples && std::isfinite(a->score);
  c.anomaly_critical = acts && a->score >= policy.anomaly->critical;
  c.anomaly_warning = acts && !c.anomaly_critical && a->score >= policy.anomaly->warning;
  return c;
}

}  // namespace detail

namespace {

using namespace detail;
using Rule = std::optional<Decision> (*)(const StepContext&);

// A check that passed but is elevated (not yet significant) holds a stage below 100%.
const judge::CheckResult* first_elevated(const judge::Judgement& j) {
  for (const judge::CheckResult& c : j.checks)
    if (c.verdict == judge::Verdict::pass && c.elevated) return &c;
  return nullptr;
}

// A controller decision that carries the judgement (and the assessment) it was made on.
Decision judged(const StepContext& c, DecisionKind kind, std::string sentence) {
  Decision d = begin(kind, c.state, c.now, "controller", "");
  d.evidence = c.judgement;
  if (c.assessment) d.anomaly = *c.assessment;
  d.sentence = std::move(sentence);
  return d;
}

Decision hold(const StepContext& c, std::string sentence) {
  Decision d = judged(c, DecisionKind::hold, std::move(sentence));
  d.next.no_data_intervals = c.no_data ? c.state.no_data_intervals + 1 : 0;
  if (d.next.no_data_intervals == kMetricsUnavailableAfter)
    d.effects.notify.push_back(EventKind::metrics_unavailable);
  return d;
}

Decision pause(const StepContext& c, PauseCause cause, const std::string& why) {
  Decision d =
      judged(c, DecisionKind::pause, "paused " + c.policy.flag + " at " + c.at + ": " + why);
  enter_pause(d, cause, "controller", why, c.now);
  return d;
}

Decision roll_back(const StepContext& c, const std::string& why) {
  Decision d = judged(c, DecisionKind::rollback,
                      "rolled back " + c.policy.flag + " at " + c.at + ": " + why);
  enter_rolled_back(d);
  return d;
}

// A finished rollout, or a policy without stages: nothing to do.
std::optional<Decision> terminal(const StepContext& c) {
  if (!c.state.terminal() && !c.policy.stages.empty()) return std::nullopt;
  Decision d = begin(DecisionKind::none, c.state, c.now, "controller", "");
  d.next = c.state;
  d.sentence =
      c.policy.stages.empty()
          ? c.policy.flag + " has no stages: nothing to do"
          : c.policy.flag + " is " + std::string(to_string(c.state.phase)) + ": nothing to do";
  return d;
}

// Not started: enter stage 1, or wait for approval to.
std::optional<Decision> pending(const StepContext& c) {
  if (c.state.phase != Phase::pending) return std::nullopt;
  const bool waits = c.policy.stages[0].approval;
  Decision d = begin(DecisionKind::start, c.state, c.now, "controller", "");
  d.sentence = start_text(c, waits);
  d.effects.notify.push_back(EventKind::started);
  if (waits)
    enter_waiting(c.policy, d, 0, c.now);
  else
    enter_stage(c.policy, d, 0, c.now);
  return d;
}

// A critical check, or a critical anomaly score: roll back.
std::optional<Decision> critical(const StepContext& c) {
  if (c.verdict == judge::Verdict::fail)
    return roll_back(c, verdict_detail(c.judgement, judge::Verdict::fail, "critical"));
  if (c.anomaly_critical)
    return roll_back(c, anomaly_text(*c.assessment, "critical", c.policy.anomaly->critical));
  return std::nullopt;
}

// Paused and not clean: hold, counting healthy intervals again on fresh traffic.
Decision paused_unhealthy(const StepContext& c) {
  const bool anomalous = c.anomaly_warning && c.verdict == judge::Verdict::pass;
  Decision d =
      hold(c, anomalous ? paused_text(c) + ": still anomalous, " +
                              anomaly_text(*c.assessment, "warning", c.policy.anomaly->warning)
                        : still_unhealthy_text(c));
  d.next.healthy_intervals = 0;
  // A warning (or split mismatch, or anomaly) while paused: healthy intervals are counted again
  // on fresh traffic, not on a window that already holds the bad stretch.
  if (anomalous || c.verdict == judge::Verdict::warn || c.verdict == judge::Verdict::srm)
    d.next.window_started_at = c.now;
  return d;
}

// Paused: resume automatically after enough healthy intervals (automatic pauses only), else hold.
std::optional<Decision> paused(const StepContext& c) {
  if (c.state.phase != Phase::paused) return std::nullopt;
  const bool clean =
      c.verdict == judge::Verdict::pass && !first_elevated(c.judgement) && !c.anomaly_warning;
  if (!clean) return paused_unhealthy(c);
  const std::uint32_t healthy = c.state.healthy_intervals + 1;
  const bool automatic =
      c.state.pause_cause == PauseCause::warning || c.state.pause_cause == PauseCause::no_data;
  // StepOptions overrides the policy's `auto_resume_after` (tests, and a scheduler that wants
  // to); otherwise the policy decides.
  const std::optional<std::uint32_t> auto_resume_after = !automatic ? std::nullopt
                                                         : c.options.auto_resume_after
                                                             ? c.options.auto_resume_after
                                                             : c.policy.auto_resume_after;
  if (auto_resume_after && healthy >= *auto_resume_after) {
    Decision d = judged(c, DecisionKind::resume, "");
    resume_into(c.policy, d, c.now);
    d.sentence = resumed_text(c, d.next, healthy);
    return d;
  }
  Decision d = hold(c, healthy_for_text(c, healthy, auto_resume_after));
  d.next.healthy_intervals = healthy;
  return d;
}

// A warning check, or a warning anomaly score: pause.
std::optional<Decision> warning(const StepContext& c) {
  if (c.verdict == judge::Verdict::warn)
    return pause(c, PauseCause::warning,
                 verdict_detail(c.judgement, judge::Verdict::warn, "warning"));
  if (c.anomaly_warning)
    return pause(c, PauseCause::warning,
                 anomaly_text(*c.assessment, "warning", c.policy.anomaly->warning));
  return std::nullopt;
}

std::optional<Decision> waiting(const StepContext& c) {
  if (c.state.phase != Phase::waiting_for_approval) return std::nullopt;
  return hold(c, "holding " + c.policy.flag + " at " + c.at + ": waiting for approval to enter " +
                     stage_of_text(c.policy, c.state.stage));
}

// Below 100%: a split mismatch, missing data or an elevated check holds (or pauses, for missing
// data when the policy says so). At 100% there is no control to compare with.
std::optional<Decision> unjudgeable(const StepContext& c) {
  if (c.full) return std::nullopt;
  const std::string holding = "holding " + c.policy.flag + " at " + c.at + ": ";
  if (c.verdict == judge::Verdict::srm)
    return hold(
        c, holding + c.judgement.summary + " — comparisons are invalid until the split is fixed");
  if (c.verdict == judge::Verdict::no_data && !c.short_of_samples) {
    if (c.policy.on_no_data != NoDataAction::Pause) return hold(c, holding + no_data_text(c));
    Decision d = pause(c, PauseCause::no_data, no_data_text(c));
    d.next.no_data_intervals = c.state.no_data_intervals + 1;
    return d;
  }
  if (const judge::CheckResult* e = first_elevated(c.judgement))
    return hold(c, holding + e->check + " elevated, " + e->explanation);
  return std::nullopt;
}

// The stage's minimum duration and samples.
std::optional<Decision> gates(const StepContext& c) {
  const std::vector<std::string> missing = missing_gates(c);
  if (missing.empty()) return std::nullopt;
  return hold(c, holding_text(c, missing));
}

// Every gate met: complete after the last stage, else wait for approval or advance.
Decision advance(const StepContext& c) {
  const Policy& policy = c.policy;
  const std::size_t stage = c.state.stage;
  const std::string after = after_text(c);
  if (stage + 1 >= policy.stages.size()) {
    Decision d =
        judged(c, DecisionKind::complete, "completed " + policy.flag + " at " + c.at + after);
    d.next.phase = Phase::completed;
    d.next.no_data_intervals = 0;
    d.effects.notify.push_back(EventKind::completed);
    return d;
  }
  const std::size_t next = stage + 1;
  if (policy.stages[next].approval) {
    Decision d =
        judged(c, DecisionKind::wait_for_approval,
               "stage " + std::to_string(stage + 1) + " of " + policy.flag + " done at " + c.at +
                   after + "; waiting for approval to enter " + stage_of_text(policy, next));
    enter_waiting(policy, d, next, c.now);
    d.next.no_data_intervals = 0;
    return d;
  }
  Decision d = judged(c, DecisionKind::advance, "");
  enter_stage(policy, d, next, c.now);
  d.effects.notify.push_back(EventKind::advanced);
  d.sentence =
      "advanced " + policy.flag + " from " + c.at + " to " + served_text(policy, d.next) + after;
  return d;
}

// The rules in order of caution; the first that decides wins.
constexpr Rule kRules[] = {terminal, pending, critical,    paused,
                           warning,  waiting, unjudgeable, gates};

}  // namespace

RolloutState initial_state(const Policy& policy) {
  RolloutState s;
  s.flag = policy.flag;
  return s;
}

Decision step(const Policy& policy, const RolloutState& state, const Observations& observations,
              const judge::Judgement& judgement, TimePoint now, const StepOptions& options) {
  const StepContext c = make_context(policy, state, observations, judgement, now, options);
  for (Rule rule : kRules)
    if (std::optional<Decision> d = rule(c)) return std::move(*d);
  return advance(c);
}

Decision step(const Policy& policy, const RolloutState& state, const Observations& observations,
              TimePoint now, const StepOptions& options) {
  judge::Judgement judgement;
  if (observations.unavailable) {
    judgement.overall = judge::Verdict::no_data;
    judgement.summary = "metrics unavailable: " + *observations.unavailable;
  } else if (!state.terminal() && state.phase != Phase::pending && !policy.stages.empty()) {
    judge::Observations in;
    in.treatment = observations.treatment;
    in.control = observations.control;
    // With cohorts the split is not a share of everyone: no sample-ratio check.
    const bool cohorts =
        !served_cohorts(policy, state).empty() && state.pause_cause != PauseCause::set_percent;
    if (!cohorts) in.expected_treatment_share_bp = static_cast<int>(state.treatment_bp);
    judgement = judge::evaluate(
        judge_settings(policy, std::min(state.stage, policy.stages.size() - 1)), in);
  }
  return step(policy, state, observations, judgement, now, options);
}

}  // namespace sluice::rollout
