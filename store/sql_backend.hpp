#pragma once

// The small SQL surface the store logic needs, so that logic is written once (sql_store*.cpp)
// and each database supplies only connections, transactions and notifications.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "migrations.hpp"

namespace sluice::store::detail {

using SqlParam = std::variant<std::nullptr_t, std::int64_t, bool, std::string>;
using SqlRow = std::vector<std::optional<std::string>>;  // every column as text; NULL → nullopt

class SqlTx {
 public:
  virtual ~SqlTx() = default;
  // One statement with $1..$n placeholders (both dialects: SQLite's ?NNN is substituted).
  virtual std::vector<SqlRow> query(const std::string& sql,
                                    const std::vector<SqlParam>& params = {}) = 0;
  // Several statements without parameters (migrations).
  virtual void exec_script(const std::string& sql) = 0;
};

enum class Dialect { Sqlite, Postgres };

class SqlBackend {
 public:
  virtual ~SqlBackend() = default;
  virtual Dialect dialect() const = 0;
  virtual const std::vector<Migration>& migrations() const = 0;
  // A read-only transaction with one consistent view of the database.
  virtual void read(const std::function<void(SqlTx&)>& body) = 0;
  // A write transaction. `body` returns nullopt to roll back, 0 to commit quietly (migrations),
  // or the store version it wrote to commit and announce it to watchers. `body` may run twice
  // if the connection broke before COMMIT, so it must not keep state between runs.
  virtual void write(const std::function<std::optional<std::int64_t>(SqlTx&)>& body) = 0;
  // Inside write(): keeps two processes from migrating at once.
  virtual void lock_for_migration(SqlTx& tx) = 0;
  // Starts watching for commits (this process's and others'); calls `poke` after each.
  virtual void watch(std::function<void()> poke) = 0;
  // Stops calling `poke`; returns once no call is running or will start.
  virtual void stop_watching() = 0;
  // See Store::hold_controller_lease.
  virtual bool hold_controller_lease() = 0;
};

}  // namespace sluice::store::detail
