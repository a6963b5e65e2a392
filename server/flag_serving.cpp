#include "flag_serving.hpp"

#include "sluice/flag_loader.hpp"

namespace sluice::server {
namespace {

using Json = nlohmann::ordered_json;

Json default_of(std::string_view definition_json) {
  Json parsed = Json::parse(definition_json, nullptr, false);
  if (!parsed.is_object()) return nullptr;
  return parsed.value("default", Json());
}

// Weights are written as the percentages people wrote (5, 33.33).
std::string percent_text(const Json& weight) {
  return weight.dump() + "%";
}

std::string day_of(const std::string& at) {
  return at.size() >= 10 ? at.substr(0, 10) : at;
}

std::string outcome_verb(const std::string& kind) {
  if (kind == "rolled_back") return "was rolled back";
  if (kind == "aborted") return "was aborted";
  return kind;  // completed
}

}  // namespace

bool changes_default(std::string_view stored_json, std::string_view new_json) {
  const Json stored = default_of(stored_json);
  return stored.is_null() || stored != default_of(new_json);
}

std::string serve_text(const Json& serve) {
  if (!serve.is_object()) return "-";
  if (serve.contains("variant")) return serve["variant"].get<std::string>() + " to everyone";
  if (!serve.contains("split")) return serve.dump();
  std::string text;
  for (const auto& weight : serve["split"].value("weights", Json::array())) {
    if (!text.empty()) text += " / ";
    text += weight.value("variant", std::string()) + " " +
            percent_text(weight.value("weight", Json(0)));
  }
  return text;
}

std::string outcome_text(std::string_view flag, const store::RolloutOutcome& outcome,
                         const Json& served_default) {
  return "the rollout of " + std::string(flag) + " (" + std::to_string(outcome.rollout_id) + ") " +
         outcome_verb(outcome.kind) + " on " + outcome.at + " and serves " +
         serve_text(served_default);
}

std::string overrides_rollout_message(std::string_view flag, const store::RolloutOutcome& outcome,
                                      const Json& served_default) {
  return outcome_text(flag, outcome, served_default) +
         "; this write changes the default and would replace that. Send it with "
         "?override_rollout=true (sluice flags apply --override-rollout) if that is what you mean, "
         "or keep the default as it is stored";
}

const FlagDefinition* find_served_flag(const Snapshot* snapshot, std::string_view key) {
  if (!snapshot) return nullptr;
  for (const auto& flag : snapshot->definitions().flags) {
    if (flag.key == key) return &flag;
  }
  return nullptr;
}

ServedView served_view(const store::FlagRecord& record, const FlagDefinition* served_definition,
                       const store::RolloutRecord* active, bool files_managed) {
  ServedView view;
  const Json served = served_definition ? default_of(flag_to_json(*served_definition)) : Json();
  const Json written = default_of(record.definition_json);
  const Json shown = served.is_null() ? written : served;
  view.served = {{"default", shown}, {"text", serve_text(shown)}};
  view.drift = nullptr;
  if (!record.enabled) {
    // The kill switch wins over the definition and any rollout.
    const Json definition = Json::parse(record.definition_json, nullptr, false);
    const std::string off = definition.is_object() ? definition.value("off_variant", "") : "";
    view.served = {{"default", {{"variant", off}}},
                   {"text", off + " to everyone (killed)"},
                   {"source", "kill_switch"}};
    return view;
  }
  if (active) {
    view.served["source"] = "rollout";
    view.served["rollout"] = {{"id", active->id}, {"phase", active->phase}};
    view.served["text"] =
        serve_text(shown) + " (rollout " + std::to_string(active->id) + ", " + active->phase + ")";
    return view;
  }
  const auto& outcome = record.rollout_outcome;
  if (!outcome) {
    view.served["source"] = "definition";
    return view;
  }
  view.served["source"] = "rollout_outcome";
  view.served["rollout"] = {
      {"id", outcome->rollout_id}, {"phase", outcome->kind}, {"at", outcome->at}};
  view.served["text"] = serve_text(shown) + " (the rollout " + outcome_verb(outcome->kind) +
                        " on " + day_of(outcome->at) + ")";
  if (files_managed && written != shown) {
    view.drift = {{"file", written},
                  {"served", shown},
                  {"reason", outcome_text(record.key, *outcome, shown)},
                  {"message", "the file says " + serve_text(written) + "; the rollout " +
                                  outcome_verb(outcome->kind) + " on " + outcome->at +
                                  " and serves " + serve_text(shown) + ": update the file"}};
  }
  return view;
}

}  // namespace sluice::server
