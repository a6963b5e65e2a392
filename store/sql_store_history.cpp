// The deployment history the anomaly model learns from (migration 3).

#include <stdexcept>

#include "sql_rows.hpp"
#include "sql_store.hpp"

namespace sluice::store::detail {

// Placeholders until the anomaly work lands (issue 5); every one throws.
std::vector<RolloutHistoryRecord> SqlStore::list_history() {
  throw std::logic_error("list_history: not implemented yet");
}
HistoryImportResult SqlStore::import_history(const std::vector<RolloutHistoryRecord>&,
                                             std::string_view) {
  throw std::logic_error("import_history: not implemented yet");
}

}  // namespace sluice::store::detail
