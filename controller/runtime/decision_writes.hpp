#pragma once

// A decision as the store persists it: the rollout's next state and window, the decision-log row
// and one outbox row per notification, written in one transaction (persist, then act).

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/analysis_window.hpp"
#include "sluice/policy.hpp"
#include "sluice/rollout.hpp"
#include "sluice/store/rollout_records.hpp"

namespace sluice::controller {

// What a decision's write carries besides the state machine's output; supplied by the
// composition root (notification settings, the anomaly model's history).
struct DecisionWriteHooks {
  // The names of the targets one event of this rollout goes to (global defaults and the
  // policy's `notify`, filtered by each target's events). Unset: the policy's `notify`.
  std::function<std::vector<std::string>(std::string_view event, const Policy& policy)> recipients;
  // The history row of a decision that finishes the rollout. Unset, or nothing: no row.
  std::function<std::optional<store::RolloutHistoryRecord>(
      const store::RolloutRecord& record, const Policy& policy, const rollout::Decision& decision)>
      history;
};

// Each event of the decision becomes one outbox row per recipient, keyed
// "rollout/ID/decision/SEQ/EVENT#TARGET"; the event id (without "#TARGET") is what receivers
// dedupe on.
store::DecisionWrite decision_write(const store::RolloutRecord& record, const Policy& policy,
                                    const rollout::Decision& decision,
                                    const rollout::AnalysisWindow& next_window, bool audit,
                                    const DecisionWriteHooks& hooks = {});

}  // namespace sluice::controller
