#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "remote_time.hpp"

// How `sluice rollout status` and `watch` draw a rollout (`GET /v1/rollouts/{flag}` with its
// `last_decision`), like `kubectl argo rollouts get rollout`.
namespace sluice::app {

// The phase with its symbol: "✔ completed", "◌ progressing", ...
std::string phase_text(const std::string& phase);
// True for completed, rolled_back and aborted: no command or decision follows.
bool phase_is_final(const std::string& phase);
// The whole picture, several lines ending with a newline. `now` gives the time in the stage.
// `judged` is the latest decision that judged metrics (its checks are shown); null when the last
// decision did, or when there is none.
std::string render_rollout(const nlohmann::ordered_json& rollout, SystemTime now,
                           const nlohmann::ordered_json& judged = nullptr);
// True when the decision carries checks (it judged metrics).
bool has_checks(const nlohmann::ordered_json& decision);
// "progressing 1 5%" for a decision's `from` or `to`.
std::string decision_point_text(const nlohmann::ordered_json& point);

}  // namespace sluice::app
