#include "sluice/store/records.hpp"

#include "sluice/store/rollout_records.hpp"

#include "sluice/store/errors.hpp"

namespace sluice::store {

std::string_view to_string(WriteStatus status) {
  switch (status) {
    case WriteStatus::Ok:
      return "ok";
    case WriteStatus::NotFound:
      return "not_found";
    case WriteStatus::AlreadyExists:
      return "already_exists";
    case WriteStatus::Conflict:
      return "conflict";
    case WriteStatus::Archived:
      return "archived";
    case WriteStatus::OverridesRollout:
      return "overrides_rollout";
  }
  return "unknown";
}

std::string_view to_string(TokenScope scope) {
  switch (scope) {
    case TokenScope::Admin:
      return "admin";
    case TokenScope::Read:
      return "read";
    case TokenScope::Sdk:
      return "sdk";
  }
  return "unknown";
}

std::optional<TokenScope> parse_token_scope(std::string_view text) {
  if (text == "admin") return TokenScope::Admin;
  if (text == "read") return TokenScope::Read;
  if (text == "sdk") return TokenScope::Sdk;
  return std::nullopt;
}

std::string_view to_string(DecisionWriteStatus status) {
  switch (status) {
    case DecisionWriteStatus::Ok:
      return "ok";
    case DecisionWriteStatus::Duplicate:
      return "duplicate";
    case DecisionWriteStatus::Conflict:
      return "conflict";
    case DecisionWriteStatus::NotFound:
      return "not_found";
    case DecisionWriteStatus::NotActive:
      return "not_active";
  }
  return "unknown";
}

std::string_view to_string(RolloutCreateStatus status) {
  switch (status) {
    case RolloutCreateStatus::Ok:
      return "ok";
    case RolloutCreateStatus::ActiveExists:
      return "active_exists";
    case RolloutCreateStatus::FlagNotFound:
      return "flag_not_found";
  }
  return "unknown";
}

SchemaTooNew::SchemaTooNew(int database_version, int binary_version)
    : StoreError("database schema version " + std::to_string(database_version) +
                 " is newer than this sluice binary supports (" + std::to_string(binary_version) +
                 "); upgrade sluice"),
      database_version_(database_version),
      binary_version_(binary_version) {}

std::vector<OutboxRecord> outbox_rows(const OutboxEvent& event,
                                      const std::vector<std::string>& targets) {
  std::vector<OutboxRecord> rows;
  rows.reserve(targets.size());
  for (const std::string& target : targets) {
    OutboxRecord row;
    row.idempotency_key = event.event_id + "#" + target;
    row.event_id = event.event_id;
    row.target = target;
    row.event_kind = event.event_kind;
    row.flag = event.flag;
    row.rollout_id = event.rollout_id;
    row.payload_json = event.payload_json;
    row.created_at = event.created_at;
    rows.push_back(std::move(row));
  }
  return rows;
}

OutboxStatus status_of(const OutboxRecord& record) {
  if (record.delivered_at) return OutboxStatus::Delivered;
  if (record.dead_at) return OutboxStatus::Dead;
  return OutboxStatus::Pending;
}

std::string_view to_string(OutboxStatus status) {
  switch (status) {
    case OutboxStatus::Pending:
      return "pending";
    case OutboxStatus::Delivered:
      return "delivered";
    case OutboxStatus::Dead:
      return "dead";
  }
  return "unknown";
}

std::optional<OutboxStatus> parse_outbox_status(std::string_view text) {
  for (OutboxStatus status : {OutboxStatus::Pending, OutboxStatus::Delivered, OutboxStatus::Dead})
    if (to_string(status) == text) return status;
  return std::nullopt;
}

}  // namespace sluice::store
