#include <algorithm>
#include <limits>
#include <stdexcept>

#include "sql_rows.hpp"
#include "sql_store.hpp"

namespace sluice::store::detail {
namespace {

std::string canonical_time(const std::string& text, std::string_view what) {
  auto normalized = normalize_rfc3339(text);
  if (!normalized) {
    throw std::invalid_argument(std::string(what) + " is not an RFC 3339 date-time: " + text);
  }
  return *normalized;
}

}  // namespace

std::vector<AuditEntry> SqlStore::audit(const AuditQuery& query) {
  // Only the filters given become SQL, numbered in order: PostgreSQL cannot type a parameter
  // that appears only in "$n IS NULL".
  std::string sql = std::string("SELECT ") + kAuditColumns;
  std::vector<SqlParam> params;
  if (query.newest_first) {
    sql += " WHERE id < $1";
    params.emplace_back(query.before_id > 0 ? query.before_id
                                            : std::numeric_limits<std::int64_t>::max());
  } else {
    sql += " WHERE id > $1";
    params.emplace_back(query.after_id);
  }
  auto add = [&](const std::string& condition, SqlParam value) {
    params.push_back(std::move(value));
    sql += " AND " + condition + " $" + std::to_string(params.size());
  };
  if (query.flag) {
    sql += " AND target_kind = 'flag'";
    add("target_key =", *query.flag);
  }
  if (query.actor) add("actor =", *query.actor);
  if (query.since) add("at >=", canonical_time(*query.since, "since"));
  if (query.until) add("at <", canonical_time(*query.until, "until"));
  params.emplace_back(std::int64_t{std::clamp(query.limit, 1, 1000)});
  sql += std::string(query.newest_first ? " ORDER BY id DESC" : " ORDER BY id") + " LIMIT $" +
         std::to_string(params.size());

  std::vector<AuditEntry> entries;
  backend_->read([&](SqlTx& tx) {
    entries.clear();
    for (const SqlRow& row : tx.query(sql, params))
      entries.push_back(audit_from_row(row));
  });
  return entries;
}

}  // namespace sluice::store::detail
