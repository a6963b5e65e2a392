#include "sluice/number_json.hpp"

#include <cmath>
#include <cstdint>

namespace sluice {

nlohmann::ordered_json number_json(double value) {
  constexpr double kExactIntegers = 9007199254740992.0;  // 2^53
  if (std::isfinite(value) && std::trunc(value) == value && std::fabs(value) <= kExactIntegers) {
    return static_cast<std::int64_t>(value);
  }
  return value;
}

}  // namespace sluice
