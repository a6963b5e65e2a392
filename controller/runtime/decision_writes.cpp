#include "decision_writes.hpp"

#include "rollout_history.hpp"
#include "rollout_json.hpp"
#include "rollout_outcome.hpp"

namespace sluice::controller {

store::DecisionWrite decision_write(const store::RolloutRecord& record, const Policy& policy,
                                    const rollout::Decision& decision,
                                    const rollout::AnalysisWindow& next_window, bool audit,
                                    const DecisionWriteHooks& hooks) {
  store::DecisionWrite w;
  w.rollout_id = record.id;
  w.expected_sequence = static_cast<std::int64_t>(decision.next.sequence) - 1;
  w.state_json = state_to_json(decision.next);
  // The per-stage feature vectors (rollout_history.hpp) go on with every decision, a person's
  // command included, so the decision that finishes the rollout can write its history row.
  w.window_json = carry_stage_features(record.window_json, window_to_json(next_window));
  w.phase = std::string(rollout::to_string(decision.next.phase));
  w.active = !decision.next.terminal();
  w.decision = decision_record(decision, record.id, record.flag);
  w.audit = audit;
  w.changes_split = decision.effects.split.has_value();
  for (rollout::EventKind kind : decision.effects.notify) {
    const std::string event(rollout::to_string(kind));
    // The receiver dedupes on this id: a decision is written once, so is each of its events.
    const std::string event_id = "rollout/" + std::to_string(record.id) + "/decision/" +
                                 std::to_string(w.decision.sequence) + "/" + event;
    const std::string payload = Json{
        {"event", event},
        {"rollout_id", record.id},
        {"flag", record.flag},
        {"decision",
         decision_view(w.decision)}}.dump();
    const std::vector<std::string> targets =
        hooks.recipients ? hooks.recipients(event, policy) : policy.notify;
    for (store::OutboxRecord& row : store::outbox_rows(
             {event_id, event, record.flag, record.id, payload, w.decision.at}, targets))
      w.outbox.push_back(std::move(row));
  }
  // What the flag serves from now on, kept on the flag with this decision (rollout_outcome.hpp).
  w.outcome = rollout_outcome(record.id, policy, decision);
  if (decision.next.terminal() && hooks.history)
    w.history = hooks.history(record, policy, decision);
  return w;
}

}  // namespace sluice::controller
