#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sluice {

// Parses an RFC 3339 date-time (`2026-11-21T09:30:00Z`, `...T09:30:00.250+01:00`; `t`, `z` and a
// space for `T` are accepted as RFC 3339 allows) into microseconds since the Unix epoch, UTC.
std::optional<std::int64_t> parse_rfc3339_micros(std::string_view text);

}  // namespace sluice
