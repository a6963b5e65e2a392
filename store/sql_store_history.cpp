// The deployment history the anomaly model learns from (migration 3).

#include <nlohmann/json.hpp>

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "sql_rows.hpp"
#include "sql_statements.hpp"
#include "sql_store.hpp"

namespace sluice::store::detail {
namespace {

bool known_outcome(std::string_view outcome) {
  return outcome == "completed" || outcome == "rolled_back_auto" ||
         outcome == "rolled_back_manual" || outcome == "aborted";
}

std::int64_t count_history(SqlTx& tx) {
  auto rows = tx.query("SELECT COUNT(*) FROM rollout_history");
  return rows.empty() ? 0 : int_at(rows.front(), 0);
}

// The record as it is inserted: times canonical, source defaulted. Throws std::invalid_argument
// naming the record (its position and key) and the field.
RolloutHistoryRecord validated(const RolloutHistoryRecord& record, std::size_t index) {
  const std::string where = "history record " + std::to_string(index + 1) +
                            (record.key.empty() ? std::string() : " (" + record.key + ")");
  if (record.key.empty()) throw std::invalid_argument(where + ": key must not be empty");
  if (record.flag.empty()) throw std::invalid_argument(where + ": flag must not be empty");
  if (!known_outcome(record.outcome)) {
    throw std::invalid_argument(where + ": outcome must be completed, rolled_back_auto, " +
                                "rolled_back_manual or aborted, not '" + record.outcome + "'");
  }
  if (record.stages_json.empty() ||
      !nlohmann::json::accept(record.stages_json.begin(), record.stages_json.end())) {
    throw std::invalid_argument(where + ": stages_json is not JSON");
  }
  RolloutHistoryRecord out = record;
  out.started_at = canonical_time(record.started_at, where + ": started_at");
  out.finished_at = canonical_time(record.finished_at, where + ": finished_at");
  if (out.finished_at < out.started_at) {
    throw std::invalid_argument(where + ": finished_at is before started_at");
  }
  if (out.source.empty()) out.source = "import";
  return out;
}

}  // namespace

std::vector<RolloutHistoryRecord> SqlStore::list_history(std::size_t newest) {
  std::string sql = std::string("SELECT ") + kHistoryColumns + " ORDER BY finished_at, id";
  std::vector<SqlParam> params;
  if (newest > 0) {
    // The newest N by the index on (finished_at, id), read backwards, then put in order again.
    sql = std::string("SELECT * FROM (SELECT ") + kHistoryColumns +
          " ORDER BY finished_at DESC, id DESC LIMIT $1) AS newest ORDER BY finished_at, id";
    params.emplace_back(static_cast<std::int64_t>(
        std::min<std::size_t>(newest, std::numeric_limits<std::int64_t>::max())));
  }
  std::vector<RolloutHistoryRecord> history;
  backend_->read([&](SqlTx& tx) {
    history.clear();
    for (const SqlRow& row : tx.query(sql, params))
      history.push_back(history_from_row(row));
  });
  return history;
}

HistoryImportResult SqlStore::import_history(const std::vector<RolloutHistoryRecord>& records,
                                             std::string_view actor) {
  require_non_empty(actor, "actor");
  // Every record is checked before the transaction: one bad record imports nothing.
  std::vector<RolloutHistoryRecord> rows;
  rows.reserve(records.size());
  for (std::size_t i = 0; i < records.size(); ++i)
    rows.push_back(validated(records[i], i));
  HistoryImportResult result;
  if (rows.empty()) return result;
  backend_->write([&](SqlTx& tx) -> std::optional<std::int64_t> {
    result = {};
    // The store_meta row lock taken here orders this import with every other writer (the
    // controller's record_decisions included), so the two counts below see only this insert.
    const std::int64_t store_version = next_store_version(tx);
    const std::int64_t before = count_history(tx);
    const std::string now = options_.clock();
    static const MultiRow insert(
        "INSERT INTO rollout_history (key, rollout_id, flag, outcome, source, started_at, "
        "finished_at, stages_json, created_at) VALUES ",
        " ON CONFLICT (key) DO NOTHING", std::vector<const char*>(9, nullptr));
    insert.run(tx, rows.size(), [&](std::size_t row, std::vector<SqlParam>& params) {
      const RolloutHistoryRecord& r = rows[row];
      params.emplace_back(r.key);
      params.emplace_back(optional_param(r.rollout_id));
      params.emplace_back(r.flag);
      params.emplace_back(r.outcome);
      params.emplace_back(r.source);
      params.emplace_back(r.started_at);
      params.emplace_back(r.finished_at);
      params.emplace_back(r.stages_json);
      params.emplace_back(now);
    });
    const std::int64_t after = count_history(tx);
    result.inserted = static_cast<std::size_t>(after - before);
    result.duplicates = rows.size() - result.inserted;
    // Nothing new (every key was there already): nothing to audit or retrain on, no version used.
    if (result.inserted == 0) return std::nullopt;
    const std::string summary =
        nlohmann::json{{"inserted", result.inserted}, {"duplicates", result.duplicates}}.dump();
    record(tx, store_version, now,
           {actor, "import", "history", "history", "history", std::nullopt, summary});
    result.store_version = store_version;
    return store_version;
  });
  return result;
}

}  // namespace sluice::store::detail
