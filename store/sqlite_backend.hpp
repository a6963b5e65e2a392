#pragma once

#include <memory>
#include <mutex>

#include "sluice/store/store.hpp"
#include "sql_backend.hpp"
#include "sqlite_connection.hpp"

namespace sluice::store::detail {

// SQLite in WAL mode: one writer connection and one reader connection, so reads go on while a
// write is in progress. Each connection has its own mutex; writes begin IMMEDIATE so the write
// lock is taken before the first read (no upgrade deadlocks with other processes).
class SqliteBackend final : public SqlBackend {
 public:
  SqliteBackend(const std::string& path, const StoreOptions& options);

  Dialect dialect() const override { return Dialect::Sqlite; }
  const std::vector<Migration>& migrations() const override { return sqlite_migrations(); }
  void read(const std::function<void(SqlTx&)>& body) override;
  void write(const std::function<std::optional<std::int64_t>(SqlTx&)>& body) override;
  void lock_for_migration(SqlTx&) override {}  // BEGIN IMMEDIATE already excludes others
  void watch(std::function<void()> poke) override;
  void stop_watching() override;
  bool hold_controller_lease() override { return true; }  // one node

 private:
  std::mutex write_mutex_;
  std::unique_ptr<SqliteConnection> writer_;
  std::mutex read_mutex_;
  std::unique_ptr<SqliteConnection> reader_;  // null for ":memory:", which one connection owns
  std::mutex watch_mutex_;
  std::function<void()> poke_;
};

}  // namespace sluice::store::detail
