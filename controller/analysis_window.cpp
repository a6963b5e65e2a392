#include "sluice/analysis_window.hpp"

#include <algorithm>
#include <cmath>

namespace sluice::rollout {
namespace {

void add_buckets(std::vector<judge::HistogramBucket>& into,
                 const std::vector<judge::HistogramBucket>& more) {
  for (const auto& bucket : more) {
    auto it = std::find_if(into.begin(), into.end(), [&](const judge::HistogramBucket& b) {
      return b.upper_bound == bucket.upper_bound;
    });
    if (it != into.end()) {
      it->cumulative_count += bucket.cumulative_count;
    } else {
      into.push_back(bucket);
    }
  }
  std::sort(into.begin(), into.end(),
            [](const judge::HistogramBucket& a, const judge::HistogramBucket& b) {
              return a.upper_bound < b.upper_bound;
            });
}

void add_counts(WindowCounts& into, const std::optional<IntervalCounts>& interval) {
  if (!interval) return;
  into.seen = true;
  into.requests += interval->requests;
  into.errors += interval->errors;
  add_buckets(into.latency, interval->latency);
}

judge::VariantObservation observation_of(const WindowCounts& counts, bool other_seen) {
  judge::VariantObservation v;
  // A variant without a series while the other has one served no requests: zero is a count
  // (and the sample-ratio test says so when the split says it should have). Neither seen is no
  // data.
  if (!counts.seen && !other_seen) {
    v.requests = judge::kNaN;
    v.errors = judge::kNaN;
    return v;
  }
  v.requests = counts.requests;
  v.errors = std::min(counts.errors, counts.requests);
  v.latency = counts.latency;
  return v;
}

}  // namespace

bool add_interval(AnalysisWindow& window, TimePoint end, std::chrono::seconds length,
                  const std::optional<IntervalCounts>& treatment,
                  const std::optional<IntervalCounts>& control) {
  if (end > window.last_tick) window.last_tick = end;
  if (end - length < window.started_at) return false;
  add_counts(window.treatment, treatment);
  add_counts(window.control, control);
  ++window.intervals;
  return true;
}

Observations observations_of(const AnalysisWindow& window) {
  Observations o;
  o.treatment = observation_of(window.treatment, window.control.seen);
  o.control = observation_of(window.control, window.treatment.seen);
  return o;
}

TimePoint align_down(TimePoint at, std::chrono::seconds interval) {
  using std::chrono::milliseconds;
  const auto step = std::chrono::duration_cast<milliseconds>(interval).count();
  if (step <= 0) return at;
  auto ms = std::chrono::duration_cast<milliseconds>(at.time_since_epoch()).count();
  auto floor = ms / step * step;
  if (floor > ms) floor -= step;  // negative times round toward minus infinity
  return TimePoint(milliseconds(floor));
}

TimePoint align_up(TimePoint at, std::chrono::seconds interval) {
  const TimePoint down = align_down(at, interval);
  return down == at ? at : down + interval;
}

AnalysisWindow carry_window(const AnalysisWindow& window, const RolloutState& next,
                            std::chrono::seconds interval) {
  if (next.window_started_at == window.started_at) return window;
  AnalysisWindow fresh;
  fresh.started_at = next.window_started_at;
  fresh.last_tick = std::max(window.last_tick, align_up(next.window_started_at, interval));
  return fresh;
}

}  // namespace sluice::rollout
