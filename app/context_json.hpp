#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "sluice/context.hpp"
#include "sluice/value.hpp"

namespace sluice::app {

// JSON to the core's Value (objects keep their key order).
Value value_from_json(const nlohmann::json& json);

// Parses a JSON object into an evaluation context; nullopt and `error` set when it is not one.
std::optional<Context> context_from_json_text(std::string_view text, std::string& error);

}  // namespace sluice::app
