#pragma once

// The rollout state machine: a pure function from (policy, state, observations, now) to a
// decision — the next state, the effects to carry out, the evidence and one sentence. Manual
// commands (pause, resume, promote, rollback, abort, approve, set_percent) are pure functions
// too. No I/O, no clock reads, no globals. States, transitions and the adapter contract:
// docs/rollout-state-machine.md.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/anomaly.hpp"
#include "sluice/judge.hpp"
#include "sluice/policy.hpp"

namespace sluice::rollout {

using TimePoint = std::chrono::system_clock::time_point;

enum class Phase {
  pending,               // created, nothing served yet; the first tick enters stage 0
  progressing,           // serving `stage`, judged every interval
  paused,                // automation stopped (why and who in the state); a fail still rolls back
  waiting_for_approval,  // the previous stage is done; `stage` waits for `approve`
  completed,             // the last stage is done (terminal)
  rolled_back,           // the control variant serves everyone in the rollout (terminal)
  aborted,               // automation stopped for good, split left as it was (terminal)
};

enum class PauseCause {
  none,
  warning,      // a check said warn
  no_data,      // no data and the policy says `on_no_data: pause`
  manual,       // a person's `pause`
  set_percent,  // a person set the share directly
};

// Small and persistable (one row): everything the next step needs.
struct RolloutState {
  std::string flag;
  Phase phase = Phase::pending;
  // The stage served (progressing, paused) or waiting to be entered (waiting_for_approval; the
  // stage before it is still served). 0 while pending.
  std::size_t stage = 0;
  std::uint32_t treatment_bp = 0;  // the treatment share currently served, 10000 = 100%
  TimePoint stage_started_at{};    // when `stage` was entered (min duration counts from here)
  // Start of the analysis window: the adapter reports counts cumulative over
  // [window_started_at, now]. Equal to stage_started_at except after a pause (restarted so a
  // paused rollout is judged on fresh traffic) or while waiting for approval.
  TimePoint window_started_at{};
  std::uint64_t sequence = 0;           // the last decision's sequence number (0: none yet)
  std::uint32_t healthy_intervals = 0;  // consecutive clean passes while paused (auto-resume)
  std::uint32_t no_data_intervals = 0;  // consecutive ticks without data
  // While paused: why, who, the person's reason, and the phase to resume into.
  PauseCause pause_cause = PauseCause::none;
  std::string paused_by;
  std::string pause_reason;
  Phase resume_to = Phase::progressing;

  bool terminal() const {
    return phase == Phase::completed || phase == Phase::rolled_back || phase == Phase::aborted;
  }
  friend bool operator==(const RolloutState&, const RolloutState&) = default;
};

// The state of a rollout that has not started.
RolloutState initial_state(const Policy& policy);

// Per-variant counts CUMULATIVE over [state.window_started_at, now] (Prometheus `increase`
// over that range), or why the metrics source could not answer (treated as no data).
struct Observations {
  judge::VariantObservation treatment;
  judge::VariantObservation control;
  std::optional<std::string> unavailable;  // "Prometheus timed out", ...
  // The anomaly model's assessment of this window (anomaly::observe + AnomalyModel::score), set
  // by the caller. Acted on only when the policy's `anomaly.enabled`, and only ever more
  // cautiously: critical → roll back, warning → pause, abstained → said in the sentence of a
  // decision that advances. Never turns a hold, pause or roll back into an advance.
  std::optional<anomaly::Assessment> anomaly;
};

enum class DecisionKind {
  none,  // a tick on a terminal rollout: nothing to do, nothing to persist
  start,
  hold,
  advance,
  wait_for_approval,
  approve,
  pause,
  resume,
  promote,
  set_percent,
  rollback,
  complete,
  abort,
};

enum class EventKind {
  started,
  advanced,
  awaiting_approval,
  approved,
  paused,
  resumed,
  rolled_back,
  completed,
  aborted,
  manual_override,
  metrics_unavailable,
};

// What the flag should serve: the treatment to `cohorts` (segments) and to `treatment_bp` of
// the rest. `control_to_all` (roll back) means the control variant to everyone in the rollout.
struct SplitChange {
  std::uint32_t treatment_bp = 0;
  std::vector<std::string> cohorts;
  bool control_to_all = false;
  friend bool operator==(const SplitChange&, const SplitChange&) = default;
};

struct Effects {
  std::optional<SplitChange> split;  // apply AFTER the decision is persisted
  std::vector<EventKind> notify;     // through the outbox, in the decision's transaction
};

struct Decision {
  DecisionKind kind = DecisionKind::none;
  RolloutState next;  // next.sequence is this decision's sequence number
  Effects effects;
  std::optional<judge::Judgement> evidence;    // ticks only
  std::optional<anomaly::Assessment> anomaly;  // ticks only: the assessment the tick considered
  std::string actor = "controller";            // or the token name of a person
  std::string reason;                          // the person's reason (manual commands)
  std::string sentence;                        // one sentence a person understands
  TimePoint at{};
  Phase from_phase = Phase::pending;
  std::size_t from_stage = 0;
  std::uint32_t from_bp = 0;
};

// Auto-resume after N consecutive healthy intervals while paused by a warning or by no data.
// nullopt (the default) = the policy's `auto_resume_after` decides (and without it, resume is
// manual only); a value here overrides the policy's.
struct StepOptions {
  std::optional<std::uint32_t> auto_resume_after;
};

// The judge's settings for one stage of a policy.
judge::Settings judge_settings(const Policy& policy, std::size_t stage);

// One controller tick: judges the observations (sluice::judge::evaluate) and decides.
Decision step(const Policy& policy, const RolloutState& state, const Observations& observations,
              TimePoint now, const StepOptions& options = {});

// The same with a judgement made elsewhere (observations still give the sample counts).
Decision step(const Policy& policy, const RolloutState& state, const Observations& observations,
              const judge::Judgement& judgement, TimePoint now, const StepOptions& options = {});

enum class CommandKind { pause, resume, promote, rollback, abort, approve, set_percent };

struct Command {
  CommandKind kind = CommandKind::pause;
  std::string actor;               // token name
  std::string reason;              // why, in the person's words
  std::uint32_t basis_points = 0;  // set_percent only
};

// A decision, or why the command makes no sense in this state (the API answers 409 with it).
struct CommandResult {
  std::optional<Decision> decision;
  std::string error;
  bool ok() const { return decision.has_value(); }
};

CommandResult apply(const Policy& policy, const RolloutState& state, const Command& command,
                    TimePoint now);

std::string_view to_string(Phase phase);
std::string_view to_string(PauseCause cause);
std::string_view to_string(DecisionKind kind);
std::string_view to_string(EventKind kind);
std::string_view to_string(CommandKind kind);
std::optional<Phase> parse_phase(std::string_view text);
std::optional<PauseCause> parse_pause_cause(std::string_view text);
std::optional<DecisionKind> parse_decision_kind(std::string_view text);
std::optional<CommandKind> parse_command_kind(std::string_view text);

// `5%`, `2.5%`, `0.01%`, `100%`.
std::string format_share(std::uint32_t basis_points);
// `10m0s`, `45s`, `1h2m3s`, `1.5s` (whole seconds unless shorter than a minute).
std::string format_elapsed(std::chrono::milliseconds elapsed);

}  // namespace sluice::rollout
