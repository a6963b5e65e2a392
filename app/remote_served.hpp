#pragma once

// What a flag serves, as the CLI shows it (GET /v1/flags/{key}/served): the served default and
// why, and whether a file's default is stale because a finished rollout serves something else.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "remote_client.hpp"

namespace sluice::app {

// The body of GET /v1/flags/{key}/served, or null when the server does not have it (an older
// server, an archived flag).
nlohmann::ordered_json fetch_served(const RemoteClient& client, const std::string& key);

// "old 10% / new 90%", "new to everyone": a default serve (the flag format's JSON) in words.
std::string serve_text(const nlohmann::ordered_json& serve);

// When a finished rollout serves other than `file_default`: "the file says old 10% / new 90%;
// the rollout of checkout-v2 (3) completed on ... and serves new to everyone: update the file".
std::optional<std::string> drift_text(const nlohmann::ordered_json& served,
                                      const nlohmann::ordered_json& file_default);

}  // namespace sluice::app
