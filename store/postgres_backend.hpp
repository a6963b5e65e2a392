#pragma once

#include <memory>
#include <mutex>

#include "postgres_listener.hpp"
#include "postgres_pool.hpp"
#include "sluice/store/store.hpp"
#include "sql_backend.hpp"

namespace sluice::store::detail {

// PostgreSQL through libpqxx: a connection pool for calls, a listener connection for the change
// channel. Writes run at READ COMMITTED (the store_meta row lock orders them); reads run in
// REPEATABLE READ READ ONLY transactions so a multi-statement read sees one snapshot.
class PostgresBackend final : public SqlBackend {
 public:
  PostgresBackend(const std::string& url, const StoreOptions& options);
  ~PostgresBackend() override;

  Dialect dialect() const override { return Dialect::Postgres; }
  const std::vector<Migration>& migrations() const override { return postgres_migrations(); }
  void read(const std::function<void(SqlTx&)>& body) override;
  void write(const std::function<std::optional<std::int64_t>(SqlTx&)>& body) override;
  void lock_for_migration(SqlTx& tx) override;
  void watch(std::function<void()> poke) override;
  void stop_watching() override;
  bool hold_controller_lease() override;

 private:
  PostgresPool pool_;
  PostgresListener::Settings listener_settings_;
  std::mutex watch_mutex_;
  std::function<void()> poke_;
  std::unique_ptr<PostgresListener> listener_;
  std::mutex lease_mutex_;
  std::unique_ptr<pqxx::connection> lease_connection_;  // holds the advisory lock while leading
  bool leading_ = false;
};

}  // namespace sluice::store::detail
