#pragma once

#include <chrono>
#include <string_view>

#include "sluice/flag_definition.hpp"

namespace sluice::server {

// How long a flag must have served one value to everyone, unchanged, to be called stale.
inline constexpr std::chrono::hours kStaleAfter{24 * 14};

// True when the flag serves one value to everyone (killed, or no prerequisites, no rules and a
// default that is one variant or a split with a single non-zero weight), has not changed for
// kStaleAfter by `now` (the server's clock against the store's `updated_at`, RFC 3339), and has no
// active rollout. Such a flag is a candidate for removal from the code. An unreadable
// `updated_at` is never stale.
bool is_stale(const FlagDefinition& flag, bool enabled, std::string_view updated_at,
              bool rollout_active, std::chrono::system_clock::time_point now);

}  // namespace sluice::server
