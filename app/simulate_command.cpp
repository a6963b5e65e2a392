// `sluice simulate`: many rollouts of one policy in virtual time on synthetic traffic, through the
// real state machine and judge (or a Flagger-style baseline), summarised as one JSON object.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "../controller/simulation.hpp"
#include "commands.hpp"
#include "simulation_json.hpp"
#include "sluice/policy_loader.hpp"

namespace sluice::app {
namespace {

using Json = nlohmann::ordered_json;

// A number as "%.10g" writes it: ten significant digits, whole numbers without a fraction.
Json number(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e10) return static_cast<long long>(v);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.10g", v);
  return std::strtod(buffer, nullptr);
}

Json number(const std::optional<double>& v) {
  return v ? number(*v) : Json(nullptr);
}

}  // namespace

std::string simulation_json(const Policy& policy, const simulation::Scenario& scenario,
                            const simulation::Summary& s) {
  using simulation::Judge;
  const double runs = s.runs == 0 ? 1.0 : static_cast<double>(s.runs);
  Json j = Json::object();
  j["flag"] = policy.flag;
  j["judge"] = scenario.judge == Judge::flagger ? "flagger" : "sluice";
  j["traffic_rps"] = number(scenario.requests_per_second);
  j["base_error"] = number(scenario.base_error_rate);
  j["error_multiplier"] = number(scenario.error_multiplier);
  j["latency_multiplier"] = number(scenario.latency_multiplier);
  j["seed"] = scenario.seed;
  j["interval_seconds"] = policy.interval.count();
  j["max_seconds"] = simulation::max_seconds_for(policy, scenario);
  if (scenario.judge == Judge::flagger) {
    j["flagger_threshold"] = number(scenario.flagger_threshold_factor * scenario.base_error_rate);
    j["flagger_failed_checks"] = scenario.flagger_failed_checks;
  }
  if (scenario.shape != simulation::Shape::none)
    j["shape"] = std::string(simulation::to_string(scenario.shape));
  if (scenario.history > 0 || scenario.anomaly) {
    j["anomaly"] = scenario.anomaly;
    j["history"] = s.history;
    j["history_completed"] = s.history_completed;
  }
  j["runs"] = s.runs;
  j["rolled_back"] = s.rolled_back;
  j["completed"] = s.completed;
  j["paused"] = s.paused;
  j["unfinished"] = s.unfinished;
  j["aborted"] = s.aborted;
  j["rollback_rate"] = number(static_cast<double>(s.rolled_back) / runs);
  j["detection_rate"] = number(static_cast<double>(s.runs - s.completed) / runs);
  if (scenario.anomaly) {
    j["rolled_back_by_anomaly"] = s.rolled_back_by_anomaly;
    j["paused_by_anomaly"] = s.paused_by_anomaly;
  }
  j["seconds_to_rollback_p50"] = number(s.seconds_to_rollback_p50);
  j["seconds_to_rollback_p95"] = number(s.seconds_to_rollback_p95);
  j["seconds_to_complete_p50"] = number(s.seconds_to_complete_p50);
  j["seconds_to_complete_p95"] = number(s.seconds_to_complete_p95);
  j["rolled_back_at_stage"] = s.rolled_back_at_stage;
  j["intervals_judged"] = s.steps;
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

int run_simulate(const SimulateOptions& options) {
  PolicyLoadResult loaded = load_policy_paths({options.policy_path});
  Diagnostics problems = std::move(loaded.diagnostics);
  if (problems.empty()) problems = check_policies(loaded.policies, nullptr);
  if (problems.empty() && loaded.policies.size() != 1) {
    std::fprintf(stderr, "%s: expected exactly one policy, found %zu\n",
                 options.policy_path.c_str(), loaded.policies.size());
    return kExitInvalid;
  }
  if (!problems.empty()) {
    for (const auto& diagnostic : problems)
      std::fprintf(stderr, "%s\n", diagnostic.format().c_str());
    return kExitInvalid;
  }
  if (!(options.traffic > 0) || !(options.base_error >= 0 && options.base_error <= 1) ||
      !(options.error_multiplier >= 0) || !(options.latency_multiplier > 0)) {
    std::fprintf(stderr,
                 "--traffic and --latency-multiplier must be positive, --base-error within "
                 "[0, 1], --error-multiplier not negative\n");
    return kExitUsage;
  }
  const Policy& policy = loaded.policies.front();
  simulation::Scenario scenario;
  scenario.requests_per_second = options.traffic;
  scenario.base_error_rate = options.base_error;
  scenario.error_multiplier = options.error_multiplier;
  scenario.latency_multiplier = options.latency_multiplier;
  scenario.runs = options.runs;
  scenario.seed = options.seed;
  scenario.judge =
      options.baseline == "flagger" ? simulation::Judge::flagger : simulation::Judge::sluice;
  scenario.shape = simulation::parse_shape(options.shape).value_or(simulation::Shape::none);
  scenario.anomaly = options.anomaly == "on";
  scenario.history = options.history;
  if (scenario.anomaly && !policy.anomaly_enabled()) {
    std::fprintf(stderr, "--anomaly on needs a policy with an enabled `anomaly:` block\n");
    return kExitUsage;
  }
  const simulation::Summary summary = simulation::simulate(policy, scenario);
  if (options.json) {
    std::printf("%s\n", simulation_json(policy, scenario, summary).c_str());
    return kExitOk;
  }
  auto seconds = [](const std::optional<double>& v) {
    return v ? std::to_string(static_cast<long long>(*v)) + "s" : std::string("-");
  };
  std::printf("%s, %s judge, %u runs: %u rolled back, %u completed, %u paused, %u unfinished\n",
              policy.flag.c_str(),
              scenario.judge == simulation::Judge::flagger ? "flagger-style" : "sluice",
              summary.runs, summary.rolled_back, summary.completed, summary.paused,
              summary.unfinished);
  if (scenario.anomaly || scenario.history > 0)
    std::printf(
        "anomaly model %s, trained on %u past rollouts (%u completed): %u rolled back and "
        "%u paused by it\n",
        scenario.anomaly ? "on" : "off", summary.history, summary.history_completed,
        summary.rolled_back_by_anomaly, summary.paused_by_anomaly);
  std::printf("time to roll back: p50 %s, p95 %s; time to complete: p50 %s, p95 %s\n",
              seconds(summary.seconds_to_rollback_p50).c_str(),
              seconds(summary.seconds_to_rollback_p95).c_str(),
              seconds(summary.seconds_to_complete_p50).c_str(),
              seconds(summary.seconds_to_complete_p95).c_str());
  return kExitOk;
}

}  // namespace sluice::app
