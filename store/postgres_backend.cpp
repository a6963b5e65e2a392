#include "postgres_backend.hpp"

#include <pqxx/nontransaction>
#include <pqxx/result>
#include <pqxx/transaction>

#include "postgres_connect.hpp"

namespace sluice::store::detail {
namespace {

// SqlTx over a libpqxx transaction: parameters go as text (NULL as a null pointer), and the
// server infers their types from context.
class PqxxTx final : public SqlTx {
 public:
  explicit PqxxTx(pqxx::transaction_base& tx) : tx_(tx) {}

  std::vector<SqlRow> query(const std::string& sql, const std::vector<SqlParam>& params) override {
    std::vector<std::string> texts(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (const auto* number = std::get_if<std::int64_t>(&params[i])) {
        texts[i] = std::to_string(*number);
      } else if (const auto* flag = std::get_if<bool>(&params[i])) {
        texts[i] = *flag ? "true" : "false";
      } else if (const auto* text = std::get_if<std::string>(&params[i])) {
        texts[i] = *text;
      } else {
        continue;  // NULL
      }
      values[i] = texts[i].c_str();
    }
    const pqxx::result result = tx_.exec_params(sql, pqxx::prepare::make_dynamic_params(values));
    std::vector<SqlRow> rows;
    rows.reserve(result.size());
    for (const auto& row : result) {
      SqlRow out;
      out.reserve(row.size());
      for (const auto& field : row) {
        if (field.is_null()) {
          out.emplace_back(std::nullopt);
        } else {
          out.emplace_back(std::string(field.c_str(), field.size()));
        }
      }
      rows.push_back(std::move(out));
    }
    return rows;
  }

  void exec_script(const std::string& sql) override { tx_.exec(sql); }

 private:
  pqxx::transaction_base& tx_;
};

// Any constant works as long as every sluice uses the same one; it spells "sluice".
constexpr std::int64_t kMigrationLockId = 0x736c75696365;

}  // namespace

PostgresBackend::PostgresBackend(const std::string& url, const StoreOptions& options)
    : pool_(PostgresPoolSettings{
          postgres_conninfo(url, options), options.pool_size, options.statement_timeout,
          std::chrono::milliseconds(options.connect_timeout) + options.statement_timeout,
          options.reconnect_backoff_min, options.reconnect_backoff_max}),
      listener_settings_{pool_.settings().conninfo, options.statement_timeout,
                         options.reconnect_backoff_min, options.reconnect_backoff_max} {}

PostgresBackend::~PostgresBackend() {
  stop_watching();
}

// The lock key: any constant shared by every replica of one database ("sluice01" in ASCII).
constexpr long long kControllerLockKey = 0x736c756963653031LL;

bool PostgresBackend::hold_controller_lease() {
  std::lock_guard lock(lease_mutex_);
  try {
    if (!lease_connection_ || !lease_connection_->is_open()) {
      leading_ = false;
      lease_connection_ =
          connect_postgres(pool_.settings().conninfo, pool_.settings().statement_timeout);
    }
    pqxx::nontransaction tx(*lease_connection_);
    if (leading_) {
      // A session lock lives as long as its connection: a query that works means we still hold it.
      tx.exec("SELECT 1");
      return true;
    }
    leading_ =
        tx.exec1("SELECT pg_try_advisory_lock(" + std::to_string(kControllerLockKey) + ")")[0]
            .as<bool>();
    return leading_;
  } catch (const std::exception&) {
    // The connection (and with it any lock) is gone; another replica may lead now.
    lease_connection_.reset();
    leading_ = false;
    return false;
  }
}

void PostgresBackend::read(const std::function<void(SqlTx&)>& body) {
  pool_.run([&](pqxx::connection& connection) {
    pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(connection);
    PqxxTx sql(tx);
    body(sql);
    tx.commit();
  });
}

void PostgresBackend::write(const std::function<std::optional<std::int64_t>(SqlTx&)>& body) {
  std::optional<std::int64_t> written;
  pool_.run([&](pqxx::connection& connection) {
    pqxx::work tx(connection);
    PqxxTx sql(tx);
    written = body(sql);
    if (!written) {
      tx.abort();
      return;
    }
    if (*written > 0) {
      // Delivered on commit only, to every listening replica (this one included).
      tx.exec_params("SELECT pg_notify($1, $2)", kChangeChannel, std::to_string(*written));
    }
    tx.commit();
  });
  if (written && *written > 0) {
    // This replica's subscribers need not wait for the NOTIFY round trip.
    std::lock_guard lock(watch_mutex_);
    if (poke_) poke_();
  }
}

void PostgresBackend::lock_for_migration(SqlTx& tx) {
  // Held until the transaction ends: replicas starting together migrate one after another.
  tx.query("SELECT pg_advisory_xact_lock($1)", {kMigrationLockId});
}

void PostgresBackend::watch(std::function<void()> poke) {
  std::lock_guard lock(watch_mutex_);
  poke_ = poke;
  listener_ = std::make_unique<PostgresListener>(listener_settings_, std::move(poke));
}

void PostgresBackend::stop_watching() {
  std::unique_ptr<PostgresListener> listener;
  {
    std::lock_guard lock(watch_mutex_);
    poke_ = nullptr;
    listener.swap(listener_);
  }
  listener.reset();  // joins the listener thread outside the lock
}

}  // namespace sluice::store::detail
