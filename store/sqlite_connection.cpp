#include "sqlite_connection.hpp"

#include <sqlite3.h>

#include <type_traits>

#include "sluice/store/errors.hpp"

namespace sluice::store::detail {
namespace {

// SQLite's own placeholders are ?NNN; the shared SQL uses PostgreSQL's $NNN.
std::string to_sqlite_placeholders(const std::string& sql) {
  std::string out = sql;
  for (std::size_t i = 0; i + 1 < out.size(); ++i) {
    if (out[i] == '$' && out[i + 1] >= '0' && out[i + 1] <= '9') out[i] = '?';
  }
  return out;
}

// Resets the statement however the step loop ends, so the cached statement is reusable and
// holds no read lock.
struct ResetOnExit {
  sqlite3_stmt* statement;
  ~ResetOnExit() {
    sqlite3_reset(statement);
    sqlite3_clear_bindings(statement);
  }
};

}  // namespace

SqliteConnection::SqliteConnection(const std::string& path,
                                   std::chrono::milliseconds busy_timeout) {
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int code = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (code != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(code);
    sqlite3_close(db_);
    db_ = nullptr;
    throw StoreUnavailable("sqlite: cannot open '" + path + "': " + message);
  }
  // Other processes may hold the write lock briefly (e.g. a CLI writing the same file).
  sqlite3_busy_timeout(db_, static_cast<int>(busy_timeout.count()));
}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, statement] : statements_)
    sqlite3_finalize(statement);
  sqlite3_close(db_);
}

void SqliteConnection::fail(int code, const std::string& context) const {
  const std::string message = "sqlite: " + context + ": " + sqlite3_errmsg(db_);
  switch (code & 0xff) {
    // Busy past the timeout, or the disk failing: conditions that pass, not bugs.
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
      throw StoreUnavailable(message);
    default:
      throw StoreError(message);
  }
}

sqlite3_stmt* SqliteConnection::prepare(const std::string& sql) {
  if (auto found = statements_.find(sql); found != statements_.end()) return found->second;
  sqlite3_stmt* statement = nullptr;
  const std::string text = to_sqlite_placeholders(sql);
  const int code =
      sqlite3_prepare_v2(db_, text.c_str(), static_cast<int>(text.size()), &statement, nullptr);
  if (code != SQLITE_OK) fail(code, "prepare '" + sql + "'");
  statements_.emplace(sql, statement);
  return statement;
}

std::vector<SqlRow> SqliteConnection::query(const std::string& sql,
                                            const std::vector<SqlParam>& params) {
  sqlite3_stmt* statement = prepare(sql);
  ResetOnExit reset{statement};
  for (std::size_t i = 0; i < params.size(); ++i) {
    const int index = static_cast<int>(i) + 1;
    const int code = std::visit(
        [&](const auto& value) {
          using T = std::decay_t<decltype(value)>;
          if constexpr (std::is_same_v<T, std::nullptr_t>) {
            return sqlite3_bind_null(statement, index);
          } else if constexpr (std::is_same_v<T, std::int64_t>) {
            return sqlite3_bind_int64(statement, index, value);
          } else if constexpr (std::is_same_v<T, bool>) {
            return sqlite3_bind_int(statement, index, value ? 1 : 0);
          } else {
            // No destructor (SQLITE_STATIC): `params` outlives the statement's use.
            return sqlite3_bind_text(statement, index, value.data(), static_cast<int>(value.size()),
                                     nullptr);
          }
        },
        params[i]);
    if (code != SQLITE_OK) fail(code, "bind parameter " + std::to_string(index));
  }
  std::vector<SqlRow> rows;
  for (;;) {
    const int code = sqlite3_step(statement);
    if (code == SQLITE_DONE) break;
    if (code != SQLITE_ROW) fail(code, "run '" + sql + "'");
    const int columns = sqlite3_column_count(statement);
    SqlRow row;
    row.reserve(static_cast<std::size_t>(columns));
    for (int column = 0; column < columns; ++column) {
      if (sqlite3_column_type(statement, column) == SQLITE_NULL) {
        row.emplace_back(std::nullopt);
      } else {
        const auto* text = sqlite3_column_text(statement, column);
        const int size = sqlite3_column_bytes(statement, column);
        row.emplace_back(
            std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size)));
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

void SqliteConnection::exec_script(const std::string& sql) {
  char* error = nullptr;
  const int code = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
  if (code != SQLITE_OK) {
    sqlite3_free(error);  // sqlite3_errmsg has the same text
    fail(code, "run script");
  }
}

}  // namespace sluice::store::detail
