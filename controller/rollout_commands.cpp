// People's commands on a rollout (pause, resume, promote, rollback, abort, approve, set_percent):
// pure functions of (policy, state, command, now). docs/rollout-state-machine.md lists them.

#include <utility>

#include "rollout_internal.hpp"

namespace sluice::rollout {
namespace {

using namespace detail;

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

// One command on one state: what every command's rule reads.
struct Request {
  const Policy& policy;
  const RolloutState& state;
  const Command& command;
  TimePoint now;
  std::string at;  // what is served, in words

  Decision make(DecisionKind kind) const {
    return begin(kind, state, now, command.actor, command.reason);
  }
  CommandResult refuse(const std::string& why) const {
    CommandResult r;
    r.error = "cannot " + std::string(to_string(command.kind)) + " " + policy.flag + ": " + why;
    return r;
  }
  std::string by() const {
    return " by " + command.actor + (command.reason.empty() ? "" : ": " + command.reason);
  }
};

CommandResult decided(Decision d) {
  CommandResult result;
  result.decision = std::move(d);
  return result;
}

CommandResult pause(const Request& r) {
  if (r.state.phase == Phase::pending) return r.refuse("it has not started; abort it to stop it");
  if (r.state.phase == Phase::paused) return r.refuse(state_text(r.policy, r.state));
  Decision d = r.make(DecisionKind::pause);
  enter_pause(d, PauseCause::manual, r.command.actor, r.command.reason, r.now);
  d.sentence = "paused " + r.policy.flag + " at " + r.at + r.by();
  return decided(std::move(d));
}

CommandResult resume(const Request& r) {
  if (r.state.phase != Phase::paused)
    return r.refuse("it is not paused: " + state_text(r.policy, r.state));
  Decision d = r.make(DecisionKind::resume);
  resume_into(r.policy, d, r.now);
  d.sentence = "resumed " + r.policy.flag + " at " + served_text(r.policy, d.next) + r.by();
  return decided(std::move(d));
}

// Promoting the last stage completes the rollout at that stage's own share.
CommandResult promote_last(const Request& r) {
  const Policy& policy = r.policy;
  const std::size_t stage = r.state.stage;
  Decision d = r.make(DecisionKind::complete);
  d.next.phase = Phase::completed;
  clear_pause(d.next);
  if (r.state.treatment_bp != stage_share(policy, stage))
    d.effects.split =
        SplitChange{stage_share(policy, stage), cohorts_through(policy, stage), false};
  d.effects.notify = {EventKind::manual_override, EventKind::completed};
  d.sentence =
      "completed " + policy.flag + " at " + stage_name(policy, stage) + " (promoted)" + r.by();
  return decided(std::move(d));
}

CommandResult promote(const Request& r) {
  const Policy& policy = r.policy;
  const std::size_t stage = r.state.stage;
  if (r.state.phase == Phase::pending) return r.refuse("it has not started");
  if (waits_for_approval(r.state))
    return r.refuse("it is waiting for approval to enter " + stage_of_text(policy, stage) +
                    "; approve it instead");
  const std::size_t next = stage + 1;
  if (next >= policy.stages.size()) return promote_last(r);
  Decision d = r.make(DecisionKind::promote);
  d.effects.notify.push_back(EventKind::manual_override);
  if (policy.stages[next].approval) {
    enter_waiting(policy, d, next, r.now);
    d.next.treatment_bp = stage_share(policy, stage);
    d.effects.split = SplitChange{d.next.treatment_bp, cohorts_through(policy, stage), false};
    d.sentence = "promoted " + policy.flag + " past " + stage_name(policy, stage) +
                 "; waiting for approval to enter " + stage_of_text(policy, next) + r.by();
  } else {
    enter_stage(policy, d, next, r.now);
    d.effects.notify.push_back(EventKind::advanced);
    d.sentence =
        "promoted " + policy.flag + " from " + r.at + " to " + stage_name(policy, next) + r.by();
  }
  return decided(std::move(d));
}

CommandResult rollback(const Request& r) {
  Decision d = r.make(DecisionKind::rollback);
  enter_rolled_back(d);
  clear_pause(d.next);
  d.effects.notify.insert(d.effects.notify.begin(), EventKind::manual_override);
  d.sentence = "rolled back " + r.policy.flag + " at " + r.at + r.by();
  return decided(std::move(d));
}

CommandResult abort(const Request& r) {
  Decision d = r.make(DecisionKind::abort);
  d.next.phase = Phase::aborted;
  clear_pause(d.next);
  d.effects.notify = {EventKind::manual_override, EventKind::aborted};
  d.sentence = "aborted " + r.policy.flag + " at " + r.at + ", split left as it is" + r.by();
  return decided(std::move(d));
}

CommandResult approve(const Request& r) {
  if (r.state.phase != Phase::waiting_for_approval)
    return r.refuse("it is not waiting for approval: " + state_text(r.policy, r.state));
  Decision d = r.make(DecisionKind::approve);
  enter_stage(r.policy, d, r.state.stage, r.now);
  d.effects.notify = {EventKind::approved, EventKind::advanced};
  d.sentence =
      "approved " + r.policy.flag + ": entering " + stage_of_text(r.policy, r.state.stage) + r.by();
  return decided(std::move(d));
}

CommandResult set_percent(const Request& r) {
  const std::uint32_t bp = r.command.basis_points;
  if (bp > kFullShare)
    return r.refuse("the share must be between 0% and 100%, not " + format_share(bp));
  Decision d = r.make(DecisionKind::set_percent);
  if (r.state.phase == Phase::pending) d.next.stage_started_at = r.now;
  enter_pause(d, PauseCause::set_percent, r.command.actor, r.command.reason, r.now);
  d.next.treatment_bp = bp;
  d.effects.split = SplitChange{bp, served_cohorts(r.policy, r.state), false};
  d.effects.notify.insert(d.effects.notify.begin(), EventKind::manual_override);
  d.sentence = "set " + r.policy.flag + " from " + r.at + " to " + format_share(bp) +
               ", automation paused" + r.by();
  return decided(std::move(d));
}

}  // namespace

CommandResult apply(const Policy& policy, const RolloutState& state, const Command& command,
                    TimePoint now) {
  Request r{policy, state, command, now, ""};
  if (command.actor.empty()) return r.refuse("a command needs an actor");
  if (state.terminal())
    return r.refuse(state_text(policy, state) + "; a finished rollout takes no commands");
  if (policy.stages.empty()) return r.refuse("the policy has no stages");
  r.at = served_text(policy, state);
  switch (command.kind) {
    case CommandKind::pause:
      return pause(r);
    case CommandKind::resume:
      return resume(r);
    case CommandKind::promote:
      return promote(r);
    case CommandKind::rollback:
      return rollback(r);
    case CommandKind::abort:
      return abort(r);
    case CommandKind::approve:
      return approve(r);
    case CommandKind::set_percent:
      return set_percent(r);
  }
  return {};
}

}  // namespace sluice::rollout
