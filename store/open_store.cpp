#include <memory>

#include "postgres_backend.hpp"
#include "sql_store.hpp"
#include "sqlite_backend.hpp"

namespace sluice::store {

std::unique_ptr<Store> open_store(const std::string& url, const StoreOptions& options) {
  constexpr std::string_view sqlite_prefix = "sqlite:";
  if (url.starts_with(sqlite_prefix)) {
    const std::string path = url.substr(sqlite_prefix.size());
    if (path.empty())
      throw StoreError("store URL 'sqlite:' needs a file path, e.g. sqlite:sluice.db");
    return std::make_unique<detail::SqlStore>(
        std::make_unique<detail::SqliteBackend>(path, options), options);
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return std::make_unique<detail::SqlStore>(
        std::make_unique<detail::PostgresBackend>(url, options), options);
  }
  throw StoreError("unsupported store URL '" + url.substr(0, url.find(':')) +
                   ":...': use sqlite:PATH or postgresql://USER@HOST:PORT/DATABASE");
}

}  // namespace sluice::store
