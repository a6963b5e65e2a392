#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sluice::detail {

// A percentage as written ("5", "33.33", "0.01", "1e1") to basis points, exactly: 500, 3333, 1,
// 1000. Nothing when it is not a decimal number from 0 to 100 with at most two decimals, so
// "33.333" is refused rather than rounded; decimal text avoids binary floating point surprises.
std::optional<std::uint32_t> percent_to_basis_points(std::string_view text);

}  // namespace sluice::detail
