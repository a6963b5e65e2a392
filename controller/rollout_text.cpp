// Names of the rollout state machine's enums; its public number formats (text_format.hpp's,
// through sluice/rollout.hpp and sluice/count_format.hpp).

#include <array>
#include <utility>

#include "sluice/count_format.hpp"
#include "sluice/rollout.hpp"
#include "text_format.hpp"

namespace sluice::rollout {
namespace {

template <typename E, std::size_t N>
std::optional<E> parse_name(const std::array<std::pair<E, std::string_view>, N>& names,
                            std::string_view text) {
  for (const auto& [value, name] : names)
    if (name == text) return value;
  return std::nullopt;
}

template <typename E, std::size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& names, E value) {
  for (const auto& [v, name] : names)
    if (v == value) return name;
  return "unknown";
}

constexpr std::array<std::pair<Phase, std::string_view>, 7> kPhases{{
    {Phase::pending, "pending"},
    {Phase::progressing, "progressing"},
    {Phase::paused, "paused"},
    {Phase::waiting_for_approval, "waiting_for_approval"},
    {Phase::completed, "completed"},
    {Phase::rolled_back, "rolled_back"},
    {Phase::aborted, "aborted"},
}};

constexpr std::array<std::pair<PauseCause, std::string_view>, 5> kCauses{{
    {PauseCause::none, "none"},
    {PauseCause::warning, "warning"},
    {PauseCause::no_data, "no_data"},
    {PauseCause::manual, "manual"},
    {PauseCause::set_percent, "set_percent"},
}};

constexpr std::array<std::pair<DecisionKind, std::string_view>, 13> kDecisions{{
    {DecisionKind::none, "none"},
    {DecisionKind::start, "start"},
    {DecisionKind::hold, "hold"},
    {DecisionKind::advance, "advance"},
    {DecisionKind::wait_for_approval, "wait_for_approval"},
    {DecisionKind::approve, "approve"},
    {DecisionKind::pause, "pause"},
    {DecisionKind::resume, "resume"},
    {DecisionKind::promote, "promote"},
    {DecisionKind::set_percent, "set_percent"},
    {DecisionKind::rollback, "rollback"},
    {DecisionKind::complete, "complete"},
    {DecisionKind::abort, "abort"},
}};

constexpr std::array<std::pair<EventKind, std::string_view>, 11> kEvents{{
    {EventKind::started, "started"},
    {EventKind::advanced, "advanced"},
    {EventKind::awaiting_approval, "awaiting_approval"},
    {EventKind::approved, "approved"},
    {EventKind::paused, "paused"},
    {EventKind::resumed, "resumed"},
    {EventKind::rolled_back, "rolled_back"},
    {EventKind::completed, "completed"},
    {EventKind::aborted, "aborted"},
    {EventKind::manual_override, "manual_override"},
    {EventKind::metrics_unavailable, "metrics_unavailable"},
}};

constexpr std::array<std::pair<CommandKind, std::string_view>, 7> kCommands{{
    {CommandKind::pause, "pause"},
    {CommandKind::resume, "resume"},
    {CommandKind::promote, "promote"},
    {CommandKind::rollback, "rollback"},
    {CommandKind::abort, "abort"},
    {CommandKind::approve, "approve"},
    {CommandKind::set_percent, "set_percent"},
}};

}  // namespace

std::string_view to_string(Phase phase) {
  return name_of(kPhases, phase);
}
std::string_view to_string(PauseCause cause) {
  return name_of(kCauses, cause);
}
std::string_view to_string(DecisionKind kind) {
  return name_of(kDecisions, kind);
}
std::string_view to_string(EventKind kind) {
  return name_of(kEvents, kind);
}
std::string_view to_string(CommandKind kind) {
  return name_of(kCommands, kind);
}
std::optional<Phase> parse_phase(std::string_view text) {
  return parse_name(kPhases, text);
}
std::optional<PauseCause> parse_pause_cause(std::string_view text) {
  return parse_name(kCauses, text);
}
std::optional<DecisionKind> parse_decision_kind(std::string_view text) {
  return parse_name(kDecisions, text);
}
std::optional<CommandKind> parse_command_kind(std::string_view text) {
  return parse_name(kCommands, text);
}

std::string format_share(std::uint32_t basis_points) {
  return text_format::share_text(basis_points);
}

std::string format_elapsed(std::chrono::milliseconds elapsed) {
  return text_format::elapsed_text(elapsed);
}

}  // namespace sluice::rollout

namespace sluice {

std::string format_count(std::uint64_t count) {
  return text_format::thousands_text(count);
}

}  // namespace sluice
