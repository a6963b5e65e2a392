#include "flag_staleness.hpp"

#include <algorithm>

#include "sluice/store/clock.hpp"

namespace sluice::server {
namespace {

bool serves_one_value(const FlagDefinition& flag, bool enabled) {
  if (!enabled) return true;  // killed: the off variant for everyone
  if (!flag.prerequisites.empty() || !flag.rules.empty()) return false;
  const ServeDefinition& fallthrough = flag.fallthrough;
  if (fallthrough.variant) return true;
  if (!fallthrough.split) return false;
  const auto& weights = fallthrough.split->weights;
  return std::count_if(weights.begin(), weights.end(),
                       [](const SplitWeight& w) { return w.basis_points > 0; }) == 1;
}

}  // namespace

bool is_stale(const FlagDefinition& flag, bool enabled, std::string_view updated_at,
              bool rollout_active, std::chrono::system_clock::time_point now) {
  if (rollout_active || !serves_one_value(flag, enabled)) return false;
  // The store's canonical form sorts as text, so the cut-off compares as a string.
  const auto updated = store::normalize_rfc3339(updated_at);
  if (!updated) return false;
  const auto cutoff = store::normalize_rfc3339(store::format_rfc3339_ms(now - kStaleAfter));
  return cutoff && *updated <= *cutoff;
}

}  // namespace sluice::server
