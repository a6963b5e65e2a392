#include "sql_statements.hpp"

#include <stdexcept>

#include "sluice/store/clock.hpp"

namespace sluice::store::detail {

std::string canonical_time(std::string_view text, std::string_view what) {
  auto normalized = normalize_rfc3339(text);
  if (!normalized) {
    throw std::invalid_argument(std::string(what) +
                                " is not an RFC 3339 date-time: " + std::string(text));
  }
  return *normalized;
}

SqlParam optional_param(const std::optional<std::string>& text) {
  if (text) return *text;
  return nullptr;
}

SqlParam optional_param(const std::optional<std::int64_t>& value) {
  if (value) return *value;
  return nullptr;
}

}  // namespace sluice::store::detail
