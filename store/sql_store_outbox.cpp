// Notification delivery over the outbox (migration 3): claiming due rows, recording each attempt's
// outcome, dead letters, listing and a person's retry.

#include <algorithm>
#include <stdexcept>

#include <nlohmann/json.hpp>

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
    params.emplace_back(optional_param(record.rollout_id));
    params.emplace_back(record.payload_json);
    params.emplace_back(
        record.created_at.empty() ? now : canonical_time(record.created_at, "created_at"));
    params.emplace_back(record.attempts);
    params.emplace_back(record.next_attempt_at
                            ? SqlParam(canonical_time(*record.next_attempt_at, "next_attempt_at"))
                            : SqlParam(nullptr));
  });
}

namespace {

// kOutboxColumns without its FROM clause, for RETURNING.
const std::string& outbox_returning() {
  static const std::string columns = [] {
    std::string text = kOutboxColumns;
    return text.substr(0, text.find(" FROM "));
  }();
  return columns;
}

// Pending: neither delivered nor dead-lettered (the index outbox_due covers exactly these).
constexpr const char* kPending = "delivered_at IS NULL AND dead_at IS NULL";

std::string audit_json(const OutboxRecord& record) {
  return nlohmann::json{
      {"id", record.id},
      {"event_id", record.event_id},
      {"target", record.target},
      {"event", record.event_kind},
      {"flag", record.flag},
      {"status", to_string(status_of(record))},
      {"attempts", record.attempts},
      {"next_attempt_at",
       record.next_attempt_at ? nlohmann::json(*record.next_attempt_at) : nlohmann::json(nullptr)},
      {"dead_at", record.dead_at ? nlohmann::json(*record.dead_at) : nlohmann::json(nullptr)},
      {"last_error",
       record.last_error ? nlohmann::json(*record.last_error) : nlohmann::json(nullptr)}}
      .dump();
}

// "$first, $first+1, ..." for `count` placeholders.
std::string placeholders(std::size_t first, std::size_t count) {
  std::string text;
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) text += ", ";
    text += "$" + std::to_string(first + i);
  }
  return text;
}

// Applies `assignments` ($2...) to row `id` if it is still pending; whether it did.
bool mark_pending(SqlBackend& backend, std::int64_t id, const std::string& assignments,
                  std::vector<SqlParam> params) {
  if (id <= 0) return false;
  params.insert(params.begin(), SqlParam(id));
  bool changed = false;
  backend.write([&](SqlTx& tx) -> std::optional<std::int64_t> {
    changed = !tx.query("UPDATE outbox SET " + assignments + " WHERE id = $1 AND " + kPending +
                            " RETURNING id",
                        params)
                   .empty();
    // Not a store version either (see claim_outbox); nothing changed: roll back.
    return changed ? std::optional<std::int64_t>(0) : std::nullopt;
  });
  return changed;
}

}  // namespace

std::vector<OutboxRecord> SqlStore::claim_outbox(std::string_view now, std::string_view lease_until,
                                                 int limit) {
  const std::string at = canonical_time(now, "now");
  const std::string lease = canonical_time(lease_until, "lease_until");
  const std::int64_t count = std::clamp(limit, 1, 1000);
  // PostgreSQL: rows another replica's claim holds are skipped, not waited for; a row another
  // claim committed meanwhile is re-checked against the WHERE clause (its lease is in the future,
  // so it no longer qualifies). SQLite: the write transaction (BEGIN IMMEDIATE) serialises claims.
  const std::string select =
      std::string("SELECT id FROM outbox WHERE ") + kPending +
      " AND (next_attempt_at IS NULL OR next_attempt_at <= $1) ORDER BY id LIMIT $2" +
      (backend_->dialect() == Dialect::Postgres ? " FOR UPDATE SKIP LOCKED" : "");
  std::vector<OutboxRecord> claimed;
  backend_->write([&](SqlTx& tx) -> std::optional<std::int64_t> {
    claimed.clear();  // the body may run twice
    std::vector<std::int64_t> ids;
    for (const SqlRow& row : tx.query(select, {at, count}))
      ids.push_back(int_at(row, 0));
    if (ids.empty()) return std::nullopt;
    // Padded to 1, 4, 16, 64, 256 or 1024 ids by repeating the last (harmless in IN), so a few
    // statement texts serve every batch size.
    std::size_t padded = 1;
    while (padded < ids.size())
      padded *= 4;
    std::vector<SqlParam> params{lease};
    params.reserve(padded + 1);
    for (std::size_t i = 0; i < padded; ++i)
      params.emplace_back(ids[std::min(i, ids.size() - 1)]);
    for (const SqlRow& row :
         tx.query("UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1 WHERE id IN (" +
                      placeholders(2, padded) + ") RETURNING " + outbox_returning(),
                  params)) {
      claimed.push_back(outbox_from_row(row));
    }
    std::sort(claimed.begin(), claimed.end(),
              [](const OutboxRecord& a, const OutboxRecord& b) { return a.id < b.id; });
    // Delivery bookkeeping changes nothing served: no store version, no change-feed entry.
    return 0;
  });
  return claimed;
}

bool SqlStore::mark_outbox_delivered(std::int64_t id, std::string_view at) {
  return mark_pending(*backend_, id, "delivered_at = $2", {canonical_time(at, "delivered_at")});
}

bool SqlStore::mark_outbox_failed(std::int64_t id, std::string_view error,
                                  std::string_view next_attempt_at) {
  return mark_pending(*backend_, id, "last_error = $2, next_attempt_at = $3",
                      {std::string(error), canonical_time(next_attempt_at, "next_attempt_at")});
}

bool SqlStore::mark_outbox_dead(std::int64_t id, std::string_view error, std::string_view at) {
  return mark_pending(*backend_, id, "last_error = $2, dead_at = $3",
                      {std::string(error), canonical_time(at, "dead_at")});
}

std::vector<OutboxRecord> SqlStore::list_outbox(const OutboxQuery& query) {
  std::string sql = std::string("SELECT ") + kOutboxColumns + " WHERE 1 = 1";
  std::vector<SqlParam> params;
  if (query.status) {
    switch (*query.status) {
      case OutboxStatus::Pending:
        sql += std::string(" AND ") + kPending;
        break;
      case OutboxStatus::Delivered:
        sql += " AND delivered_at IS NOT NULL";
        break;
      case OutboxStatus::Dead:
        sql += " AND delivered_at IS NULL AND dead_at IS NOT NULL";
        break;
    }
  }
  if (query.flag) {
    params.emplace_back(*query.flag);
    sql += " AND flag = $" + std::to_string(params.size());
  }
  if (query.before_id) {
    params.emplace_back(*query.before_id);
    sql += " AND id < $" + std::to_string(params.size());
  }
  params.emplace_back(std::int64_t{std::clamp(query.limit, 1, 1000)});
  sql += " ORDER BY id DESC LIMIT $" + std::to_string(params.size());
  std::vector<OutboxRecord> rows;
  backend_->read([&](SqlTx& tx) {
    rows.clear();
    for (const SqlRow& row : tx.query(sql, params))
      rows.push_back(outbox_from_row(row));
  });
  return rows;
}

std::optional<OutboxRecord> SqlStore::get_outbox(std::int64_t id) {
  std::optional<OutboxRecord> record;
  if (id <= 0) return record;
  backend_->read([&](SqlTx& tx) {
    auto rows = tx.query(std::string("SELECT ") + kOutboxColumns + " WHERE id = $1", {id});
    record = rows.empty() ? std::nullopt : std::optional(outbox_from_row(rows.front()));
  });
  return record;
}

OutboxRetryResult SqlStore::retry_outbox(std::int64_t id, std::string_view now,
                                         std::string_view actor) {
  const std::string at = canonical_time(now, "now");
  require_non_empty(actor, "actor");
  OutboxRetryResult result;
  if (id <= 0) {
    result.status = OutboxRetryStatus::NotFound;
    return result;
  }
  backend_->write([&](SqlTx& tx) -> std::optional<std::int64_t> {
    result = {};
    // The version first: its row lock orders this write with every other (see SqlStore).
    const std::int64_t store_version = next_store_version(tx);
    auto rows = tx.query(std::string("SELECT ") + kOutboxColumns + " WHERE id = $1", {id});
    if (rows.empty()) {
      result.status = OutboxRetryStatus::NotFound;
      return std::nullopt;
    }
    const OutboxRecord before = outbox_from_row(rows.front());
    if (before.delivered_at) {
      result.status = OutboxRetryStatus::Delivered;
      result.record = before;
      return std::nullopt;
    }
    // last_error stays: it says why the row died until the next attempt says otherwise.
    const OutboxRecord after =
        outbox_from_row(tx.query("UPDATE outbox SET dead_at = NULL, attempts = 0, "
                                 "next_attempt_at = $2, retried_at = $2 WHERE id = $1 RETURNING " +
                                     outbox_returning(),
                                 {id, at})
                            .at(0));
    const std::string key = std::to_string(id);
    record(tx, store_version, options_.clock(),
           {actor, "retry", "notification", "notification", key, audit_json(before),
            audit_json(after)});
    result = {OutboxRetryStatus::Ok, after};
    return store_version;
  });
  return result;
}

std::vector<OutboxRecord> SqlStore::due_outbox(std::string_view now, int limit) {
  const std::string at = canonical_time(now, "now");
  std::vector<OutboxRecord> due;
  backend_->read([&](SqlTx& tx) {
    due.clear();
    for (const SqlRow& row : tx.query(
             std::string("SELECT ") + kOutboxColumns +
                 " WHERE delivered_at IS NULL AND dead_at IS NULL AND (next_attempt_at IS NULL OR "
                 "next_attempt_at <= "
                 "$1) ORDER BY id LIMIT $2",
             {at, std::int64_t{std::clamp(limit, 1, 1000)}})) {
      due.push_back(outbox_from_row(row));
    }
  });
  return due;
}

}  // namespace sluice::store::detail
