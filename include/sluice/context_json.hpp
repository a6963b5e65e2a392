#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "sluice/context.hpp"
#include "sluice/value.hpp"

namespace sluice {

// JSON to the core's Value (objects keep their key order).
Value value_from_json(const nlohmann::json& json);

// A JSON object as an evaluation context; nullopt and `error` set when it is not an object.
std::optional<Context> context_from_json(const nlohmann::json& json, std::string& error);

// Parses JSON text into an evaluation context; nullopt and `error` set when it is not an object.
std::optional<Context> context_from_json_text(std::string_view text, std::string& error);

}  // namespace sluice
