#include "postgres_pool.hpp"

#include <pqxx/except>

#include "postgres_connect.hpp"
#include "sluice/store/errors.hpp"

namespace sluice::store::detail {

PostgresPool::PostgresPool(PostgresPoolSettings settings)
    : settings_(std::move(settings)), backoff_(settings_.backoff_min, settings_.backoff_max) {}

PostgresPool::Lease PostgresPool::acquire() {
  std::unique_lock lock(mutex_);
  if (!slot_free_.wait_for(lock, settings_.acquire_timeout,
                           [this] { return in_use_ < settings_.size; })) {
    throw StoreUnavailable("postgresql: all " + std::to_string(settings_.size) +
                           " connections stayed busy");
  }
  while (!idle_.empty()) {
    Lease lease = std::move(idle_.back());
    idle_.pop_back();
    if (lease.connection->is_open()) {
      ++in_use_;
      return lease;
    }
  }
  if (auto wait = backoff_.wait_left(ReconnectBackoff::Clock::now()); wait.count() > 0) {
    throw StoreUnavailable("postgresql: unreachable (" + last_error_ + "); next attempt in " +
                           std::to_string(wait.count()) + " ms");
  }
  ++in_use_;
  const std::uint64_t generation = generation_;
  lock.unlock();  // connecting takes a round trip or a timeout; others may use idle connections
  try {
    auto connection = connect_postgres(settings_.conninfo, settings_.statement_timeout);
    lock.lock();
    backoff_.succeeded();
    return Lease{std::move(connection), generation};
  } catch (const StoreUnavailable& error) {
    lock.lock();
    backoff_.failed(ReconnectBackoff::Clock::now());
    last_error_ = error.what();
    --in_use_;
    slot_free_.notify_one();
    throw;
  } catch (...) {
    lock.lock();
    --in_use_;
    slot_free_.notify_one();
    throw;
  }
}

void PostgresPool::release(Lease lease) {
  std::lock_guard lock(mutex_);
  --in_use_;
  if (lease.generation == generation_ && lease.connection->is_open()) {
    idle_.push_back(std::move(lease));
  }
  slot_free_.notify_one();
}

void PostgresPool::discard_all(Lease lease) {
  std::vector<Lease> dropped;
  {
    std::lock_guard lock(mutex_);
    --in_use_;
    ++generation_;
    dropped.swap(idle_);
    slot_free_.notify_one();
  }
  // Closing connections happens outside the lock: it may wait on the network.
  lease.connection.reset();
}

void PostgresPool::run(const std::function<void(pqxx::connection&)>& body) {
  for (int attempt = 0;; ++attempt) {
    Lease lease = acquire();
    try {
      body(*lease.connection);
    } catch (const pqxx::in_doubt_error& error) {
      discard_all(std::move(lease));
      throw StoreUnavailable(
          std::string("postgresql: connection lost during COMMIT; the write may or may not have "
                      "been applied: ") +
          error.what());
    } catch (const pqxx::broken_connection& error) {
      discard_all(std::move(lease));
      if (attempt == 0) continue;
      throw StoreUnavailable(std::string("postgresql: connection lost: ") + error.what());
    } catch (const pqxx::sql_error& error) {
      if (!is_unavailable_state(error.sqlstate())) {
        release(std::move(lease));
        throw StoreError(std::string("postgresql: ") + error.what());
      }
      if (connection_survives(error.sqlstate())) {
        release(std::move(lease));
      } else {
        discard_all(std::move(lease));
        if (attempt == 0) continue;
      }
      throw StoreUnavailable(std::string("postgresql: ") + error.what());
    } catch (const pqxx::failure& error) {
      release(std::move(lease));
      throw StoreError(std::string("postgresql: ") + error.what());
    } catch (...) {
      release(std::move(lease));  // our own exceptions: the transaction was rolled back
      throw;
    }
    release(std::move(lease));
    return;
  }
}

}  // namespace sluice::store::detail
