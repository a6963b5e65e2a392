#pragma once

// The running per-variant counts of a rollout's analysis window. Metrics sources answer one
// interval at a time for all rollouts at once (one query per metric per tick); the scheduler adds
// each interval into the window of every rollout and the state machine reads the cumulative
// counts (docs/rollout-state-machine.md, "Contract with the adapter"). Pure: no I/O, no clock.

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "sluice/judge.hpp"
#include "sluice/rollout.hpp"

namespace sluice::rollout {

struct WindowCounts {
  double requests = 0;
  double errors = 0;
  std::vector<judge::HistogramBucket> latency;  // cumulative buckets, sorted by upper bound
  bool seen = false;  // a request series existed in at least one counted interval
  friend bool operator==(const WindowCounts&, const WindowCounts&) = default;
};

struct AnalysisWindow {
  TimePoint started_at{};       // the state's window_started_at these counts belong to
  TimePoint last_tick{};        // the end of the last interval the scheduler processed
  std::uint32_t intervals = 0;  // intervals counted into the window
  WindowCounts treatment;
  WindowCounts control;
  friend bool operator==(const AnalysisWindow&, const AnalysisWindow&) = default;
};

// One interval's counts for one variant; nullopt = the variant had no series in the interval.
struct IntervalCounts {
  double requests = 0;
  double errors = 0;
  std::vector<judge::HistogramBucket> latency;
};

// Adds the interval (end - length, end] to the window when it lies entirely inside it (an
// interval that began before the window started mixes traffic of the previous split and is left
// out). Returns whether it was counted.
bool add_interval(AnalysisWindow& window, TimePoint end, std::chrono::seconds length,
                  const std::optional<IntervalCounts>& treatment,
                  const std::optional<IntervalCounts>& control);

// The cumulative observations for the state machine: the sums per variant; a variant never seen
// while the other was served nothing (0 requests); neither seen is no data (NaN).
Observations observations_of(const AnalysisWindow& window);

// The first interval end at or after `at` on the interval grid aligned to the unix epoch.
TimePoint align_up(TimePoint at, std::chrono::seconds interval);
// The last interval end at or before `at`.
TimePoint align_down(TimePoint at, std::chrono::seconds interval);

// The window for the decision's next state: the same counts if the window did not restart, empty
// ones starting at `next.window_started_at` if it did. A window that starts between two interval
// ends (a person's command, the start) marks the interval it starts in as processed, so the
// first interval judged lies entirely inside it.
AnalysisWindow carry_window(const AnalysisWindow& window, const RolloutState& next,
                            std::chrono::seconds interval);

}  // namespace sluice::rollout
