#pragma once

// Private to the rollout state machine (rollout_*.cpp): what is served, the state transitions
// every decision is built from, and the words for stages. One definition of each.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sluice/rollout.hpp"

namespace sluice::rollout::detail {

inline constexpr std::uint32_t kFullShare = 10000;
// A `metrics_unavailable` notification goes out when this many consecutive ticks had no data.
inline constexpr std::uint32_t kMetricsUnavailableAfter = 3;

// ---- What is served (rollout_split.cpp) -------------------------------------------------

std::uint32_t stage_share(const Policy& policy, std::size_t stage);
// Cohort stages come first and stay included in every later stage.
std::vector<std::string> cohorts_through(const Policy& policy, std::size_t stage);
// Waiting for approval, or paused while waiting.
bool waits_for_approval(const RolloutState& state);
// The stage whose split is served, if any: none before the start or while waiting to enter
// stage 1; the previous stage while waiting to enter a later one.
std::optional<std::size_t> served_stage(const RolloutState& state);
// The cohorts of the served stage (none if no stage is served).
std::vector<std::string> served_cohorts(const Policy& policy, const RolloutState& state);

// ---- Words for stages (rollout_split.cpp) -----------------------------------------------

std::string stage_name(const Policy& policy, std::size_t stage);  // "5%", "segment beta"
// What is served, in words: `5%`, `segment beta`, `segment beta and 5%`.
std::string served_text(const Policy& policy, const RolloutState& state);
std::string stage_of_text(const Policy& policy, std::size_t stage);  // "stage 2 of 4, 5%"

// ---- Transitions (rollout_transitions.cpp) ----------------------------------------------

// A decision of `kind` whose next state is `state` one sequence on.
Decision begin(DecisionKind kind, const RolloutState& state, TimePoint now, std::string actor,
               std::string reason);
void clear_pause(RolloutState& s);
void enter_stage(const Policy& policy, Decision& d, std::size_t stage, TimePoint now);
void enter_waiting(const Policy& policy, Decision& d, std::size_t stage, TimePoint now);
void enter_pause(Decision& d, PauseCause cause, const std::string& by, const std::string& why,
                 TimePoint now);
void enter_rolled_back(Decision& d);
// Resume (a person's or automatic): back to the stage, restarted, at the stage's own share.
void resume_into(const Policy& policy, Decision& d, TimePoint now);

}  // namespace sluice::rollout::detail
