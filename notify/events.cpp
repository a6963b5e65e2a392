#include "sluice/notify/events.hpp"

#include <algorithm>

namespace sluice::notify {

const std::vector<std::string_view>& event_kinds() {
  static const std::vector<std::string_view> kinds{
      "started", "advanced",        "awaiting_approval",   "approved",
      "paused",  "resumed",         "rolled_back",         "completed",
      "aborted", "manual_override", "metrics_unavailable", "kill_switch",
      "revived"};
  return kinds;
}

bool is_event_kind(std::string_view name) {
  const auto& kinds = event_kinds();
  return std::find(kinds.begin(), kinds.end(), name) != kinds.end();
}

std::string event_kinds_text() {
  std::string out;
  for (auto kind : event_kinds())
    out += (out.empty() ? "" : ", ") + std::string(kind);
  return out;
}

std::string event_title(std::string_view kind) {
  if (kind == "started") return "Rollout started";
  if (kind == "advanced") return "Advanced";
  if (kind == "awaiting_approval") return "Awaiting approval";
  if (kind == "approved") return "Approved";
  if (kind == "paused") return "Paused";
  if (kind == "resumed") return "Resumed";
  if (kind == "rolled_back") return "Rolled back";
  if (kind == "completed") return "Completed";
  if (kind == "aborted") return "Aborted";
  if (kind == "manual_override") return "Manual override";
  if (kind == "metrics_unavailable") return "Metrics unavailable";
  if (kind == "kill_switch") return "Kill switch on";
  if (kind == "revived") return "Revived";
  return std::string(kind);
}

bool is_flag_event(std::string_view kind) {
  return kind == "kill_switch" || kind == "revived";
}

}  // namespace sluice::notify
