// The rollout state machine: controller ticks and manual commands, both pure functions.
// docs/rollout-state-machine.md describes the states and transitions.

#include "sluice/rollout.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

#include "text_format.hpp"

namespace sluice::rollout {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

constexpr std::uint32_t kFullShare = 10000;
// A `metrics_unavailable` notification goes out when this many consecutive ticks had no data.
constexpr std::uint32_t kMetricsUnavailableAfter = 3;

// ---- Numbers in sentences ---------------------------------------------------------------

std::string format_count(double value) {
  return value < 0 ? "?" : text_format::count_text(value);
}

std::string format_rate(double fraction) {
  if (!std::isfinite(fraction)) return "?";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f%%", fraction * 100.0);
  return buffer;
}

std::string format_level(double level) {
  char buffer[32];
  const double tenths = level * 10.0;
  std::snprintf(buffer, sizeof buffer,
                std::fabs(tenths - std::round(tenths)) < 1e-9 ? "%.1f" : "%.2f", level);
  return buffer;
}

// ---- Stages -----------------------------------------------------------------------------

std::uint32_t stage_share(const Policy& policy, std::size_t stage) {
  return policy.stages.at(stage).basis_points.value_or(0);
}

// Cohort stages come first and stay included in every later stage.
std::vector<std::string> cohorts_through(const Policy& policy, std::size_t stage) {
  std::vector<std::string> cohorts;
  for (std::size_t i = 0; i <= stage && i < policy.stages.size(); ++i)
    if (policy.stages[i].segment) cohorts.push_back(*policy.stages[i].segment);
  return cohorts;
}

bool waits_for_approval(const RolloutState& state) {
  return state.phase == Phase::waiting_for_approval ||
         (state.phase == Phase::paused && state.resume_to == Phase::waiting_for_approval);
}

// The stage whose split is served, if any.
std::optional<std::size_t> served_stage(const RolloutState& state) {
  if (state.phase == Phase::pending) return std::nullopt;
  if (waits_for_approval(state)) {
    if (state.stage == 0) return std::nullopt;
    return state.stage - 1;
  }
  return state.stage;
}

std::string stage_name(const Policy& policy, std::size_t stage) {
  const PolicyStage& s = policy.stages.at(stage);
  if (s.segment) return "segment " + *s.segment;
  return format_share(stage_share(policy, stage));
}

// What is served, in words: `5%`, `segment beta`, `segment beta and 5%`.
std::string served_text(const Policy& policy, const RolloutState& state) {
  const std::optional<std::size_t> served = served_stage(state);
  const std::vector<std::string> cohorts =
      served ? cohorts_through(policy, *served) : std::vector<std::string>{};
  if (cohorts.empty() || state.pause_cause == PauseCause::set_percent)
    return format_share(state.treatment_bp);
  std::string text = "segment " + cohorts.back();
  if (state.treatment_bp > 0) text += " and " + format_share(state.treatment_bp);
  return text;
}

std::string stage_of_text(const Policy& policy, std::size_t stage) {
  return "stage " + std::to_string(stage + 1) + " of " + std::to_string(policy.stages.size()) +
         ", " + stage_name(policy, stage);
}

// ---- Building decisions -----------------------------------------------------------------

Decision begin(DecisionKind kind, const RolloutState& state, TimePoint now, std::string actor,
               std::string reason) {
  Decision d;
  d.kind = kind;
  d.next = state;
  d.next.sequence = state.sequence + 1;
  d.actor = std::move(actor);
  d.reason = std::move(reason);
  d.at = now;
  d.from_phase = state.phase;
  d.from_stage = state.stage;
  d.from_bp = state.treatment_bp;
  return d;
}

void clear_pause(RolloutState& s) {
  s.pause_cause = PauseCause::none;
  s.paused_by.clear();
  s.pause_reason.clear();
  s.resume_to = Phase::progressing;
  s.healthy_intervals = 0;
}

void enter_stage(const Policy& policy, Decision& d, std::size_t stage, TimePoint now) {
  RolloutState& s = d.next;
  s.phase = Phase::progressing;
  s.stage = stage;
  s.treatment_bp = stage_share(policy, stage);
  s.stage_started_at = now;
  s.window_started_at = now;
  s.no_data_intervals = 0;
  clear_pause(s);
  d.effects.split = SplitChange{s.treatment_bp, cohorts_through(policy, stage), false};
}

void enter_waiting(const Policy& policy, Decision& d, std::size_t stage, TimePoint now) {
  RolloutState& s = d.next;
  const bool share_changes = s.pause_cause == PauseCause::set_percent;
  s.phase = Phase::waiting_for_approval;
  s.stage = stage;
  s.treatment_bp = stage == 0 ? 0 : stage_share(policy, stage - 1);
  s.window_started_at = now;
  if (stage == 0) s.stage_started_at = now;
  clear_pause(s);
  if (share_changes)
    d.effects.split = SplitChange{
        s.treatment_bp,
        stage == 0 ? std::vector<std::string>{} : cohorts_through(policy, stage - 1), false};
  d.effects.notify.push_back(EventKind::awaiting_approval);
}

void enter_pause(Decision& d, PauseCause cause, const std::string& by, const std::string& why,
                 TimePoint now) {
  RolloutState& s = d.next;
  if (s.phase != Phase::paused)
    s.resume_to =
        s.phase == Phase::waiting_for_approval ? Phase::waiting_for_approval : Phase::progressing;
  s.phase = Phase::paused;
  s.pause_cause = cause;
  s.paused_by = by;
  s.pause_reason = why;
  s.healthy_intervals = 0;
  s.window_started_at = now;  // a paused rollout is judged on fresh traffic
  d.effects.notify.push_back(EventKind::paused);
}

void enter_rolled_back(Decision& d) {
  d.next.phase = Phase::rolled_back;
  d.next.treatment_bp = 0;
  d.effects.split = SplitChange{0, {}, true};
  d.effects.notify.push_back(EventKind::rolled_back);
}

// Resume (a person's or automatic): back to the stage, restarted, at the stage's own share.
void resume_into(const Policy& policy, Decision& d, TimePoint now) {
  if (d.next.resume_to == Phase::waiting_for_approval) {
    enter_waiting(policy, d, d.next.stage, now);
    d.effects.notify.clear();
  } else {
    enter_stage(policy, d, d.next.stage, now);
  }
  d.effects.notify.push_back(EventKind::resumed);
}

// ---- Reading the judgement --------------------------------------------------------------

const judge::CheckResult* first_with(const judge::Judgement& j, judge::Verdict v) {
  for (const judge::CheckResult& c : j.checks)
    if (c.verdict == v) return &c;
  return nullptr;
}

const judge::CheckResult* first_elevated(const judge::Judgement& j) {
  for (const judge::CheckResult& c : j.checks)
    if (c.verdict == judge::Verdict::pass && c.elevated) return &c;
  return nullptr;
}

// "errors 3.1% vs 1.0% on control over 4,210 requests, critical ratio 2.0"
std::string check_detail(const judge::CheckResult& c, const char* level_name) {
  if (c.check == "error_rate" && std::isfinite(c.treatment_value) &&
      std::isfinite(c.control_value)) {
    std::string text = "errors " + format_rate(c.treatment_value) + " vs " +
                       format_rate(c.control_value) + " on control over " +
                       format_count(c.treatment_samples) + " requests";
    if (std::isfinite(c.effect_threshold))
      text += std::string(", ") + level_name + " ratio " + format_level(c.effect_threshold);
    return text;
  }
  return c.check + ": " + c.explanation;
}

std::string verdict_detail(const judge::Judgement& j, judge::Verdict v, const char* level_name) {
  if (const judge::CheckResult* c = first_with(j, v)) return check_detail(*c, level_name);
  return j.summary;
}

// ---- The tick ---------------------------------------------------------------------------

Decision tick(const Policy& policy, const RolloutState& state, const Observations& observations,
              const judge::Judgement& judgement, TimePoint now, const StepOptions& options) {
  const std::string& flag = policy.flag;
  if (state.terminal() || policy.stages.empty()) {
    Decision d = begin(DecisionKind::none, state, now, "controller", "");
    d.next = state;
    d.sentence = flag + " is " + std::string(to_string(state.phase)) + ": nothing to do";
    if (policy.stages.empty()) d.sentence = flag + " has no stages: nothing to do";
    return d;
  }

  if (state.phase == Phase::pending) {
    Decision d = begin(DecisionKind::start, state, now, "controller", "");
    d.effects.notify.push_back(EventKind::started);
    if (policy.stages[0].approval) {
      enter_waiting(policy, d, 0, now);
      d.sentence =
          "started " + flag + ": waiting for approval to enter " + stage_of_text(policy, 0);
    } else {
      enter_stage(policy, d, 0, now);
      d.sentence = "started " + flag + " at " + stage_name(policy, 0) + " (stage 1 of " +
                   std::to_string(policy.stages.size()) + ")";
    }
    return d;
  }

  const judge::Verdict verdict =
      observations.unavailable ? judge::Verdict::no_data : judgement.overall;
  const std::string at = served_text(policy, state);
  // At 100% there is no control traffic left to compare with: the stage is a soak.
  const bool full = state.treatment_bp >= kFullShare && state.phase == Phase::progressing;
  // Too few requests so far (valid counts below the stage's minimum) is progress, not missing
  // data: the stage holds and says how far it is, whatever `on_no_data` says.
  const double min_samples = static_cast<double>(policy.stage_min_samples(state.stage));
  const double treatment = observations.treatment.requests;
  const double control = observations.control.requests;
  const bool counts_valid = !observations.unavailable && std::isfinite(treatment) &&
                            std::isfinite(control) && treatment >= 0 && control >= 0;
  const bool short_of_samples =
      counts_valid && (treatment < min_samples || (!full && control < min_samples));
  const bool no_data = verdict == judge::Verdict::no_data && !full && !short_of_samples;
  const std::string no_data_why = observations.unavailable
                                      ? "metrics unavailable: " + *observations.unavailable
                                      : "no data: " + judgement.summary;

  // The anomaly model (policy `anomaly:`): it acts only when enabled, not abstained, and on a
  // window with the stage's minimum samples (like the judge's verdicts); it only ever makes the
  // decision more cautious.
  const anomaly::Assessment* assessment =
      policy.anomaly_enabled() && observations.anomaly ? &*observations.anomaly : nullptr;
  const bool anomaly_acts = assessment && !assessment->abstained && counts_valid &&
                            !short_of_samples && std::isfinite(assessment->score);
  const bool anomaly_critical = anomaly_acts && assessment->score >= policy.anomaly->critical;
  const bool anomaly_warning =
      anomaly_acts && !anomaly_critical && assessment->score >= policy.anomaly->warning;
  auto anomaly_text = [&](const char* level_name, double level) {
    char score[32];
    std::snprintf(score, sizeof score, "anomaly score %.2f", assessment->score);
    const std::string said = assessment->sentence.empty() ? score : assessment->sentence;
    return said + " (" + level_name + " level " + format_level(level) + ")";
  };
  auto judged = [&](Decision& d) {
    d.evidence = judgement;
    if (assessment) d.anomaly = *assessment;
  };

  auto hold = [&](std::string sentence) {
    Decision d = begin(DecisionKind::hold, state, now, "controller", "");
    judged(d);
    d.sentence = std::move(sentence);
    d.next.no_data_intervals = no_data ? state.no_data_intervals + 1 : 0;
    if (d.next.no_data_intervals == kMetricsUnavailableAfter)
      d.effects.notify.push_back(EventKind::metrics_unavailable);
    return d;
  };

  if (verdict == judge::Verdict::fail) {
    Decision d = begin(DecisionKind::rollback, state, now, "controller", "");
    judged(d);
    enter_rolled_back(d);
    d.sentence = "rolled back " + flag + " at " + at + ": " +
                 verdict_detail(judgement, judge::Verdict::fail, "critical");
    return d;
  }

  if (anomaly_critical) {
    Decision d = begin(DecisionKind::rollback, state, now, "controller", "");
    judged(d);
    enter_rolled_back(d);
    d.sentence = "rolled back " + flag + " at " + at + ": " +
                 anomaly_text("critical", policy.anomaly->critical);
    return d;
  }

  if (state.phase == Phase::paused) {
    const std::string paused = "paused " + flag + " at " + at + " (" +
                               std::string(to_string(state.pause_cause)) + ", by " +
                               state.paused_by + ")";
    const bool clean =
        verdict == judge::Verdict::pass && first_elevated(judgement) == nullptr && !anomaly_warning;
    const bool automatic =
        state.pause_cause == PauseCause::warning || state.pause_cause == PauseCause::no_data;
    if (!clean && anomaly_warning && verdict == judge::Verdict::pass) {
      Decision d =
          hold(paused + ": still anomalous, " + anomaly_text("warning", policy.anomaly->warning));
      d.next.healthy_intervals = 0;
      d.next.window_started_at = now;  // healthy intervals are counted on fresh traffic
      return d;
    }
    if (!clean) {
      Decision d = hold(verdict == judge::Verdict::no_data && short_of_samples
                            ? paused + ": judging fresh traffic, " +
                                  format_count(std::min(treatment, control)) + " of " +
                                  format_count(min_samples) + " requests per variant so far"
                            : paused + ": still " + std::string(judge::to_string(verdict)) +
                                  (no_data ? " (" + no_data_why + ")" : ""));
      d.next.healthy_intervals = 0;
      // A warning (or split mismatch) while paused: healthy intervals are counted again on
      // fresh traffic, not on a window that already holds the bad stretch.
      if (verdict == judge::Verdict::warn || verdict == judge::Verdict::srm)
        d.next.window_started_at = now;
      return d;
    }
    const std::uint32_t healthy = state.healthy_intervals + 1;
    // StepOptions overrides the policy's `auto_resume_after` (tests, and a scheduler that wants
    // to); otherwise the policy decides.
    const std::optional<std::uint32_t> auto_resume_after =
        options.auto_resume_after ? options.auto_resume_after : policy.auto_resume_after;
    if (automatic && auto_resume_after && healthy >= *auto_resume_after) {
      Decision d = begin(DecisionKind::resume, state, now, "controller", "");
      judged(d);
      resume_into(policy, d, now);
      d.sentence = "resumed " + flag + " at " + served_text(policy, d.next) + " after " +
                   std::to_string(healthy) + " healthy intervals: every check passed";
      return d;
    }
    Decision d = hold(paused + ": healthy for " + std::to_string(healthy) + " interval" +
                      (healthy == 1 ? "" : "s") +
                      (automatic && auto_resume_after
                           ? " of " + std::to_string(*auto_resume_after) + " for auto-resume"
                           : "; waiting for a person to resume"));
    d.next.healthy_intervals = healthy;
    return d;
  }

  if (verdict == judge::Verdict::warn) {
    Decision d = begin(DecisionKind::pause, state, now, "controller", "");
    judged(d);
    const std::string why = verdict_detail(judgement, judge::Verdict::warn, "warning");
    enter_pause(d, PauseCause::warning, "controller", why, now);
    d.sentence = "paused " + flag + " at " + at + ": " + why;
    return d;
  }

  if (anomaly_warning) {
    Decision d = begin(DecisionKind::pause, state, now, "controller", "");
    judged(d);
    const std::string why = anomaly_text("warning", policy.anomaly->warning);
    enter_pause(d, PauseCause::warning, "controller", why, now);
    d.sentence = "paused " + flag + " at " + at + ": " + why;
    return d;
  }

  if (state.phase == Phase::waiting_for_approval) {
    return hold("holding " + flag + " at " + at + ": waiting for approval to enter " +
                stage_of_text(policy, state.stage));
  }

  // progressing
  if (!full) {
    if (verdict == judge::Verdict::srm)
      return hold("holding " + flag + " at " + at + ": " + judgement.summary +
                  " — comparisons are invalid until the split is fixed");
    if (verdict == judge::Verdict::no_data && !short_of_samples) {
      if (policy.on_no_data == NoDataAction::Pause) {
        Decision d = begin(DecisionKind::pause, state, now, "controller", "");
        judged(d);
        enter_pause(d, PauseCause::no_data, "controller", no_data_why, now);
        d.next.no_data_intervals = state.no_data_intervals + 1;
        d.sentence = "paused " + flag + " at " + at + ": " + no_data_why;
        return d;
      }
      return hold("holding " + flag + " at " + at + ": " + no_data_why);
    }
    if (const judge::CheckResult* c = first_elevated(judgement))
      return hold("holding " + flag + " at " + at + ": " + c->check + " elevated, " +
                  c->explanation);
  }

  // Every check passed (or, at 100%, nothing decided against): are the stage's gates met?
  const std::size_t stage = state.stage;
  const milliseconds elapsed = duration_cast<milliseconds>(now - state.stage_started_at);
  const milliseconds min_duration = duration_cast<milliseconds>(policy.stage_min_duration(stage));
  std::vector<std::string> missing;
  if (elapsed < min_duration)
    missing.push_back(format_elapsed(elapsed) + " of " + format_elapsed(min_duration) +
                      " in the stage");
  if (!(treatment >= min_samples))
    missing.push_back(format_count(treatment) + " of " + format_count(min_samples) +
                      " requests on treatment so far");
  if (!full && !(control >= min_samples))
    missing.push_back(format_count(control) + " of " + format_count(min_samples) +
                      " requests on control so far");
  if (!missing.empty()) {
    std::string text = "holding " + flag + " at " + at + ": ";
    for (std::size_t i = 0; i < missing.size(); ++i)
      text += (i ? ", " : "") + missing[i];
    return hold(text);
  }

  // A model that abstains says so on every decision that moves the rollout on.
  const std::string abstains =
      assessment && assessment->abstained
          ? "; anomaly model abstains: " +
                (assessment->reason.empty() ? std::string("no assessment") : assessment->reason)
          : "";
  const std::string after =
      " after " + format_elapsed(elapsed) + " and " +
      (full ? format_count(treatment) : format_count(treatment) + "/" + format_count(control)) +
      " requests: " +
      (full ? "no control left to compare with, nothing went wrong" : "every check passed") +
      abstains;

  if (stage + 1 >= policy.stages.size()) {
    Decision d = begin(DecisionKind::complete, state, now, "controller", "");
    judged(d);
    d.next.phase = Phase::completed;
    d.next.no_data_intervals = 0;
    d.effects.notify.push_back(EventKind::completed);
    d.sentence = "completed " + flag + " at " + at + after;
    return d;
  }
  const std::size_t next = stage + 1;
  if (policy.stages[next].approval) {
    Decision d = begin(DecisionKind::wait_for_approval, state, now, "controller", "");
    judged(d);
    enter_waiting(policy, d, next, now);
    d.next.no_data_intervals = 0;
    d.sentence = "stage " + std::to_string(stage + 1) + " of " + flag + " done at " + at + after +
                 "; waiting for approval to enter " + stage_of_text(policy, next);
    return d;
  }
  Decision d = begin(DecisionKind::advance, state, now, "controller", "");
  judged(d);
  enter_stage(policy, d, next, now);
  d.effects.notify.push_back(EventKind::advanced);
  d.sentence = "advanced " + flag + " from " + at + " to " + served_text(policy, d.next) + after;
  return d;
}

// ---- Commands ---------------------------------------------------------------------------

std::string state_text(const Policy& policy, const RolloutState& state) {
  switch (state.phase) {
    case Phase::pending:
      return "it has not started";
    case Phase::progressing:
      return "it is progressing at " + served_text(policy, state);
    case Phase::paused:
      return "it is paused at " + served_text(policy, state) + " (" +
             std::string(to_string(state.pause_cause)) + ", by " + state.paused_by + ")";
    case Phase::waiting_for_approval:
      return "it is waiting for approval to enter " + stage_of_text(policy, state.stage);
    case Phase::completed:
      return "it is completed";
    case Phase::rolled_back:
      return "it is rolled back";
    case Phase::aborted:
      return "it is aborted";
  }
  return "its state is unknown";
}

CommandResult refuse(const Policy& policy, const RolloutState& state, const Command& command,
                     const std::string& why) {
  CommandResult r;
  r.error = "cannot " + std::string(to_string(command.kind)) + " " + policy.flag + ": " + why;
  (void)state;
  return r;
}

std::string by_text(const Command& command) {
  return " by " + command.actor + (command.reason.empty() ? "" : ": " + command.reason);
}

}  // namespace

RolloutState initial_state(const Policy& policy) {
  RolloutState s;
  s.flag = policy.flag;
  return s;
}

Decision step(const Policy& policy, const RolloutState& state, const Observations& observations,
              const judge::Judgement& judgement, TimePoint now, const StepOptions& options) {
  return tick(policy, state, observations, judgement, now, options);
}

Decision step(const Policy& policy, const RolloutState& state, const Observations& observations,
              TimePoint now, const StepOptions& options) {
  judge::Judgement judgement;
  if (!state.terminal() && state.phase != Phase::pending && !policy.stages.empty() &&
      !observations.unavailable) {
    judge::Observations in;
    in.treatment = observations.treatment;
    in.control = observations.control;
    const std::optional<std::size_t> served = served_stage(state);
    const bool cohorts = served && !cohorts_through(policy, *served).empty() &&
                         state.pause_cause != PauseCause::set_percent;
    if (!cohorts) in.expected_treatment_share_bp = static_cast<int>(state.treatment_bp);
    judgement = judge::evaluate(
        judge_settings(policy, std::min(state.stage, policy.stages.size() - 1)), in);
  } else if (observations.unavailable) {
    judgement.overall = judge::Verdict::no_data;
    judgement.summary = "metrics unavailable: " + *observations.unavailable;
  }
  return tick(policy, state, observations, judgement, now, options);
}

CommandResult apply(const Policy& policy, const RolloutState& state, const Command& command,
                    TimePoint now) {
  const std::string& flag = policy.flag;
  if (command.actor.empty()) return refuse(policy, state, command, "a command needs an actor");
  if (state.terminal())
    return refuse(policy, state, command,
                  state_text(policy, state) + "; a finished rollout takes no commands");
  if (policy.stages.empty()) return refuse(policy, state, command, "the policy has no stages");

  const std::string at = served_text(policy, state);
  auto make = [&](DecisionKind kind) {
    Decision d = begin(kind, state, now, command.actor, command.reason);
    return d;
  };
  CommandResult result;

  switch (command.kind) {
    case CommandKind::pause: {
      if (state.phase == Phase::pending)
        return refuse(policy, state, command, "it has not started; abort it to stop it");
      if (state.phase == Phase::paused)
        return refuse(policy, state, command, state_text(policy, state));
      Decision d = make(DecisionKind::pause);
      enter_pause(d, PauseCause::manual, command.actor, command.reason, now);
      d.sentence = "paused " + flag + " at " + at + by_text(command);
      result.decision = std::move(d);
      break;
    }
    case CommandKind::resume: {
      if (state.phase != Phase::paused)
        return refuse(policy, state, command, "it is not paused: " + state_text(policy, state));
      Decision d = make(DecisionKind::resume);
      resume_into(policy, d, now);
      d.sentence = "resumed " + flag + " at " + served_text(policy, d.next) + by_text(command);
      result.decision = std::move(d);
      break;
    }
    case CommandKind::promote: {
      if (state.phase == Phase::pending)
        return refuse(policy, state, command, "it has not started");
      if (waits_for_approval(state))
        return refuse(policy, state, command,
                      "it is waiting for approval to enter " + stage_of_text(policy, state.stage) +
                          "; approve it instead");
      const std::size_t next = state.stage + 1;
      if (next >= policy.stages.size()) {
        Decision d = make(DecisionKind::complete);
        d.next.phase = Phase::completed;
        clear_pause(d.next);
        if (state.treatment_bp != stage_share(policy, state.stage))
          d.effects.split = SplitChange{stage_share(policy, state.stage),
                                        cohorts_through(policy, state.stage), false};
        d.effects.notify = {EventKind::manual_override, EventKind::completed};
        d.sentence = "completed " + flag + " at " + stage_name(policy, state.stage) +
                     " (promoted)" + by_text(command);
        result.decision = std::move(d);
        break;
      }
      Decision d = make(DecisionKind::promote);
      d.effects.notify.push_back(EventKind::manual_override);
      if (policy.stages[next].approval) {
        enter_waiting(policy, d, next, now);
        d.next.treatment_bp = stage_share(policy, state.stage);
        d.effects.split =
            SplitChange{d.next.treatment_bp, cohorts_through(policy, state.stage), false};
        d.sentence = "promoted " + flag + " past " + stage_name(policy, state.stage) +
                     "; waiting for approval to enter " + stage_of_text(policy, next) +
                     by_text(command);
      } else {
        enter_stage(policy, d, next, now);
        d.effects.notify.push_back(EventKind::advanced);
        d.sentence = "promoted " + flag + " from " + at + " to " + stage_name(policy, next) +
                     by_text(command);
      }
      result.decision = std::move(d);
      break;
    }
    case CommandKind::rollback: {
      Decision d = make(DecisionKind::rollback);
      enter_rolled_back(d);
      clear_pause(d.next);
      d.effects.notify.insert(d.effects.notify.begin(), EventKind::manual_override);
      d.sentence = "rolled back " + flag + " at " + at + by_text(command);
      result.decision = std::move(d);
      break;
    }
    case CommandKind::abort: {
      Decision d = make(DecisionKind::abort);
      d.next.phase = Phase::aborted;
      clear_pause(d.next);
      d.effects.notify = {EventKind::manual_override, EventKind::aborted};
      d.sentence = "aborted " + flag + " at " + at + ", split left as it is" + by_text(command);
      result.decision = std::move(d);
      break;
    }
    case CommandKind::approve: {
      if (state.phase != Phase::waiting_for_approval)
        return refuse(policy, state, command,
                      "it is not waiting for approval: " + state_text(policy, state));
      Decision d = make(DecisionKind::approve);
      enter_stage(policy, d, state.stage, now);
      d.effects.notify = {EventKind::approved, EventKind::advanced};
      d.sentence = "approved " + flag + ": entering " + stage_of_text(policy, state.stage) +
                   by_text(command);
      result.decision = std::move(d);
      break;
    }
    case CommandKind::set_percent: {
      if (command.basis_points > kFullShare)
        return refuse(
            policy, state, command,
            "the share must be between 0% and 100%, not " + format_share(command.basis_points));
      Decision d = make(DecisionKind::set_percent);
      if (state.phase == Phase::pending) d.next.stage_started_at = now;
      enter_pause(d, PauseCause::set_percent, command.actor, command.reason, now);
      d.next.treatment_bp = command.basis_points;
      const std::optional<std::size_t> served = served_stage(state);
      d.effects.split = SplitChange{
          command.basis_points,
          served ? cohorts_through(policy, *served) : std::vector<std::string>{}, false};
      d.effects.notify.insert(d.effects.notify.begin(), EventKind::manual_override);
      d.sentence = "set " + flag + " from " + at + " to " + format_share(command.basis_points) +
                   ", automation paused" + by_text(command);
      result.decision = std::move(d);
      break;
    }
  }
  return result;
}

}  // namespace sluice::rollout
