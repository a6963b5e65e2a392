#include "sluice/rollout_split.hpp"

namespace sluice::rollout {
namespace {

bool waits_for_approval(const RolloutState& state) {
  return state.phase == Phase::waiting_for_approval ||
         (state.phase == Phase::paused && state.resume_to == Phase::waiting_for_approval);
}

}  // namespace

SplitChange served_split(const Policy& policy, const RolloutState& state) {
  SplitChange split;
  switch (state.phase) {
    case Phase::pending:
      return split;
    case Phase::completed:
      split.treatment_bp = 10000;
      return split;
    case Phase::rolled_back:
      split.control_to_all = true;
      return split;
    case Phase::progressing:
    case Phase::paused:
    case Phase::waiting_for_approval:
    case Phase::aborted:
      break;
  }
  split.treatment_bp = state.treatment_bp;
  // Cohort stages come first and stay included in every later stage.
  std::size_t through = state.stage + 1;  // stages [0, through) are served
  if (waits_for_approval(state)) through = state.stage;
  for (std::size_t i = 0; i < through && i < policy.stages.size(); ++i) {
    if (policy.stages[i].segment) split.cohorts.push_back(*policy.stages[i].segment);
  }
  return split;
}

}  // namespace sluice::rollout
