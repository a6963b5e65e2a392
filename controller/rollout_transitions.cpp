// The rollout's state transitions: every decision, a tick's or a command's, is built from these.
// docs/rollout-state-machine.md describes the states and transitions.

#include <utility>

#include "rollout_internal.hpp"

namespace sluice::rollout::detail {

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
    d.effects.split = SplitChange{s.treatment_bp, served_cohorts(policy, s), false};
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

void resume_into(const Policy& policy, Decision& d, TimePoint now) {
  if (d.next.resume_to == Phase::waiting_for_approval) {
    enter_waiting(policy, d, d.next.stage, now);
    d.effects.notify.clear();
  } else {
    enter_stage(policy, d, d.next.stage, now);
  }
  d.effects.notify.push_back(EventKind::resumed);
}

}  // namespace sluice::rollout::detail
