#pragma once

// What a flag serves, as every surface shows it (issue 12): the definition's default, or the
// split of its active rollout, or the outcome of its last finished rollout (runtime state of the
// flag, store::RolloutOutcome). The served default is read from the published snapshot, which is
// what evaluation uses, so the API cannot disagree with an evaluation.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "sluice/snapshot.hpp"
#include "sluice/store/records.hpp"
#include "sluice/store/rollout_records.hpp"

namespace sluice::server {

// Whether `new_json` serves a different default (variant or split) than `stored_json` (both as
// flag_to_json writes them). An unreadable stored definition counts as different.
bool changes_default(std::string_view stored_json, std::string_view new_json);

// "old 10% / new 90%", "new to everyone": a default serve (the flag format's JSON) in words.
std::string serve_text(const nlohmann::ordered_json& serve);

// "the rollout of checkout-v2 completed on 2026-03-01T12:00:00.000Z and serves new to everyone"
std::string outcome_text(std::string_view flag, const store::RolloutOutcome& outcome,
                         const nlohmann::ordered_json& served_default);

// The answer to a write that would change what a finished rollout decided (409).
std::string overrides_rollout_message(std::string_view flag, const store::RolloutOutcome& outcome,
                                      const nlohmann::ordered_json& served_default);

struct ServedView {
  // {"default", "text", "source": definition | rollout | rollout_outcome | kill_switch,
  // "rollout"?: {"id", "phase", "at"?}}
  nlohmann::ordered_json served;
  // Files mode, when a finished rollout serves other than the file says: {"file", "served",
  // "reason", "message"}. Null otherwise.
  nlohmann::ordered_json drift;
};

// `served`: the flag as the published snapshot serves it (null before the first load);
// `active`: the flag's active rollout, if any; `files_managed`: definitions come from
// --flags-dir.
ServedView served_view(const store::FlagRecord& record, const FlagDefinition* served,
                       const store::RolloutRecord* active, bool files_managed);

// The flag `key` of the published snapshot, or null.
const FlagDefinition* find_served_flag(const Snapshot* snapshot, std::string_view key);

}  // namespace sluice::server
