#pragma once

// Private to the rollout state machine: what one controller step knows (StepContext), read by the
// ordered rules (rollout_step.cpp) and by the sentences that say their decisions
// (rollout_sentences.cpp).

#include <string>
#include <vector>

#include "rollout_internal.hpp"

namespace sluice::rollout::detail {

// Everything a rule reads, computed once per step from the policy, state and observations.
struct StepContext {
  const Policy& policy;
  const RolloutState& state;
  const Observations& observations;
  const judge::Judgement& judgement;
  TimePoint now;
  const StepOptions& options;

  judge::Verdict verdict = judge::Verdict::no_data;  // no_data when metrics are unavailable
  std::string at;                                    // what is served, in words
  bool full = false;  // at 100% there is no control traffic: the stage is a soak
  double min_samples = 0;
  double treatment = 0;  // requests so far on treatment
  double control = 0;    // requests so far on control
  bool counts_valid = false;
  // Too few requests so far is progress, not missing data: the stage holds and says how far it
  // is, whatever `on_no_data` says.
  bool short_of_samples = false;
  bool no_data = false;  // missing data (not mere shortness), counted towards metrics_unavailable
  // The anomaly model's assessment when the policy enables it.
  const anomaly::Assessment* assessment = nullptr;
  bool anomaly_critical = false;
  bool anomaly_warning = false;
};

StepContext make_context(const Policy& policy, const RolloutState& state,
                         const Observations& observations, const judge::Judgement& judgement,
                         TimePoint now, const StepOptions& options);

// ---- Sentences (rollout_sentences.cpp) --------------------------------------------------

// "errors 3.1% vs 1.0% on control over 4,210 requests, critical ratio 2.0", or the first
// check's explanation, or the judgement's summary.
std::string verdict_detail(const judge::Judgement& j, judge::Verdict v, const char* level_name);
// "anomaly score 0.93: ... (critical level 0.90)"
std::string anomaly_text(const anomaly::Assessment& a, const char* level_name, double level);
// "metrics unavailable: ..." or "no data: ..."
std::string no_data_text(const StepContext& c);
std::string start_text(const StepContext& c, bool waits);
std::string paused_text(const StepContext& c);  // "paused f at 5% (warning, by controller)"
std::string still_unhealthy_text(const StepContext& c);
std::string healthy_for_text(const StepContext& c, std::uint32_t healthy,
                             std::optional<std::uint32_t> auto_resume_after);
std::string resumed_text(const StepContext& c, const RolloutState& next, std::uint32_t healthy);
// The stage's unmet gates ("1m0s of 10m0s in the stage", ...); empty when all are met.
std::vector<std::string> missing_gates(const StepContext& c);
std::string holding_text(const StepContext& c, const std::vector<std::string>& missing);
// " after 10m0s and 4,210/4,190 requests: every check passed"
std::string after_text(const StepContext& c);

}  // namespace sluice::rollout::detail
