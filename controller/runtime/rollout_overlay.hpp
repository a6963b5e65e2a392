#pragma once

// How a rollout's split reaches evaluation. The rollout owns the flag's default serve (`default:`
// in the flag file): people's rules still come first (an allow-list, an internal override), then
// one rule per cohort segment the rollout has reached, then the default, which becomes the split
// `treatment: share, control: the rest`. The split keeps the flag's bucketing attribute and salt
// and lists the treatment first, so users inside at 5% stay inside at 25% (ARCHITECTURE 11).
// The definitions people wrote are never rewritten; the overlay is applied when the snapshot is
// compiled, from the stored rollout state.

#include <optional>
#include <string>
#include <vector>

#include "sluice/flag_definition.hpp"
#include "sluice/rollout.hpp"

namespace sluice::controller {

struct RolloutSplit {
  std::string flag;
  std::string treatment;
  std::string control;
  std::optional<std::string> bucket_by;  // the policy's; else the flag's split's
  rollout::SplitChange split;
  // Why the flag serves this, in words (FlagDefinition::served_by): "the rollout of checkout-v2
  // (progressing; rollout 12)".
  std::string source;
};

// Applies each split to its flag in `set` (flags without a split are untouched; a split for a
// flag that is not in the set is ignored).
void apply_rollout_splits(FlagSet& set, const std::vector<RolloutSplit>& splits);

}  // namespace sluice::controller
