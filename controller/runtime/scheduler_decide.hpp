#pragma once

// What one tick's metric answers mean (the loop in scheduler.cpp runs it once every query of the
// plan has landed): for each due rollout, whether its data is usable, the observations of its
// analysis window and the anomaly model's score, the state machine's decision, and the write
// that persists it. Also trains the anomaly model every rollout's score shares.

#include <cstddef>
#include <memory>
#include <vector>

#include "decision_writes.hpp"
#include "scheduler_plan.hpp"
#include "sluice/anomaly.hpp"
#include "sluice/metrics/metrics_source.hpp"
#include "sluice/store/store.hpp"

namespace sluice::controller {

// The decisions of every rollout of `plan`, dated by their interval ends, as writes for one
// transaction (rollouts whose step decides nothing write nothing). `decided_at` is when the
// decisions are made: a new split is judged from the interval after it. Records each running
// rollout's anomaly features into its window JSON (plan.due[i].record), for the history row.
std::vector<store::DecisionWrite> decide_tick(TickPlan& plan, const anomaly::AnomalyModel& model,
                                              const metrics::MetricsSource& source,
                                              TimePoint decided_at,
                                              const DecisionWriteHooks& hooks);

// The anomaly model trained on every history row (oldest first). Rows whose stages or outcome do
// not parse are left out (and counted in `skipped`), so one bad import cannot stop the controller.
std::shared_ptr<const anomaly::AnomalyModel> train_model(
    const std::vector<store::RolloutHistoryRecord>& rows, std::size_t& skipped);

}  // namespace sluice::controller
