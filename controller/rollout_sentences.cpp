// The sentences of the rollout's controller decisions: one sentence a person understands per
// decision (docs/rollout-state-machine.md). Numbers go through text_format.hpp.

#include <algorithm>
#include <chrono>
#include <cmath>

#include "rollout_step.hpp"
#include "text_format.hpp"

namespace sluice::rollout::detail {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

std::string count(double value) {
  return value < 0 ? "?" : text_format::count_text(value);
}

const judge::CheckResult* first_with(const judge::Judgement& j, judge::Verdict v) {
  for (const judge::CheckResult& c : j.checks)
    if (c.verdict == v) return &c;
  return nullptr;
}

// "errors 3.1% vs 1.0% on control over 4,210 requests, critical ratio 2.0"
std::string check_detail(const judge::CheckResult& c, const char* level_name) {
  if (c.check == "error_rate" && std::isfinite(c.treatment_value) &&
      std::isfinite(c.control_value)) {
    std::string text = "errors " + text_format::rate_text(c.treatment_value) + " vs " +
                       text_format::rate_text(c.control_value) + " on control over " +
                       count(c.treatment_samples) + " requests";
    if (std::isfinite(c.effect_threshold))
      text += std::string(", ") + level_name + " ratio " +
              text_format::threshold_text(c.effect_threshold);
    return text;
  }
  return c.check + ": " + c.explanation;
}

milliseconds in_stage(const StepContext& c) {
  return duration_cast<milliseconds>(c.now - c.state.stage_started_at);
}

}  // namespace

std::string verdict_detail(const judge::Judgement& j, judge::Verdict v, const char* level_name) {
  if (const judge::CheckResult* c = first_with(j, v)) return check_detail(*c, level_name);
  return j.summary;
}

std::string anomaly_text(const anomaly::Assessment& a, const char* level_name, double level) {
  const std::string said =
      a.sentence.empty() ? text_format::printf_text("anomaly score %.2f", a.score) : a.sentence;
  return said + " (" + level_name + " level " + text_format::threshold_text(level) + ")";
}

std::string no_data_text(const StepContext& c) {
  return c.observations.unavailable ? "metrics unavailable: " + *c.observations.unavailable
                                    : "no data: " + c.judgement.summary;
}

std::string start_text(const StepContext& c, bool waits) {
  const Policy& policy = c.policy;
  if (waits)
    return "started " + policy.flag + ": waiting for approval to enter " + stage_of_text(policy, 0);
  return "started " + policy.flag + " at " + stage_name(policy, 0) + " (stage 1 of " +
         std::to_string(policy.stages.size()) + ")";
}

std::string paused_text(const StepContext& c) {
  return "paused " + c.policy.flag + " at " + c.at + " (" +
         std::string(to_string(c.state.pause_cause)) + ", by " + c.state.paused_by + ")";
}

std::string still_unhealthy_text(const StepContext& c) {
  if (c.verdict == judge::Verdict::no_data && c.short_of_samples)
    return paused_text(c) + ": judging fresh traffic, " + count(std::min(c.treatment, c.control)) +
           " of " + count(c.min_samples) + " requests per variant so far";
  return paused_text(c) + ": still " + std::string(judge::to_string(c.verdict)) +
         (c.no_data ? " (" + no_data_text(c) + ")" : "");
}

std::string healthy_for_text(const StepContext& c, std::uint32_t healthy,
                             std::optional<std::uint32_t> auto_resume_after) {
  return paused_text(c) + ": healthy for " + std::to_string(healthy) + " interval" +
         (healthy == 1 ? "" : "s") +
         (auto_resume_after ? " of " + std::to_string(*auto_resume_after) + " for auto-resume"
                            : "; waiting for a person to resume");
}

std::string resumed_text(const StepContext& c, const RolloutState& next, std::uint32_t healthy) {
  return "resumed " + c.policy.flag + " at " + served_text(c.policy, next) + " after " +
         std::to_string(healthy) + " healthy intervals: every check passed";
}

std::vector<std::string> missing_gates(const StepContext& c) {
  const milliseconds elapsed = in_stage(c);
  const milliseconds min_duration =
      duration_cast<milliseconds>(c.policy.stage_min_duration(c.state.stage));
  std::vector<std::string> missing;
  if (elapsed < min_duration)
    missing.push_back(format_elapsed(elapsed) + " of " + format_elapsed(min_duration) +
                      " in the stage");
  if (!(c.treatment >= c.min_samples))
    missing.push_back(count(c.treatment) + " of " + count(c.min_samples) +
                      " requests on treatment so far");
  if (!c.full && !(c.control >= c.min_samples))
    missing.push_back(count(c.control) + " of " + count(c.min_samples) +
                      " requests on control so far");
  return missing;
}

std::string holding_text(const StepContext& c, const std::vector<std::string>& missing) {
  std::string text = "holding " + c.policy.flag + " at " + c.at + ": ";
  for (std::size_t i = 0; i < missing.size(); ++i)
    text += (i ? ", " : "") + missing[i];
  return text;
}

std::string after_text(const StepContext& c) {
  // A model that abstains says so on every decision that moves the rollout on.
  const anomaly::Assessment* a = c.assessment;
  const std::string abstains =
      a && a->abstained ? "; anomaly model abstains: " +
                              (a->reason.empty() ? std::string("no assessment") : a->reason)
                        : "";
  const std::string requests =
      c.full ? count(c.treatment) : count(c.treatment) + "/" + count(c.control);
  return " after " + format_elapsed(in_stage(c)) + " and " + requests + " requests: " +
         (c.full ? "no control left to compare with, nothing went wrong" : "every check passed") +
         abstains;
}

}  // namespace sluice::rollout::detail
