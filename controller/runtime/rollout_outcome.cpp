#include "rollout_outcome.hpp"

#include <nlohmann/json.hpp>

#include "sluice/rollout_split.hpp"
#include "sluice/store/clock.hpp"

namespace sluice::controller {

std::optional<store::RolloutOutcome> rollout_outcome(std::int64_t rollout_id, const Policy& policy,
                                                     const rollout::Decision& decision) {
  if (!decision.next.terminal()) return std::nullopt;
  RolloutSplit split{policy.flag,
                     policy.treatment,
                     policy.control,
                     policy.bucket_by,
                     rollout::served_split(policy, decision.next),
                     {}};
  return store::RolloutOutcome{std::string(rollout::to_string(decision.next.phase)), rollout_id,
                               served_split_json(split), store::format_rfc3339_ms(decision.at)};
}

std::optional<RolloutSplit> served_by_outcome(std::string_view flag,
                                              const store::RolloutOutcome& outcome) {
  const auto json = nlohmann::json::parse(outcome.served_json, nullptr, false);
  if (!json.is_object()) return std::nullopt;
  try {
    RolloutSplit split;
    split.flag = flag;
    split.treatment = json.at("treatment").get<std::string>();
    split.control = json.at("control").get<std::string>();
    if (json.contains("bucket_by") && json["bucket_by"].is_string())
      split.bucket_by = json["bucket_by"].get<std::string>();
    split.split.treatment_bp = json.at("treatment_bp").get<std::uint32_t>();
    split.split.control_to_all = json.value("control_to_all", false);
    split.split.cohorts = json.value("cohorts", std::vector<std::string>{});
    split.source = "the rollout of " + std::string(flag) + " (" + outcome.kind + " on " +
                   outcome.at + "; rollout " + std::to_string(outcome.rollout_id) + ")";
    return split;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

std::string served_split_json(const RolloutSplit& split) {
  nlohmann::ordered_json json{{"treatment", split.treatment},
                              {"control", split.control},
                              {"treatment_bp", split.split.treatment_bp},
                              {"cohorts", split.split.cohorts},
                              {"control_to_all", split.split.control_to_all}};
  json["bucket_by"] = split.bucket_by ? nlohmann::ordered_json(*split.bucket_by) : nullptr;
  return json.dump();
}

}  // namespace sluice::controller
