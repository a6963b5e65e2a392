#pragma once

#include <string>
#include <vector>

namespace sluice::store::detail {

// One schema step. Numbers start at 1 and increase by one; a released step never changes
// (add a new one instead), because databases record which numbers they have applied.
struct Migration {
  int number;
  std::string sql;
};

const std::vector<Migration>& sqlite_migrations();
const std::vector<Migration>& postgres_migrations();

}  // namespace sluice::store::detail
