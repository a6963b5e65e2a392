#include "sql_store.hpp"

#include <algorithm>
#include <utility>

#include "sql_rows.hpp"

namespace sluice::store::detail {

SqlStore::SqlStore(std::unique_ptr<SqlBackend> backend, const StoreOptions& options)
    : backend_(std::move(backend)), options_(options) {}

// Order matters: the watcher pokes the notifier, and the notifier reads through the backend.
SqlStore::~SqlStore() {
  backend_->stop_watching();
  notifier_.reset();
}

void SqlStore::migrate() {
  const std::vector<Migration>& migrations = backend_->migrations();
  const int latest = migrations.empty() ? 0 : migrations.back().number;
  backend_->write([&](SqlTx& tx) -> std::optional<std::int64_t> {
    backend_->lock_for_migration(tx);
    tx.exec_script(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)");
    const int current = static_cast<int>(
        int_at(tx.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").at(0), 0));
    if (current > latest) throw SchemaTooNew(current, latest);
    // All pending steps in one transaction: a failed step leaves the database as it was.
    for (const Migration& migration : migrations) {
      if (migration.number <= current) continue;
      tx.exec_script(migration.sql);
      tx.query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
               {std::int64_t{migration.number}, options_.clock()});
    }
    return 0;
  });
}

int SqlStore::schema_version() {
  int version = 0;
  backend_->read([&](SqlTx& tx) {
    const char* exists_sql =
        backend_->dialect() == Dialect::Sqlite
            ? "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = "
              "'schema_migrations'"
            : "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema() AND "
              "tablename = 'schema_migrations'";
    version = 0;
    if (int_at(tx.query(exists_sql).at(0), 0) == 0) return;
    version = static_cast<int>(
        int_at(tx.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").at(0), 0));
  });
  return version;
}

std::int64_t SqlStore::store_version() {
  std::int64_t version = 0;
  backend_->read([&](SqlTx& tx) {
    version = int_at(tx.query("SELECT version FROM store_meta WHERE id = 1").at(0), 0);
  });
  return version;
}

std::int64_t SqlStore::next_store_version(SqlTx& tx) {
  return int_at(
      tx.query("UPDATE store_meta SET version = version + 1 WHERE id = 1 RETURNING version").at(0),
      0);
}

void SqlStore::record(SqlTx& tx, std::int64_t store_version, const std::string& at,
                      const Event& event) {
  auto optional_param = [](const std::optional<std::string>& text) -> SqlParam {
    if (text) return *text;
    return nullptr;
  };
  tx.query(
      "INSERT INTO audit_log (at, actor, action, target_kind, target_key, before_json, "
      "after_json, store_version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      {at, std::string(event.actor), std::string(event.action), std::string(event.target_kind),
       std::string(event.key), optional_param(event.before_json), optional_param(event.after_json),
       store_version});
  tx.query("INSERT INTO changes (version, kind, key, at) VALUES ($1, $2, $3, $4)",
           {store_version, std::string(event.change_kind), std::string(event.key), at});
}

std::vector<Change> SqlStore::read_changes(SqlTx& tx, std::int64_t after, int limit) {
  std::vector<Change> changes;
  for (const SqlRow& row :
       tx.query("SELECT version, kind, key FROM changes WHERE version > $1 ORDER BY version "
                "LIMIT $2",
                {after, std::int64_t{limit}})) {
    changes.push_back(Change{int_at(row, 0), text_at(row, 1), text_at(row, 2)});
  }
  return changes;
}

std::vector<Change> SqlStore::changes_since(std::int64_t version, int limit) {
  std::vector<Change> changes;
  backend_->read(
      [&](SqlTx& tx) { changes = read_changes(tx, version, std::clamp(limit, 1, 10000)); });
  return changes;
}

void SqlStore::subscribe(std::function<void(const Change&)> callback) {
  std::lock_guard lock(notifier_mutex_);
  if (!notifier_) {
    // Start from the current version: subscribers get what commits after they subscribed.
    notifier_ = std::make_unique<ChangeNotifier>(
        [this](std::int64_t after) { return changes_since(after, 1000); }, store_version(),
        options_.change_poll_interval);
    ChangeNotifier* notifier = notifier_.get();
    backend_->watch([notifier] { notifier->poke(); });
  }
  notifier_->add(std::move(callback));
}

bool SqlStore::hold_controller_lease() {
  return backend_->hold_controller_lease();
}

}  // namespace sluice::store::detail
