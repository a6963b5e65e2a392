#pragma once

// The rollout controller's loop (ARCHITECTURE decisions 2, 4, 8): every interval, for all active
// rollouts at once, it asks the metrics source one query per metric (rollouts sharing an
// interval and metric names form one group), adds the interval into each rollout's analysis
// window, lets the pure state machine decide, and persists every decision with the rollout's new
// state in one transaction. The new split is applied by the snapshot from the stored state, after
// the commit (persist, then act).
//
// Ticks are aligned to the interval on the wall clock (a 30s rollout is decided at :00 and :30),
// and each decision's `now` is the interval's end, not the moment the code ran. A tick is
// identified by the rollout's `last_tick`, persisted with the decision, so after a crash the
// same interval is decided again from the same data (Prometheus answers for any past `time=`)
// and a decision is never lost or made twice; missed intervals are caught up one by one.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "decision_writes.hpp"
#include "policy_cache.hpp"
#include "sluice/metrics/metrics_source.hpp"
#include "sluice/run_blocking.hpp"
#include "sluice/store/store.hpp"

namespace boost::asio {
class io_context;
}

namespace sluice::controller {

using TimePoint = std::chrono::system_clock::time_point;

struct SchedulerOptions {
  std::chrono::milliseconds poll{1000};  // how often due rollouts are looked for
  int max_catch_up_intervals = 20;       // older missed intervals are skipped, not decided
  // How long after an interval ends it is decided: applications report outcomes (POST
  // /v1/events batches, Prometheus scrapes) a little after they happen.
  std::chrono::milliseconds settle{1000};
  DecisionWriteHooks writes;  // notification recipients, history rows
};

// What one tick of the loop did (for /metrics, logs and the scale benchmark).
struct TickReport {
  std::size_t rollouts_due = 0;
  std::size_t groups = 0;
  int queries = 0;
  std::size_t decisions_written = 0;
  std::size_t conflicts = 0;  // someone (a person's command) decided first; redone next poll
  double cpu_seconds = 0;     // this thread's CPU in the loop's own code (not the store's)
  double store_seconds = 0;   // wall time of the store calls
  bool more_due = false;      // an older interval was caught up (or a person decided first):
                              // the next tick is due at once
};

struct SchedulerHooks {
  // Each persisted decision (for the structured log line); on the event loop.
  std::function<void(const store::DecisionRecord&)> on_decision;
  std::function<void(const TickReport&)> on_tick;
  std::function<void(const std::string&)> on_error;
  // This replica took the controller lease (true) or lost it / waits for it (false).
  std::function<void(bool leading)> on_leadership;
};

class RolloutScheduler {
 public:
  RolloutScheduler(boost::asio::io_context& io, store::Store& store, RunBlocking run_blocking,
                   metrics::MetricsSource& source, PolicyCache& policies,
                   std::function<TimePoint()> clock, SchedulerOptions options = {},
                   SchedulerHooks hooks = {});
  ~RolloutScheduler();
  RolloutScheduler(const RolloutScheduler&) = delete;
  RolloutScheduler& operator=(const RolloutScheduler&) = delete;

  // The timer loop: a tick at once, then every options.poll (at once while catching up), after
  // wake() and after a deployment history import.
  void start();
  // One tick at `now`, for a caller that drives time itself (tests; start() not called): takes
  // the lease, decides each rollout due at `now` (one interval each: a rollout that missed several
  // is caught up by the next ticks, see TickReport::more_due) and persists the decisions. `done`
  // runs on the event loop with the tick's report once the tick is over. Nothing else runs: no
  // timer, no follow-up tick.
  void run_once(TimePoint now, std::function<void(const TickReport&)> done = {});
  // Stops polling; a tick in flight finishes its store write but decides nothing new. Blocks
  // until then (call it from outside the event loop).
  void stop();
  // Look for due rollouts now (a rollout was started or commanded).
  void wake();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace sluice::controller
