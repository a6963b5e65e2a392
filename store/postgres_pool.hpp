#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <pqxx/connection>

#include "reconnect_backoff.hpp"

namespace sluice::store::detail {

struct PostgresPoolSettings {
  std::string conninfo;
  int size = 4;
  std::chrono::milliseconds statement_timeout{5000};
  std::chrono::milliseconds acquire_timeout{10000};
  std::chrono::milliseconds backoff_min{100};
  std::chrono::milliseconds backoff_max{5000};
};

// A fixed number of connections, opened on demand. Every failure to reach the server becomes
// StoreUnavailable; while the server is down, callers fail fast until the backoff allows the
// next connection attempt.
class PostgresPool {
 public:
  explicit PostgresPool(PostgresPoolSettings settings);

  // Runs `body` on a connection. If the connection turns out broken before `body` could commit
  // (typically: the server restarted and every pooled connection is stale), the pool is emptied
  // and `body` runs once more on a fresh connection.
  void run(const std::function<void(pqxx::connection&)>& body);

  const PostgresPoolSettings& settings() const { return settings_; }

 private:
  struct Lease {
    std::unique_ptr<pqxx::connection> connection;
    std::uint64_t generation = 0;
  };
  Lease acquire();
  // Returns a healthy connection to the pool (unless the pool was emptied since it was taken).
  void release(Lease lease);
  // Frees the slot and, since one broken connection suggests the rest are too, empties the pool.
  void discard_all(Lease lease);

  PostgresPoolSettings settings_;
  std::mutex mutex_;
  std::condition_variable slot_free_;
  std::vector<Lease> idle_;
  int in_use_ = 0;
  std::uint64_t generation_ = 0;
  ReconnectBackoff backoff_;
  std::string last_error_;
};

}  // namespace sluice::store::detail
