#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::store {

// Returns the current time as RFC 3339 UTC with milliseconds ("2024-05-01T12:00:00.123Z").
// Injected so tests get deterministic timestamps.
using Clock = std::function<std::string()>;

Clock system_clock();

std::string format_rfc3339_ms(std::chrono::system_clock::time_point at);

// Any RFC 3339 date-time (offsets, 0-9 fraction digits) in the store's canonical form, which
// sorts as text; nullopt if it is not one.
std::optional<std::string> normalize_rfc3339(std::string_view text);

}  // namespace sluice::store
