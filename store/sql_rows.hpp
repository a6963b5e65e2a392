#pragma once

// Turning text rows (SqlRow) into records, shared by every query of sql_store*.cpp.

#include <cstdint>
#include <string>
#include <string_view>

#include "sluice/store/records.hpp"
#include "sluice/store/rollout_records.hpp"
#include "sql_backend.hpp"

namespace sluice::store::detail {

std::string text_at(const SqlRow& row, std::size_t column);  // throws StoreError on NULL
std::int64_t int_at(const SqlRow& row, std::size_t column);
// SQLite answers 0/1, PostgreSQL t/f.
bool bool_at(const SqlRow& row, std::size_t column);

// Column lists and row readers; keep each pair together.
inline constexpr const char* kFlagColumns =
    "f.key, f.definition_json, s.enabled, f.archived, f.version, f.created_at, f.updated_at, "
    "f.updated_by, s.outcome_kind, s.outcome_rollout_id, s.outcome_served_json, s.outcome_at "
    "FROM flags f JOIN flag_state s ON s.flag_key = f.key";
FlagRecord flag_from_row(const SqlRow& row);

inline constexpr const char* kSegmentColumns =
    "key, definition_json, version, updated_at, updated_by FROM segments";
SegmentRecord segment_from_row(const SqlRow& row);

inline constexpr const char* kTokenColumns =
    "name, scope, sha256_hex, created_at, revoked_at FROM tokens";
TokenRecord token_from_row(const SqlRow& row);

inline constexpr const char* kAuditColumns =
    "id, at, actor, action, target_kind, target_key, before_json, after_json FROM audit_log";
AuditEntry audit_from_row(const SqlRow& row);

// Without FROM: the INSERT names the same columns.
inline constexpr const char* kDecisionColumns =
    "rollout_id, sequence, flag, at, actor, kind, from_phase, to_phase, from_stage, to_stage, "
    "from_bp, to_bp, verdict, reason, sentence, evidence_json";
DecisionRecord decision_from_row(const SqlRow& row);

inline constexpr const char* kOutboxColumns =
    "id, idempotency_key, event_id, target, event_kind, flag, rollout_id, payload_json, "
    "created_at, attempts, next_attempt_at, delivered_at, dead_at, retried_at, last_error "
    "FROM outbox";
OutboxRecord outbox_from_row(const SqlRow& row);

inline constexpr const char* kHistoryColumns =
    "id, key, rollout_id, flag, outcome, source, started_at, finished_at, stages_json, "
    "created_at FROM rollout_history";
RolloutHistoryRecord history_from_row(const SqlRow& row);

// Throws std::invalid_argument naming `what` if `value` is empty.
void require_non_empty(std::string_view value, std::string_view what);

}  // namespace sluice::store::detail
