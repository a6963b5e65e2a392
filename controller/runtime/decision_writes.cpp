#include "decision_writes.hpp"

#include "rollout_json.hpp"

namespace sluice::controller {

store::DecisionWrite decision_write(const store::RolloutRecord& record, const Policy& policy,
                                    const rollout::Decision& decision,
                                    const rollout::AnalysisWindow& next_window, bool audit) {
  store::DecisionWrite w;
  w.rollout_id = record.id;
  w.expected_sequence = static_cast<std::int64_t>(decision.next.sequence) - 1;
  w.state_json = state_to_json(decision.next);
  w.window_json = window_to_json(next_window);
  w.phase = std::string(rollout::to_string(decision.next.phase));
  w.active = !decision.next.terminal();
  w.decision = decision_record(decision, record.id, record.flag);
  w.audit = audit;
  w.changes_split = decision.effects.split.has_value();
  for (rollout::EventKind kind : decision.effects.notify) {
    const std::string event(rollout::to_string(kind));
    store::OutboxRecord row;
    // The receiver dedupes on this key: a decision is written once, so is each of its events.
    row.idempotency_key = "rollout/" + std::to_string(record.id) + "/decision/" +
                          std::to_string(w.decision.sequence) + "/" + event;
    row.event_kind = event;
    row.payload_json = Json{{"event", event},
                            {"rollout_id", record.id},
                            {"flag", record.flag},
                            {"targets", policy.notify},
                            {"decision", decision_view(w.decision)}}
                           .dump();
    row.created_at = w.decision.at;
    w.outbox.push_back(std::move(row));
  }
  return w;
}

}  // namespace sluice::controller
