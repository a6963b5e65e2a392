#pragma once

// The rollout controller's persisted forms (state, analysis window, evidence) and the views the
// API and the decision log show. Persisted times are unix milliseconds; views show RFC 3339.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "sluice/analysis_window.hpp"
#include "sluice/judge.hpp"
#include "sluice/policy.hpp"
#include "sluice/rollout.hpp"
#include "sluice/store/rollout_records.hpp"

namespace sluice::controller {

using Json = nlohmann::ordered_json;

std::string state_to_json(const rollout::RolloutState& state);
// Throws std::runtime_error naming the field when the text is not a state this binary wrote.
rollout::RolloutState state_from_json(const std::string& text);

std::string window_to_json(const rollout::AnalysisWindow& window);
rollout::AnalysisWindow window_from_json(const std::string& text);

// Per check: verdict, values and samples per variant, effect, statistic, p-value, explanation.
// NaN becomes null.
Json evidence_json(const judge::Judgement& judgement);

// The row for the decision log.
store::DecisionRecord decision_record(const rollout::Decision& decision, std::int64_t rollout_id,
                                      const std::string& flag);

// What the API and the structured log show of a decision and of a rollout.
Json decision_view(const store::DecisionRecord& record);
Json rollout_view(const store::RolloutRecord& record, const Policy& policy,
                  const rollout::RolloutState& state);

std::string rfc3339(rollout::TimePoint at);

}  // namespace sluice::controller
