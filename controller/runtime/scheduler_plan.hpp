#pragma once

// One tick's plan (the loop in scheduler.cpp runs it): which active rollouts are due, which
// interval each one decides, and which metric queries serve them. Rollouts sharing an interval
// length, its end and their metric names form one group (one query per metric for all of them);
// custom checks name their flag, so each rollout's are queried on their own.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "policy_cache.hpp"
#include "scheduler.hpp"
#include "sluice/analysis_window.hpp"
#include "sluice/metrics/metrics_source.hpp"
#include "sluice/policy.hpp"
#include "sluice/rollout.hpp"
#include "sluice/store/rollout_records.hpp"

namespace sluice::controller {

// The metric queries a group of due rollouts shares, and their answer.
struct MetricGroup {
  metrics::WindowRequest request;
  metrics::WindowResult result;
};

// A rollout decided this tick, with what was read for it.
struct DueRollout {
  store::RolloutRecord record;
  std::shared_ptr<const Policy> policy;
  rollout::RolloutState state;
  rollout::AnalysisWindow window;
  TimePoint end{};        // the interval end decided (the decision's `now`)
  bool starting = false;  // pending: the start decision, no metrics needed
  std::size_t group = 0;  // index into TickPlan::groups (unused when starting)
  std::map<std::string, metrics::ScalarResult> custom_treatment;
  std::map<std::string, metrics::ScalarResult> custom_control;
};

struct TickPlan {
  std::vector<DueRollout> due;
  std::vector<MetricGroup> groups;
  TimePoint earliest = TimePoint::max();  // the first interval end not due yet
  bool catching_up = false;  // an older interval is decided: the next tick is due at once
  // Rollouts whose stored policy, state or window does not parse (id, why); they are left out.
  std::vector<std::pair<std::int64_t, std::string>> unreadable;
};

// The rollouts of `records` due at `now` (one interval each, the oldest missed one first, none
// older than options.max_catch_up_intervals) and their metric groups.
TickPlan plan_tick(TimePoint now, std::vector<store::RolloutRecord> records, PolicyCache& policies,
                   const SchedulerOptions& options);

// The PromQL of a custom check for one variant of `due`: {{flag}}, {{variant}} and {{window}}
// (the stage's window up to the interval end, at least one interval) filled in.
std::string custom_check_query(const DueRollout& due, const CustomCheck& check,
                               const std::string& variant);

}  // namespace sluice::controller
