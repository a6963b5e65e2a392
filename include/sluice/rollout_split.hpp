#pragma once

// What a rollout serves, derived from its persisted state alone: the scheduler persists a
// decision and the snapshot applies this split from the stored state, so a controller killed
// between the two serves the right split on restart without re-applying anything
// (ARCHITECTURE decision 4).

#include "sluice/policy.hpp"
#include "sluice/rollout.hpp"

namespace sluice::rollout {

// pending: nothing of the treatment yet (0%, no cohorts); progressing or paused: the served
// stage's cohorts and `state.treatment_bp`; waiting for approval: the previous stage's;
// completed: the treatment to everyone; rolled back: the control to everyone; aborted: left as
// it was when the rollout was aborted.
SplitChange served_split(const Policy& policy, const RolloutState& state);

}  // namespace sluice::rollout
