#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "sql_backend.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace sluice::store::detail {

// One SQLite connection with its prepared statements cached by SQL text. Not thread-safe: its
// owner serialises access.
class SqliteConnection final : public SqlTx {
 public:
  SqliteConnection(const std::string& path, std::chrono::milliseconds busy_timeout);
  ~SqliteConnection() override;
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  std::vector<SqlRow> query(const std::string& sql, const std::vector<SqlParam>& params) override;
  void exec_script(const std::string& sql) override;

 private:
  sqlite3_stmt* prepare(const std::string& sql);
  [[noreturn]] void fail(int code, const std::string& context) const;

  sqlite3* db_ = nullptr;
  std::map<std::string, sqlite3_stmt*> statements_;
};

}  // namespace sluice::store::detail
