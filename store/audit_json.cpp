#include "audit_json.hpp"

#include <nlohmann/json.hpp>

namespace sluice::store::detail {
namespace {

nlohmann::json definition(const std::string& text) {
  nlohmann::json parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return text;
  return parsed;
}

}  // namespace

std::string audit_json(const FlagRecord& flag) {
  nlohmann::json document{{"key", flag.key},
                          {"definition", definition(flag.definition_json)},
                          {"enabled", flag.enabled},
                          {"archived", flag.archived},
                          {"version", flag.version}};
  // Only when there is one, so the entries of flags without rollouts read as before.
  if (const auto& outcome = flag.rollout_outcome) {
    document["rollout_outcome"] = {{"kind", outcome->kind},
                                   {"rollout_id", outcome->rollout_id},
                                   {"served", definition(outcome->served_json)},
                                   {"at", outcome->at}};
  }
  return document.dump();
}

std::string audit_json(const SegmentRecord& segment) {
  return nlohmann::json{{"key", segment.key},
                        {"definition", definition(segment.definition_json)},
                        {"version", segment.version}}
      .dump();
}

std::string audit_json(const TokenRecord& token) {
  nlohmann::json document{
      {"name", token.name}, {"scope", to_string(token.scope)}, {"created_at", token.created_at}};
  document["revoked_at"] = token.revoked_at ? nlohmann::json(*token.revoked_at) : nullptr;
  return document.dump();
}

}  // namespace sluice::store::detail
