#include "rollout_history.hpp"

#include "rollout_json.hpp"

namespace sluice::controller {
namespace {

// The window JSON is our own (numbers and "+Inf" only, no user text), and window_to_json never
// writes this member: it is always the last one, appended here, so it is found and spliced as
// text without parsing the window (a tick of 10,000 rollouts does this for each).
constexpr std::string_view kMember = ",\"anomaly_stages\":";

std::string_view raw_member(std::string_view window_json) {
  const std::size_t at = window_json.rfind(kMember);
  if (at == std::string_view::npos || window_json.empty() || window_json.back() != '}') return {};
  return window_json.substr(at + kMember.size(), window_json.size() - 1 - (at + kMember.size()));
}

std::string_view without_member(std::string_view window_json) {
  const std::size_t at = window_json.rfind(kMember);
  if (at == std::string_view::npos) return window_json;
  return window_json.substr(0, at);  // without the closing brace
}

}  // namespace

std::vector<anomaly::StageFeatures> stage_features_of(std::string_view window_json) {
  const std::string_view raw = raw_member(window_json);
  if (raw.empty()) return {};
  auto parsed = anomaly::stages_from_json(raw);
  if (!parsed.ok()) return {};
  return std::move(*parsed.value);
}

std::string with_stage_features(std::string_view window_json, std::string_view stages_json) {
  std::string out;
  std::string_view base = without_member(window_json);
  if (base.size() == window_json.size()) {  // no member: drop the closing brace
    if (base.empty() || base.back() != '}') return std::string(window_json);
    base.remove_suffix(1);
  }
  if (stages_json.empty()) return std::string(base) + "}";
  out.reserve(base.size() + kMember.size() + stages_json.size() + 1);
  out.append(base).append(kMember).append(stages_json).push_back('}');
  return out;
}

std::string carry_stage_features(std::string_view from, std::string to) {
  const std::string_view raw = raw_member(from);
  if (raw.empty()) return to;
  return with_stage_features(to, raw);
}

std::optional<store::RolloutHistoryRecord> history_record(const store::RolloutRecord& record,
                                                          const rollout::Decision& decision) {
  if (!decision.next.terminal()) return std::nullopt;
  const std::optional<anomaly::Outcome> outcome = anomaly::outcome_of(decision);
  if (!outcome) return std::nullopt;
  const std::vector<anomaly::StageFeatures> stages = stage_features_of(record.window_json);
  store::RolloutHistoryRecord row;
  row.key = "rollout/" + std::to_string(record.id);
  row.rollout_id = record.id;
  row.flag = record.flag;
  row.outcome = std::string(anomaly::to_string(*outcome));
  row.source = "controller";
  row.started_at = record.created_at;
  row.finished_at = rfc3339(decision.at);
  row.stages_json = anomaly::stages_to_json(stages);
  return row;
}

decltype(DecisionWriteHooks::history) history_hook() {
  return [](const store::RolloutRecord& record, const Policy&, const rollout::Decision& decision) {
    return history_record(record, decision);
  };
}

}  // namespace sluice::controller
