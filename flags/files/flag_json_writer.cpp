// The JSON form of definitions, as the API returns them. It is written so that reading it back
// (read_single_flag_json) gives the same definition: every set field is written, weights in the
// list form (JSON tools do not all keep object key order), operands always as `values`.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sluice/flag_loader.hpp"
#include "sluice/number_json.hpp"

namespace sluice {
namespace {

using Json = nlohmann::ordered_json;

Json value_json(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::Null:
      return nullptr;
    case Value::Kind::Bool:
      return value.as_bool();
    case Value::Kind::Number:
      return number_json(value.as_number());
    case Value::Kind::String:
      return value.as_string();
    case Value::Kind::Array: {
      Json array = Json::array();
      for (const auto& element : value.as_array())
        array.push_back(value_json(element));
      return array;
    }
    case Value::Kind::Object: {
      Json object = Json::object();
      for (const auto& [name, member] : value.as_object())
        object[name] = value_json(member);
      return object;
    }
  }
  return nullptr;
}

Json condition_json(const ConditionDefinition& condition) {
  Json out = Json::object();
  // in_segment needs no attribute; any other op must keep one, even empty, to read back.
  if (!condition.attribute.empty() || condition.op != Operator::InSegment) {
    out["attribute"] = condition.attribute;
  }
  out["op"] = to_string(condition.op);
  Json values = Json::array();
  for (const auto& value : condition.values)
    values.push_back(value_json(value));
  out["values"] = std::move(values);
  if (condition.negate) out["negate"] = true;
  if (condition.case_insensitive) out["case_insensitive"] = true;
  return out;
}

Json conditions_json(const std::vector<ConditionDefinition>& conditions) {
  Json out = Json::array();
  for (const auto& condition : conditions)
    out.push_back(condition_json(condition));
  return out;
}

// Basis points back to the percentage they were written as: 500 -> 5, 3333 -> 33.33.
Json percent_json(std::uint32_t basis_points) {
  if (basis_points % 100 == 0) return basis_points / 100;
  return static_cast<double>(basis_points) / 100.0;
}

Json split_json(const SplitDefinition& split) {
  Json out = Json::object();
  if (split.bucket_by) out["bucket_by"] = *split.bucket_by;
  if (split.salt) out["salt"] = *split.salt;
  Json weights = Json::array();
  for (const auto& weight : split.weights) {
    weights.push_back({{"variant", weight.variant}, {"weight", percent_json(weight.basis_points)}});
  }
  out["weights"] = std::move(weights);
  return out;
}

Json serve_json(const ServeDefinition& serve) {
  Json out = Json::object();
  if (serve.variant) out["variant"] = *serve.variant;
  if (serve.split) out["split"] = split_json(*serve.split);
  return out;
}

Json flag_json(const FlagDefinition& flag) {
  Json out = Json::object();
  out["key"] = flag.key;
  out["description"] = flag.description;
  out["kind"] = to_string(flag.kind);
  out["owner"] = flag.owner;
  out["tags"] = flag.tags;
  if (flag.created) out["created"] = *flag.created;
  if (flag.updated) out["updated"] = *flag.updated;
  Json variants = Json::object();
  for (const auto& variant : flag.variants)
    variants[variant.name] = value_json(variant.value);
  out["variants"] = std::move(variants);
  out["enabled"] = flag.enabled;
  out["off_variant"] = flag.off_variant;
  if (flag.bucket_by) out["bucket_by"] = *flag.bucket_by;
  if (flag.salt) out["salt"] = *flag.salt;
  Json prerequisites = Json::array();
  for (const auto& prerequisite : flag.prerequisites) {
    prerequisites.push_back({{"flag", prerequisite.flag}, {"variants", prerequisite.variants}});
  }
  out["prerequisites"] = std::move(prerequisites);
  Json rules = Json::array();
  for (const auto& rule : flag.rules) {
    Json json_rule = Json::object();
    if (!rule.name.empty()) json_rule["name"] = rule.name;
    if (!rule.segments.empty()) json_rule["segments"] = rule.segments;
    if (!rule.conditions.empty()) json_rule["conditions"] = conditions_json(rule.conditions);
    json_rule["serve"] = serve_json(rule.serve);
    rules.push_back(std::move(json_rule));
  }
  out["rules"] = std::move(rules);
  out["default"] = serve_json(flag.fallthrough);
  return out;
}

Json segment_json(const SegmentDefinition& segment) {
  Json out = Json::object();
  out["key"] = segment.key;
  out["description"] = segment.description;
  out["attribute"] = segment.attribute;
  out["ids"] = segment.ids;
  out["conditions"] = conditions_json(segment.conditions);
  return out;
}

// Invalid UTF-8 in a YAML string must not make the API throw: it is replaced, not rejected.
std::string dump(const Json& json) {
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

std::string flag_to_json(const FlagDefinition& flag) {
  return dump(flag_json(flag));
}

std::string segment_to_json(const SegmentDefinition& segment) {
  return dump(segment_json(segment));
}

}  // namespace sluice
