#pragma once

#include <chrono>
#include <optional>
#include <string>

// Times the remote subcommands read and write: the API's RFC 3339 timestamps, and `--since`.
namespace sluice::app {

using SystemTime = std::chrono::system_clock::time_point;

// "2026-11-21T10:27:20.000Z" or with an offset ("+02:00"); fractions are optional.
std::optional<SystemTime> parse_rfc3339(const std::string& text);
// UTC, whole seconds: "2026-11-21T10:27:20Z".
std::string format_rfc3339(SystemTime at);
// `--since`: an RFC 3339 time as given, or a duration ("90s", "30m", "2h", "7d", "1w", or
// combined "1h30m") meaning that long before `now`, as RFC 3339. Nothing when it is neither.
std::optional<std::string> since_to_rfc3339(const std::string& since, SystemTime now);

}  // namespace sluice::app
