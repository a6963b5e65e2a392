// `sluice simulate`: many rollouts of one policy in virtual time on synthetic traffic, through the
// real state machine and judge (or a Flagger-style baseline), summarised as one JSON object.

#include <algorithm>
#include <cstdio>

#include "../controller/simulation.hpp"
#include "commands.hpp"
#include "sluice/policy_loader.hpp"

namespace sluice::app {

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
    std::printf("%s\n", simulation::to_json(policy, scenario, summary).c_str());
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
