#pragma once

#include <memory>
#include <string>

#include "run_command.hpp"

namespace sluice::testing {

// A throwaway PostgreSQL 15 server on 127.0.0.1 and a free port, in a temporary folder, with
// fsync off. initdb refuses to run as root, so as root the server runs as the `postgres` user.
class PostgresServer {
 public:
  static constexpr const char* kBinDir = "/usr/lib/postgresql/15/bin";

  // Whether initdb is installed; if not, `why` says what is missing.
  static bool installed(std::string* why);

  PostgresServer();  // initdb + start; throws std::runtime_error with the server log on failure
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  void stop();   // fast shutdown; clients see their connections drop
  void start();  // on the same port and data folder
  int port() const { return port_; }

  // A new, empty database; returns its postgresql:// URL.
  std::string create_database();
  // Runs SQL as the superuser on `database` (URL from create_database()).
  void execute(const std::string& url, const std::string& sql);
  // From now on `role` logs in over TCP with its password (scram-sha-256) instead of being
  // trusted; returns once the server applies the rule (a wrong password is refused).
  void require_password(const std::string& role, const std::string& database);

 private:
  std::string as_postgres(const std::string& command) const;
  std::string log() const;

  TempDir dir_;
  int port_ = 0;
  int databases_ = 0;
  bool running_ = false;
};

// One server per test process, started on first use and stopped (folder removed) when the
// tests end. Call only after SLUICE_REQUIRE_POSTGRES().
PostgresServer& shared_postgres();

// Under CI=true a missing PostgreSQL fails the test; elsewhere it skips with the reason.
bool running_under_ci();

}  // namespace sluice::testing

#define SLUICE_REQUIRE_POSTGRES()                                                            \
  do {                                                                                       \
    std::string sluice_missing_postgres;                                                     \
    if (!::sluice::testing::PostgresServer::installed(&sluice_missing_postgres)) {           \
      if (::sluice::testing::running_under_ci()) {                                           \
        FAIL() << sluice_missing_postgres << " (CI=true: PostgreSQL tests must run)";        \
      }                                                                                      \
      GTEST_SKIP() << sluice_missing_postgres << "; install postgresql-15 to run this test"; \
    }                                                                                        \
  } while (false)
