// Notification delivery over the outbox (migration 3): claiming due rows, recording each attempt's
// outcome, dead letters, listing and a person's retry.

#include <stdexcept>

#include "sluice/store/clock.hpp"
#include "sql_rows.hpp"
#include "sql_statements.hpp"
#include "sql_store.hpp"

namespace sluice::store::detail {

void SqlStore::insert_outbox(SqlTx& tx, const std::vector<OutboxRecord>& rows,
                             const std::string& now) {
  for (const OutboxRecord& record : rows) {
    require_non_empty(record.idempotency_key, "outbox idempotency key");
    require_non_empty(record.event_kind, "outbox event kind");
  }
  static const MultiRow insert(
      "INSERT INTO outbox (idempotency_key, event_id, target, event_kind, flag, rollout_id, "
      "payload_json, created_at, attempts, next_attempt_at) VALUES ",
      " ON CONFLICT (idempotency_key) DO NOTHING", std::vector<const char*>(10, nullptr));
  insert.run(tx, rows.size(), [&](std::size_t row, std::vector<SqlParam>& params) {
    const OutboxRecord& record = rows[row];
    params.emplace_back(record.idempotency_key);
    params.emplace_back(record.event_id);
    params.emplace_back(record.target);
    params.emplace_back(record.event_kind);
    params.emplace_back(record.flag);
    params.emplace_back(record.rollout_id ? SqlParam(*record.rollout_id) : SqlParam(nullptr));
    params.emplace_back(record.payload_json);
    params.emplace_back(
        record.created_at.empty() ? now : canonical_time(record.created_at, "created_at"));
    params.emplace_back(record.attempts);
    params.emplace_back(record.next_attempt_at
                            ? SqlParam(canonical_time(*record.next_attempt_at, "next_attempt_at"))
                            : SqlParam(nullptr));
  });
}

// Placeholders until the delivery work lands (issue 5); every one throws.
std::vector<OutboxRecord> SqlStore::claim_outbox(std::string_view, std::string_view, int) {
  throw std::logic_error("claim_outbox: not implemented yet");
}
bool SqlStore::mark_outbox_delivered(std::int64_t, std::string_view) {
  throw std::logic_error("mark_outbox_delivered: not implemented yet");
}
bool SqlStore::mark_outbox_failed(std::int64_t, std::string_view, std::string_view) {
  throw std::logic_error("mark_outbox_failed: not implemented yet");
}
bool SqlStore::mark_outbox_dead(std::int64_t, std::string_view, std::string_view) {
  throw std::logic_error("mark_outbox_dead: not implemented yet");
}
std::vector<OutboxRecord> SqlStore::list_outbox(const OutboxQuery&) {
  throw std::logic_error("list_outbox: not implemented yet");
}
std::optional<OutboxRecord> SqlStore::get_outbox(std::int64_t) {
  throw std::logic_error("get_outbox: not implemented yet");
}
OutboxRetryResult SqlStore::retry_outbox(std::int64_t, std::string_view, std::string_view) {
  throw std::logic_error("retry_outbox: not implemented yet");
}

}  // namespace sluice::store::detail
