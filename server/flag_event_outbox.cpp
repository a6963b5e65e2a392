#include "flag_event_outbox.hpp"

#include <nlohmann/json.hpp>

namespace sluice::server {

using Json = nlohmann::ordered_json;

std::string_view flag_event_kind(bool enabled) {
  return enabled ? "revived" : "kill_switch";
}

store::FlagOutbox flag_event_outbox(std::vector<std::string> targets, std::string actor,
                                    std::string reason) {
  if (targets.empty()) return {};
  return [targets = std::move(targets), actor = std::move(actor), reason = std::move(reason)](
             const store::FlagRecord& before,
             const store::FlagRecord& after) -> std::vector<store::OutboxRecord> {
    if (before.enabled == after.enabled) return {};
    const std::string event(flag_event_kind(after.enabled));
    const std::string event_id =
        "flag/" + after.key + "/version/" + std::to_string(after.version) + "/" + event;
    Json payload = {{"event", event}, {"flag", after.key},      {"enabled", after.enabled},
                    {"actor", actor}, {"at", after.updated_at}, {"version", after.version}};
    if (!reason.empty()) payload["reason"] = reason;
    return store::outbox_rows(
        {event_id, event, after.key, std::nullopt, payload.dump(), after.updated_at}, targets);
  };
}

std::vector<std::string> policy_notify_targets(std::string_view policy_json) {
  const Json policy = Json::parse(policy_json, nullptr, /*allow_exceptions=*/false);
  std::vector<std::string> targets;
  if (!policy.is_object()) return targets;
  auto notify = policy.find("notify");
  if (notify == policy.end() || !notify->is_array()) return targets;
  for (const Json& name : *notify)
    if (name.is_string()) targets.push_back(name.get<std::string>());
  return targets;
}

}  // namespace sluice::server
