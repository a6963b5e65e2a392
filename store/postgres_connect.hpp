#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <pqxx/connection>
#include <pqxx/except>

#include "sluice/store/store.hpp"

namespace sluice::store::detail {

inline constexpr const char* kChangeChannel = "sluice_changes";

// The libpq URI with the timeouts sluice relies on added unless the URL sets them: connect
// timeout, TCP user timeout and keepalives, so a dead peer is noticed in bounded time.
std::string postgres_conninfo(const std::string& url, const StoreOptions& options);

// A new connection with statement and idle-transaction timeouts set for the session.
// Throws StoreUnavailable if the server cannot be reached.
std::unique_ptr<pqxx::connection> connect_postgres(const std::string& conninfo,
                                                   std::chrono::milliseconds statement_timeout);

// SQLSTATEs that mean "the server is going away or overloaded", not "this statement is wrong":
// class 08 (connection), 57P01-57P03 (shutdown, cannot connect now), 53 (resources), and 57014
// (statement timeout). The connection may still work only after 57014.
bool is_unavailable_state(const std::string& sqlstate);
bool connection_survives(const std::string& sqlstate);

// Removes the password from a conninfo for error messages.
std::string redact_conninfo(const std::string& conninfo);

}  // namespace sluice::store::detail
