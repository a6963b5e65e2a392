// What a rollout serves, computed once: the served stage and its cohorts (used by decisions,
// commands and served_split), and the words for it.

#include "sluice/rollout_split.hpp"

#include "rollout_internal.hpp"

namespace sluice::rollout {
namespace detail {

std::uint32_t stage_share(const Policy& policy, std::size_t stage) {
  return policy.stages.at(stage).basis_points.value_or(0);
}

std::vector<std::string> cohorts_through(const Policy& policy, std::size_t stage) {
  std::vector<std::string> cohorts;
  for (std::size_t i = 0; i <= stage && i < policy.stages.size(); ++i)
    if (policy.stages[i].segment) cohorts.push_back(*policy.stages[i].segment);
  return cohorts;
}

bool waits_for_approval(const RolloutState& state) {
  return state.phase == Phase::waiting_for_approval ||
         (state.phase == Phase::paused && state.resume_to == Phase::waiting_for_approval);
}

std::optional<std::size_t> served_stage(const RolloutState& state) {
  if (state.phase == Phase::pending) return std::nullopt;
  if (waits_for_approval(state)) {
    if (state.stage == 0) return std::nullopt;
    return state.stage - 1;
  }
  return state.stage;
}

std::vector<std::string> served_cohorts(const Policy& policy, const RolloutState& state) {
  const std::optional<std::size_t> served = served_stage(state);
  return served ? cohorts_through(policy, *served) : std::vector<std::string>{};
}

std::string stage_name(const Policy& policy, std::size_t stage) {
  const PolicyStage& s = policy.stages.at(stage);
  if (s.segment) return "segment " + *s.segment;
  return format_share(stage_share(policy, stage));
}

std::string served_text(const Policy& policy, const RolloutState& state) {
  const std::vector<std::string> cohorts = served_cohorts(policy, state);
  if (cohorts.empty() || state.pause_cause == PauseCause::set_percent)
    return format_share(state.treatment_bp);
  std::string text = "segment " + cohorts.back();
  if (state.treatment_bp > 0) text += " and " + format_share(state.treatment_bp);
  return text;
}

std::string stage_of_text(const Policy& policy, std::size_t stage) {
  return "stage " + std::to_string(stage + 1) + " of " + std::to_string(policy.stages.size()) +
         ", " + stage_name(policy, stage);
}

}  // namespace detail

SplitChange served_split(const Policy& policy, const RolloutState& state) {
  SplitChange split;
  switch (state.phase) {
    case Phase::pending:
      return split;
    case Phase::completed:
      split.treatment_bp = detail::kFullShare;
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
  split.cohorts = detail::served_cohorts(policy, state);
  return split;
}

}  // namespace sluice::rollout
