#pragma once

// The deployment history the anomaly model learns from, as the controller writes it: one row per
// finished rollout (store::RolloutHistoryRecord) with how it ended and, per stage, the last
// feature vector the controller saw in that stage (docs/history.md).
//
// Where the per-stage vectors live while the rollout runs: in the rollout's window JSON, member
// "anomaly_stages" (the anomaly::stages_to_json array), written with every decision. The window
// is persisted in the same transaction as each decision (a hold included), so the summary is
// exactly what the controller judged, survives a restart, and costs no extra store call; the
// decision that finishes the rollout (the controller's, or a person's rollback or abort through
// RolloutService) finds it in the rollout row it already has. The decision log's evidence was the
// alternative: it would need a read of every decision of the rollout in the blocking part, and
// evidence does not hold the feature vector.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "decision_writes.hpp"
#include "sluice/anomaly.hpp"
#include "sluice/rollout.hpp"
#include "sluice/store/rollout_records.hpp"

namespace sluice::controller {

// The per-stage vectors kept in a window JSON; empty when there are none (or they do not parse:
// a history row without stages is better than none).
std::vector<anomaly::StageFeatures> stage_features_of(std::string_view window_json);

// `window_json` with its "anomaly_stages" member set to `stages_json` (an anomaly::stages_to_json
// array; empty: the member is removed).
std::string with_stage_features(std::string_view window_json, std::string_view stages_json);

// `to` (a fresh window_to_json) with the "anomaly_stages" member of `from` (the window before the
// decision): every decision carries the summary on, whichever code wrote it.
std::string carry_stage_features(std::string_view from, std::string to);

// The history row of a decision that finishes the rollout (nullopt otherwise): key
// "rollout/ID", outcome completed / rolled_back_auto / rolled_back_manual / aborted, started at
// the rollout's creation, finished at the decision's time, the stages from `record.window_json`.
std::optional<store::RolloutHistoryRecord> history_record(const store::RolloutRecord& record,
                                                          const rollout::Decision& decision);

// history_record as the hook of DecisionWriteHooks (the composition root sets it).
decltype(DecisionWriteHooks::history) history_hook();

}  // namespace sluice::controller
