#include "audit_json.hpp"
#include "sql_rows.hpp"
#include "sql_statements.hpp"
#include "sql_store.hpp"

namespace sluice::store::detail {
namespace {

std::optional<FlagRecord> load_flag(SqlTx& tx, std::string_view key) {
  auto rows =
      tx.query(std::string("SELECT ") + kFlagColumns + " WHERE f.key = $1", {std::string(key)});
  if (rows.empty()) return std::nullopt;
  return flag_from_row(rows.front());
}

// Shared refusals of writes to an existing flag; nullopt means "go ahead".
std::optional<WriteResult> refuse(const std::optional<FlagRecord>& flag,
                                  std::optional<std::int64_t> expected_version) {
  if (!flag) return WriteResult{WriteStatus::NotFound, 0, 0};
  if (flag->archived) return WriteResult{WriteStatus::Archived, flag->version, 0};
  if (expected_version && *expected_version != flag->version) {
    return WriteResult{WriteStatus::Conflict, flag->version, 0};
  }
  return std::nullopt;
}

}  // namespace

std::vector<FlagRecord> SqlStore::list_flags(bool include_archived) {
  std::vector<FlagRecord> flags;
  backend_->read([&](SqlTx& tx) {
    flags.clear();
    std::string sql = std::string("SELECT ") + kFlagColumns;
    std::vector<SqlParam> params;
    if (!include_archived) {
      sql += " WHERE f.archived = $1";
      params.emplace_back(false);
    }
    for (const SqlRow& row : tx.query(sql + " ORDER BY f.key", params)) {
      flags.push_back(flag_from_row(row));
    }
  });
  return flags;
}

std::optional<FlagRecord> SqlStore::get_flag(std::string_view key) {
  std::optional<FlagRecord> flag;
  backend_->read([&](SqlTx& tx) { flag = load_flag(tx, key); });
  return flag;
}

WriteResult SqlStore::create_flag(std::string_view key, std::string_view definition_json,
                                  bool enabled, std::string_view actor) {
  require_non_empty(key, "flag key");
  require_non_empty(actor, "actor");
  WriteResult result;
  backend_->write([&](SqlTx& tx) -> std::optional<std::int64_t> {
    const std::int64_t store_version = next_store_version(tx);
    // An archived flag keeps its key: reusing it would splice two histories into one audit trail.
    if (auto existing = load_flag(tx, key)) {
      result = {WriteStatus::AlreadyExists, existing->version, 0};
      return std::nullopt;
    }
    const std::string now = options_.clock();
    tx.query(
        "INSERT INTO flags (key, definition_json, version, archived, created_at, updated_at, "
        "updated_by) VALUES ($1, $2, 1, $3, $4, $4, $5)",
        {std::string(key), std::string(definition_json), false, now, std::string(actor)});
    tx.query(
        "INSERT INTO flag_state (flag_key, enabled, updated_at, updated_by) VALUES ($1, $2, $3, "
        "$4)",
        {std::string(key), enabled, now, std::string(actor)});
    FlagRecord created;
    created.key = key;
    created.definition_json = definition_json;
    created.enabled = enabled;
    created.version = 1;
    created.created_at = now;
    created.updated_at = now;
    created.updated_by = actor;
    record(tx, store_version, now,
           {actor, "create", "flag", "flag", key, std::nullopt, audit_json(created)});
    result = {WriteStatus::Ok, 1, store_version};
    return store_version;
  });
  return result;
}

WriteResult SqlStore::update_flag(std::string_view key, std::string_view definition_json,
                                  std::optional<std::int64_t> expected_version,
                                  std::string_view actor, const FlagWriteGuard& guard) {
  require_non_empty(actor, "actor");
  WriteResult result;
  backend_->write([&](SqlTx& tx) -> std::optional<std::int64_t> {
    const std::int64_t store_version = next_store_version(tx);
    auto before = load_flag(tx, key);
    if (auto refusal = refuse(before, expected_version)) {
      result = *refusal;
      return std::nullopt;
    }
    const bool overrides = before->rollout_outcome && guard.overrides && guard.overrides(*before);
    if (overrides && !guard.override_rollout) {
      result = {WriteStatus::OverridesRollout, before->version, 0};
      return std::nullopt;
    }
    FlagRecord after = *before;
    after.definition_json = definition_json;
    after.version = before->version + 1;
    after.updated_at = options_.clock();
    after.updated_by = actor;
    tx.query(
        "UPDATE flags SET definition_json = $2, version = $3, updated_at = $4, updated_by = $5 "
        "WHERE key = $1",
        {after.key, after.definition_json, after.version, after.updated_at, after.updated_by});
    if (overrides) {
      after.rollout_outcome.reset();
      tx.query(
          "UPDATE flag_state SET outcome_kind = NULL, outcome_rollout_id = NULL, "
          "outcome_served_json = NULL, outcome_at = NULL, updated_at = $2, updated_by = $3 "
          "WHERE flag_key = $1",
          {after.key, after.updated_at, after.updated_by});
    }
    record(tx, store_version, after.updated_at,
           {actor, overrides ? "override_rollout" : "update", "flag", "flag", key,
            audit_json(*before), audit_json(after)});
    result = {WriteStatus::Ok, after.version, store_version};
    return store_version;
  });
  return result;
}

WriteResult SqlStore::set_enabled(std::string_view key, bool enabled, std::string_view actor,
                                  const FlagOutbox& outbox) {
  require_non_empty(actor, "actor");
  WriteResult result;
  backend_->write([&](SqlTx& tx) -> std::optional<std::int64_t> {
    const std::int64_t store_version = next_store_version(tx);
    auto before = load_flag(tx, key);
    // No expected version: a kill switch must work whatever edits happened meanwhile.
    if (auto refusal = refuse(before, std::nullopt)) {
      result = *refusal;
      return std::nullopt;
    }
    FlagRecord after = *before;
    after.enabled = enabled;
    after.version = before->version + 1;
    after.updated_at = options_.clock();
    after.updated_by = actor;
    tx.query(
        "UPDATE flag_state SET enabled = $2, updated_at = $3, updated_by = $4 WHERE flag_key = $1",
        {after.key, enabled, after.updated_at, after.updated_by});
    tx.query("UPDATE flags SET version = $2, updated_at = $3, updated_by = $4 WHERE key = $1",
             {after.key, after.version, after.updated_at, after.updated_by});
    record(tx, store_version, after.updated_at,
           {actor, enabled ? "revive" : "kill", "flag", "state", key, audit_json(*before),
            audit_json(after)});
    if (outbox) insert_outbox(tx, outbox(*before, after), after.updated_at);
    result = {WriteStatus::Ok, after.version, store_version};
    return store_version;
  });
  return result;
}

WriteResult SqlStore::set_rollout_outcome(std::string_view key, const RolloutOutcome& outcome,
                                          std::string_view actor) {
  require_non_empty(actor, "actor");
  require_non_empty(outcome.kind, "rollout outcome kind");
  canonical_time(outcome.at, "rollout outcome time");
  WriteResult result;
  backend_->write([&](SqlTx& tx) -> std::optional<std::int64_t> {
    const std::int64_t store_version = next_store_version(tx);
    auto before = load_flag(tx, key);
    if (auto refusal = refuse(before, std::nullopt)) {
      result = *refusal;
      return std::nullopt;
    }
    const std::string now = options_.clock();
    record_outcome(tx, store_version, now, before->key, std::string(actor), outcome);
    tx.query("INSERT INTO changes (version, kind, key, at) VALUES ($1, 'state', $2, $3)",
             {store_version, before->key, now});
    result = {WriteStatus::Ok, before->version + 1, store_version};
    return store_version;
  });
  return result;
}

WriteResult SqlStore::archive_flag(std::string_view key,
                                   std::optional<std::int64_t> expected_version,
                                   std::string_view actor) {
  require_non_empty(actor, "actor");
  WriteResult result;
  backend_->write([&](SqlTx& tx) -> std::optional<std::int64_t> {
    const std::int64_t store_version = next_store_version(tx);
    auto before = load_flag(tx, key);
    if (auto refusal = refuse(before, expected_version)) {
      result = *refusal;
      return std::nullopt;
    }
    FlagRecord after = *before;
    after.archived = true;
    after.version = before->version + 1;
    after.updated_at = options_.clock();
    after.updated_by = actor;
    tx.query(
        "UPDATE flags SET archived = $2, version = $3, updated_at = $4, updated_by = $5 "
        "WHERE key = $1",
        {after.key, true, after.version, after.updated_at, after.updated_by});
    record(tx, store_version, after.updated_at,
           {actor, "archive", "flag", "flag", key, audit_json(*before), audit_json(after)});
    result = {WriteStatus::Ok, after.version, store_version};
    return store_version;
  });
  return result;
}

}  // namespace sluice::store::detail

namespace sluice::store::detail {

void SqlStore::record_outcome(SqlTx& tx, std::int64_t version, const std::string& now,
                              const std::string& flag, const std::string& actor,
                              const RolloutOutcome& outcome) {
  auto before = load_flag(tx, flag);
  if (!before) return;  // the rollout's flag is a foreign key: it exists
  FlagRecord after = *before;
  after.rollout_outcome = outcome;
  after.rollout_outcome->at = *normalize_rfc3339(outcome.at);
  after.version = before->version + 1;
  tx.query(
      "UPDATE flag_state SET outcome_kind = $2, outcome_rollout_id = $3, outcome_served_json = $4, "
      "outcome_at = $5, updated_at = $6, updated_by = $7 WHERE flag_key = $1",
      {after.key, outcome.kind, outcome.rollout_id, outcome.served_json, after.rollout_outcome->at,
       now, actor});
  tx.query("UPDATE flags SET version = $2 WHERE key = $1", {after.key, after.version});
  tx.query(
      "INSERT INTO audit_log (at, actor, action, target_kind, target_key, before_json, "
      "after_json, store_version) VALUES ($1, $2, $3, 'flag', $4, $5, $6, $7)",
      {now, actor, "rollout_" + outcome.kind, after.key, audit_json(*before), audit_json(after),
       version});
}

}  // namespace sluice::store::detail
