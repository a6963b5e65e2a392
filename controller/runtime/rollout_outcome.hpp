#pragma once

// A finished rollout's outcome as runtime state of its flag (store::RolloutOutcome, beside the
// kill switch): completed serves the treatment to everyone, rolled back the control, aborted the
// split the rollout had when it was aborted (docs/rollout-state-machine.md). The served split is
// written with the decision that finishes the rollout, so what the flag serves afterwards needs
// neither the rollout row nor its policy, and survives restarts, replicas and pruning.

#include <optional>
#include <string>
#include <string_view>

#include "rollout_overlay.hpp"
#include "sluice/policy.hpp"
#include "sluice/rollout.hpp"
#include "sluice/store/records.hpp"

namespace sluice::controller {

// The outcome of a decision that finishes a rollout (its next state is terminal), dated by the
// decision; nothing for any other decision.
std::optional<store::RolloutOutcome> rollout_outcome(std::int64_t rollout_id, const Policy& policy,
                                                     const rollout::Decision& decision);

// What a stored outcome serves, as the snapshot overlay applies it; nothing if it does not parse
// (then the flag serves its definition, and the loader says so).
std::optional<RolloutSplit> served_by_outcome(std::string_view flag,
                                              const store::RolloutOutcome& outcome);

// The served split as stored and as the API shows it: {"treatment", "control", "treatment_bp",
// "cohorts", "control_to_all", "bucket_by"}.
std::string served_split_json(const RolloutSplit& split);

}  // namespace sluice::controller
