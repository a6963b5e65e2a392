#include "sqlite_backend.hpp"

#include "sluice/store/errors.hpp"

namespace sluice::store::detail {
namespace {

// Runs `body` between BEGIN and COMMIT; rolls back if it throws or asks to.
template <typename Body>
bool in_transaction(SqliteConnection& connection, const char* begin, Body&& body) {
  connection.exec_script(begin);
  bool commit = false;
  try {
    commit = body();
  } catch (...) {
    try {
      connection.exec_script("ROLLBACK");
    } catch (const StoreError&) {
      // SQLite may have rolled back already (e.g. after SQLITE_FULL); the first error matters.
    }
    throw;
  }
  connection.exec_script(commit ? "COMMIT" : "ROLLBACK");
  return commit;
}

}  // namespace

SqliteBackend::SqliteBackend(const std::string& path, const StoreOptions& options) {
  writer_ = std::make_unique<SqliteConnection>(path, options.sqlite_busy_timeout);
  // WAL lets the reader run beside the writer; FULL sync because the audit log must survive a
  // power cut, and flag writes are rare enough that an fsync per commit costs nothing.
  writer_->exec_script("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;");
  writer_->exec_script("PRAGMA foreign_keys = ON;");
  if (path != ":memory:") {
    reader_ = std::make_unique<SqliteConnection>(path, options.sqlite_busy_timeout);
    reader_->exec_script("PRAGMA query_only = ON;");
  }
}

void SqliteBackend::read(const std::function<void(SqlTx&)>& body) {
  std::unique_lock lock(reader_ ? read_mutex_ : write_mutex_);
  SqliteConnection& connection = reader_ ? *reader_ : *writer_;
  in_transaction(connection, "BEGIN", [&] {
    body(connection);
    return true;
  });
}

void SqliteBackend::write(const std::function<std::optional<std::int64_t>(SqlTx&)>& body) {
  std::optional<std::int64_t> written;
  {
    std::lock_guard lock(write_mutex_);
    in_transaction(*writer_, "BEGIN IMMEDIATE", [&] {
      written = body(*writer_);
      return written.has_value();
    });
  }
  if (written && *written > 0) {
    std::lock_guard lock(watch_mutex_);
    if (poke_) poke_();
  }
}

void SqliteBackend::watch(std::function<void()> poke) {
  std::lock_guard lock(watch_mutex_);
  poke_ = std::move(poke);
}

void SqliteBackend::stop_watching() {
  std::lock_guard lock(watch_mutex_);
  poke_ = nullptr;
}

}  // namespace sluice::store::detail
