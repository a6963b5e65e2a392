#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "sluice/notify/settings.hpp"

// The delivery worker's text helpers: times as the store writes them, ages as settings spell
// them, and the redaction that keeps a target's URL and secret out of every error.
namespace sluice::notify::detail {

// The store's canonical RFC 3339 ("2024-05-01T12:00:00.123Z") to a time point.
std::optional<std::chrono::system_clock::time_point> parse_time(const std::string& text);

// "24h", "90m", "45s".
std::string format_age(std::chrono::seconds age);

// Belt and braces: whatever a receiver or a library put in an error, the target's URL (and its
// path alone) and secret never reach last_error, logs or the API.
std::string redact(std::string text, const Target& target);

}  // namespace sluice::notify::detail
