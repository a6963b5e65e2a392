#pragma once

// A decision as the store persists it: the rollout's next state and window, the decision-log row
// and one outbox row per notification, written in one transaction (persist, then act).

#include "sluice/analysis_window.hpp"
#include "sluice/policy.hpp"
#include "sluice/rollout.hpp"
#include "sluice/store/rollout_records.hpp"

namespace sluice::controller {

store::DecisionWrite decision_write(const store::RolloutRecord& record, const Policy& policy,
                                    const rollout::Decision& decision,
                                    const rollout::AnalysisWindow& next_window, bool audit);

}  // namespace sluice::controller
