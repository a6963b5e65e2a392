#pragma once

#include <string>
#include <string_view>
#include <vector>

// The notification event kinds: the rollout controller's (started ... metrics_unavailable) and
// the flag's own (kill_switch, revived). Names as in the outbox and the webhook's `type`.
namespace sluice::notify {

const std::vector<std::string_view>& event_kinds();
bool is_event_kind(std::string_view name);
std::string event_kinds_text();  // "started, advanced, ...", for error messages
// A short headline verb phrase: "Rolled back", "Kill switch on".
std::string event_title(std::string_view kind);
// kill_switch and revived are about a flag, not a rollout.
bool is_flag_event(std::string_view kind);

}  // namespace sluice::notify
