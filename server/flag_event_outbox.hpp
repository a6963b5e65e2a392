#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sluice/store/store.hpp"

namespace sluice::server {

// The notifications of a kill switch pulled or released: one outbox row per target, built inside
// the store's write (the flag's new version makes the event id "flag/KEY/version/V/kill_switch"),
// so the alert is enqueued with the change or not at all. A kill of a flag already off changes
// nothing served and tells no one.
store::FlagOutbox flag_event_outbox(std::vector<std::string> targets, std::string actor,
                                    std::string reason);

// The event kind of a kill (false) or revive (true).
std::string_view flag_event_kind(bool enabled);

// The `notify:` targets of a rollout's policy as the store keeps it (policy_to_json); none when
// the JSON has no such list.
std::vector<std::string> policy_notify_targets(std::string_view policy_json);

}  // namespace sluice::server
