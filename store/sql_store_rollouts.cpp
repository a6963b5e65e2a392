// Rollouts (migration 2): starting one and reading them back. Their decisions are in
// sql_store_decisions.cpp.

#include <algorithm>
#include <stdexcept>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "sql_rows.hpp"
#include "sql_statements.hpp"
#include "sql_store.hpp"

namespace sluice::store::detail {
namespace {

constexpr const char* kRolloutColumns =
    "id, flag, policy_json, policy_hash, state_json, window_json, phase, active, sequence, "
    "started_by, created_at, updated_at, version FROM rollouts";

RolloutRecord rollout_from_row(const SqlRow& row) {
  RolloutRecord rollout;
  rollout.id = int_at(row, 0);
  rollout.flag = text_at(row, 1);
  rollout.policy_json = text_at(row, 2);
  rollout.policy_hash = text_at(row, 3);
  rollout.state_json = text_at(row, 4);
  rollout.window_json = text_at(row, 5);
  rollout.phase = text_at(row, 6);
  rollout.active = bool_at(row, 7);
  rollout.sequence = int_at(row, 8);
  rollout.started_by = text_at(row, 9);
  rollout.created_at = text_at(row, 10);
  rollout.updated_at = text_at(row, 11);
  rollout.version = int_at(row, 12);
  return rollout;
}

std::string audit_json(const RolloutRecord& rollout) {
  return nlohmann::json{{"id", rollout.id},
                        {"flag", rollout.flag},
                        {"phase", rollout.phase},
                        {"active", rollout.active},
                        {"sequence", rollout.sequence},
                        {"policy_hash", rollout.policy_hash},
                        {"started_by", rollout.started_by},
                        {"version", rollout.version}}
      .dump();
}

}  // namespace

RolloutCreateResult SqlStore::create_rollout(std::string_view flag, std::string_view policy_json,
                                             std::string_view policy_hash,
                                             std::string_view state_json,
                                             std::string_view window_json, std::string_view phase,
                                             std::string_view actor) {
  require_non_empty(flag, "flag key");
  require_non_empty(phase, "rollout phase");
  require_non_empty(actor, "actor");
  RolloutCreateResult result;
  backend_->write([&](SqlTx& tx) -> std::optional<std::int64_t> {
    result = {};
    const std::int64_t store_version = next_store_version(tx);
    auto flags = tx.query("SELECT archived FROM flags WHERE key = $1", {std::string(flag)});
    if (flags.empty() || bool_at(flags.front(), 0)) {
      result.status = RolloutCreateStatus::FlagNotFound;
      return std::nullopt;
    }
    auto active = tx.query(std::string("SELECT ") + kRolloutColumns +
                               " WHERE flag = $1 AND active = $2 ORDER BY id DESC LIMIT 1",
                           {std::string(flag), true});
    if (!active.empty()) {
      result.status = RolloutCreateStatus::ActiveExists;
      result.rollout = rollout_from_row(active.front());
      return std::nullopt;
    }
    RolloutRecord created;
    created.flag = flag;
    created.policy_json = policy_json;
    created.policy_hash = policy_hash;
    created.state_json = state_json;
    created.window_json = window_json;
    created.phase = phase;
    created.active = true;
    created.sequence = 0;
    created.started_by = actor;
    created.created_at = options_.clock();
    created.updated_at = created.created_at;
    created.version = store_version;
    created.id = int_at(
        tx.query("INSERT INTO rollouts (flag, policy_json, policy_hash, state_json, window_json, "
                 "phase, active, sequence, started_by, created_at, updated_at, version) VALUES "
                 "($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, $9, $10) RETURNING id",
                 {created.flag, created.policy_json, created.policy_hash, created.state_json,
                  created.window_json, created.phase, true, created.started_by, created.created_at,
                  store_version})
            .at(0),
        0);
    record(tx, store_version, created.created_at,
           {actor, "start", "rollout", "rollout", flag, std::nullopt, audit_json(created)});
    result = {RolloutCreateStatus::Ok, std::move(created), store_version};
    return store_version;
  });
  return result;
}

std::vector<RolloutRecord> SqlStore::list_rollouts(bool include_finished) {
  std::string sql = std::string("SELECT ") + kRolloutColumns;
  // A literal, not a parameter, so SQLite can use the partial index of active rollouts.
  if (!include_finished) {
    sql += backend_->dialect() == Dialect::Sqlite ? " WHERE active = 1" : " WHERE active";
  }
  sql += " ORDER BY id";
  std::vector<RolloutRecord> rollouts;
  backend_->read([&](SqlTx& tx) {
    rollouts.clear();
    for (const SqlRow& row : tx.query(sql))
      rollouts.push_back(rollout_from_row(row));
  });
  return rollouts;
}

std::optional<RolloutRecord> SqlStore::latest_rollout(std::string_view flag) {
  std::optional<RolloutRecord> rollout;
  backend_->read([&](SqlTx& tx) {
    auto rows = tx.query(
        std::string("SELECT ") + kRolloutColumns + " WHERE flag = $1 ORDER BY id DESC LIMIT 1",
        {std::string(flag)});
    rollout = rows.empty() ? std::nullopt : std::optional(rollout_from_row(rows.front()));
  });
  return rollout;
}

std::optional<RolloutRecord> SqlStore::get_rollout(std::int64_t id) {
  std::optional<RolloutRecord> rollout;
  backend_->read([&](SqlTx& tx) {
    auto rows = tx.query(std::string("SELECT ") + kRolloutColumns + " WHERE id = $1", {id});
    rollout = rows.empty() ? std::nullopt : std::optional(rollout_from_row(rows.front()));
  });
  return rollout;
}

}  // namespace sluice::store::detail
