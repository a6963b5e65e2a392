#include "postgres_connect.hpp"

#include <algorithm>

#include <pqxx/nontransaction>

#include "sluice/net/url.hpp"
#include "sluice/store/errors.hpp"

namespace sluice::store::detail {
namespace {

void add_parameter(std::string& url, const std::string& name, const std::string& value) {
  if (url.find(name + "=") != std::string::npos) return;  // the operator's setting wins
  url += url.find('?') == std::string::npos ? '?' : '&';
  url += name + "=" + value;
}

}  // namespace

std::string postgres_conninfo(const std::string& url, const StoreOptions& options) {
  std::string conninfo = url;
  add_parameter(conninfo, "connect_timeout",
                std::to_string(std::max<long long>(1, options.connect_timeout.count())));
  add_parameter(conninfo, "tcp_user_timeout",
                std::to_string(std::chrono::milliseconds(options.connect_timeout).count() +
                               options.statement_timeout.count()));
  add_parameter(conninfo, "keepalives", "1");
  add_parameter(conninfo, "keepalives_idle", "10");
  add_parameter(conninfo, "keepalives_interval", "5");
  add_parameter(conninfo, "keepalives_count", "3");
  add_parameter(conninfo, "application_name", "sluice");
  return conninfo;
}

std::unique_ptr<pqxx::connection> connect_postgres(const std::string& conninfo,
                                                   std::chrono::milliseconds statement_timeout) {
  try {
    auto connection = std::make_unique<pqxx::connection>(conninfo);
    pqxx::nontransaction session(*connection);
    const std::string timeout = std::to_string(statement_timeout.count());
    session.exec("SET statement_timeout = " + timeout);
    // A worker that dies mid-transaction must not hold the store_meta row lock for long.
    session.exec("SET idle_in_transaction_session_timeout = " + timeout);
    return connection;
  } catch (const pqxx::broken_connection& error) {
    throw StoreUnavailable("postgresql: cannot connect to " + redact_conninfo(conninfo) + ": " +
                           error.what());
  } catch (const pqxx::sql_error& error) {
    if (is_unavailable_state(error.sqlstate())) {
      throw StoreUnavailable(std::string("postgresql: server not ready: ") + error.what());
    }
    throw StoreError(std::string("postgresql: setting up a connection failed: ") + error.what());
  }
}

bool is_unavailable_state(const std::string& sqlstate) {
  return sqlstate.starts_with("08") || sqlstate.starts_with("53") || sqlstate == "57P01" ||
         sqlstate == "57P02" || sqlstate == "57P03" || sqlstate == "57014";
}

bool connection_survives(const std::string& sqlstate) {
  return sqlstate == "57014" || sqlstate.starts_with("53");
}

std::string redact_conninfo(const std::string& conninfo) {
  return net::redact_credentials(conninfo);
}

}  // namespace sluice::store::detail
