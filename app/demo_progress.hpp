#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "server_child.hpp"
#include "sluice/policy.hpp"
#include "traffic_http.hpp"

// `sluice demo`'s view of its rollouts: what it reads from the API, the progress line printed
// per decision and the summary at the end.
namespace sluice::app {

using Json = nlohmann::json;

// A rollout the demo started and follows.
struct Tracked {
  Policy policy;
  double started_at = 0;  // seconds since the demo's clock started
  std::optional<double> ended_at;
  std::int64_t sequence = -1;
  Json last = Json::object();
};

// GET `target` with the token: the JSON answer, or nothing (and `error` set) when there is none.
std::optional<Json> get_json(KeepAliveConnection& api, const std::string& target,
                             const std::string& token, std::string* error = nullptr);

// "42s", "3m05s" (rounded to the second; remote_output.hpp's duration_text truncates)
std::string elapsed_text(double seconds);

// The rollout view's string field `key`; "" when absent.
std::string string_of(const Json& j, const char* key);

// One progress line: where the rollout is, what it serves, what the controller saw and said.
std::string progress_line(double elapsed, std::size_t width, const Json& rollout);

// Completed, rolled back or aborted.
bool terminal(const std::string& phase);

// Per rollout: its phase, how long it took, its decisions by kind and the sentences of those
// that are not holds (read from the API).
void print_rollout_summaries(KeepAliveConnection& api, const std::string& token,
                             const std::vector<Tracked>& rollouts, std::size_t width, double now);

enum class Watched { all_ended, interrupted, timed_out, server_died };

// Prints a line per decision (`elapsed`: seconds since the demo's clock started) until every
// rollout has ended, a signal arrives, the server stops or `timeout_seconds` have passed.
Watched watch_rollouts(KeepAliveConnection& api, const std::string& token,
                       std::vector<Tracked>& rollouts, std::size_t width, ServerChild& server,
                       const sigset_t& signals, double timeout_seconds,
                       const std::function<double()>& elapsed);

}  // namespace sluice::app
