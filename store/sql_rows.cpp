#include "sql_rows.hpp"

#include <charconv>
#include <stdexcept>

#include "sluice/store/errors.hpp"

namespace sluice::store::detail {

std::string text_at(const SqlRow& row, std::size_t column) {
  if (column >= row.size() || !row[column]) {
    throw StoreError("store: unexpected NULL in column " + std::to_string(column));
  }
  return *row[column];
}

std::int64_t int_at(const SqlRow& row, std::size_t column) {
  const std::string text = text_at(row, column);
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    throw StoreError("store: not an integer: '" + text + "'");
  }
  return value;
}

bool bool_at(const SqlRow& row, std::size_t column) {
  const std::string text = text_at(row, column);
  return text == "1" || text == "t" || text == "true";
}

FlagRecord flag_from_row(const SqlRow& row) {
  FlagRecord flag;
  flag.key = text_at(row, 0);
  flag.definition_json = text_at(row, 1);
  flag.enabled = bool_at(row, 2);
  flag.archived = bool_at(row, 3);
  flag.version = int_at(row, 4);
  flag.created_at = text_at(row, 5);
  flag.updated_at = text_at(row, 6);
  flag.updated_by = text_at(row, 7);
  if (row.at(8)) {
    flag.rollout_outcome =
        RolloutOutcome{text_at(row, 8), int_at(row, 9), text_at(row, 10), text_at(row, 11)};
  }
  return flag;
}

SegmentRecord segment_from_row(const SqlRow& row) {
  SegmentRecord segment;
  segment.key = text_at(row, 0);
  segment.definition_json = text_at(row, 1);
  segment.version = int_at(row, 2);
  segment.updated_at = text_at(row, 3);
  segment.updated_by = text_at(row, 4);
  return segment;
}

TokenRecord token_from_row(const SqlRow& row) {
  TokenRecord token;
  token.name = text_at(row, 0);
  const std::string scope = text_at(row, 1);
  auto parsed = parse_token_scope(scope);
  if (!parsed) throw StoreError("store: unknown token scope '" + scope + "'");
  token.scope = *parsed;
  token.sha256_hex = text_at(row, 2);
  token.created_at = text_at(row, 3);
  token.revoked_at = row.at(4);
  return token;
}

AuditEntry audit_from_row(const SqlRow& row) {
  AuditEntry entry;
  entry.id = int_at(row, 0);
  entry.at = text_at(row, 1);
  entry.actor = text_at(row, 2);
  entry.action = text_at(row, 3);
  entry.target_kind = text_at(row, 4);
  entry.target_key = text_at(row, 5);
  entry.before_json = row.at(6);
  entry.after_json = row.at(7);
  return entry;
}

DecisionRecord decision_from_row(const SqlRow& row) {
  DecisionRecord decision;
  decision.rollout_id = int_at(row, 0);
  decision.sequence = int_at(row, 1);
  decision.flag = text_at(row, 2);
  decision.at = text_at(row, 3);
  decision.actor = text_at(row, 4);
  decision.kind = text_at(row, 5);
  decision.from_phase = text_at(row, 6);
  decision.to_phase = text_at(row, 7);
  decision.from_stage = int_at(row, 8);
  decision.to_stage = int_at(row, 9);
  decision.from_bp = int_at(row, 10);
  decision.to_bp = int_at(row, 11);
  decision.verdict = text_at(row, 12);
  decision.reason = text_at(row, 13);
  decision.sentence = text_at(row, 14);
  decision.evidence_json = text_at(row, 15);
  return decision;
}

OutboxRecord outbox_from_row(const SqlRow& row) {
  OutboxRecord record;
  record.id = int_at(row, 0);
  record.idempotency_key = text_at(row, 1);
  record.event_id = text_at(row, 2);
  record.target = text_at(row, 3);
  record.event_kind = text_at(row, 4);
  record.flag = text_at(row, 5);
  if (row.at(6)) record.rollout_id = int_at(row, 6);
  record.payload_json = text_at(row, 7);
  record.created_at = text_at(row, 8);
  record.attempts = int_at(row, 9);
  record.next_attempt_at = row.at(10);
  record.delivered_at = row.at(11);
  record.dead_at = row.at(12);
  record.retried_at = row.at(13);
  record.last_error = row.at(14);
  return record;
}

RolloutHistoryRecord history_from_row(const SqlRow& row) {
  RolloutHistoryRecord record;
  record.id = int_at(row, 0);
  record.key = text_at(row, 1);
  if (row.at(2)) record.rollout_id = int_at(row, 2);
  record.flag = text_at(row, 3);
  record.outcome = text_at(row, 4);
  record.source = text_at(row, 5);
  record.started_at = text_at(row, 6);
  record.finished_at = text_at(row, 7);
  record.stages_json = text_at(row, 8);
  record.created_at = text_at(row, 9);
  return record;
}

void require_non_empty(std::string_view value, std::string_view what) {
  if (value.empty()) throw std::invalid_argument(std::string(what) + " must not be empty");
}

}  // namespace sluice::store::detail
