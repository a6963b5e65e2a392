#include "sluice/context_json.hpp"

#include <nlohmann/json.hpp>
#include <string>

#include "sluice/json_text_check.hpp"

namespace sluice {

Value value_from_json(const nlohmann::json& json) {
  switch (json.type()) {
    case nlohmann::json::value_t::boolean:
      return Value(json.get<bool>());
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      return Value(json.get<double>());
    case nlohmann::json::value_t::string:
      return Value(json.get_ref<const std::string&>());
    case nlohmann::json::value_t::array: {
      Value::Array array;
      array.reserve(json.size());
      for (const auto& element : json)
        array.push_back(value_from_json(element));
      return Value(std::move(array));
    }
    case nlohmann::json::value_t::object: {
      Value::Object object;
      object.reserve(json.size());
      for (const auto& [key, member] : json.items())
        object.emplace_back(key, value_from_json(member));
      return Value(std::move(object));
    }
    default:
      return Value();
  }
}

std::optional<Context> context_from_json(const nlohmann::json& json, std::string& error) {
  if (!json.is_object()) {
    error = "context must be a JSON object";
    return std::nullopt;
  }
  std::vector<Context::Attribute> attributes;
  attributes.reserve(json.size());
  for (const auto& [key, member] : json.items())
    attributes.emplace_back(key, value_from_json(member));
  return Context(std::move(attributes));
}

std::optional<Context> context_from_json_text(std::string_view text, std::string& error) {
  // value_from_json recurses once per level.
  if (const auto check = check_json_text(text, kMaxRequestJsonDepth); !check.ok()) {
    error = "context " + describe(check.problem, kMaxRequestJsonDepth);
    return std::nullopt;
  }
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    error = "context is not valid JSON";
    return std::nullopt;
  }
  return context_from_json(json, error);
}

}  // namespace sluice
