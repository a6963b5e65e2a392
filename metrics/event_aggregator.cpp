#include "sluice/metrics/event_aggregator.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace sluice::metrics {
namespace {

constexpr std::int64_t kNanosPerSecond = 1000000000;

std::int64_t nanos(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

std::int64_t floor_second(TimePoint t) {
  const std::int64_t n = nanos(t);
  return n / kNanosPerSecond - (n % kNanosPerSecond < 0 ? 1 : 0);
}

// The slot of an event: second s holds (s - 1, s], so a window (at - w, at] on whole seconds is
// exactly the slots at - w + 1 .. at.
std::int64_t slot_second(TimePoint t) {
  const std::int64_t n = nanos(t);
  return n / kNanosPerSecond + (n % kNanosPerSecond > 0 ? 1 : 0);
}

std::string format_seconds(std::int64_t seconds) {
  if (seconds % 60 == 0) return std::to_string(seconds / 60) + "m";
  return std::to_string(seconds) + "s";
}

std::size_t latency_bucket(double latency_ms) {
  const double seconds = latency_ms / 1000.0;
  const auto& bounds = EventAggregator::kLatencyBounds;
  // The first bound >= the value (Prometheus `le`: observations <= the bound).
  return static_cast<std::size_t>(std::lower_bound(bounds.begin(), bounds.end(), seconds) -
                                  bounds.begin());
}

bool valid(const Event& event) {
  if (event.flag.empty() || event.variant.empty() || event.count == 0) return false;
  if (event.latency_ms && !(std::isfinite(*event.latency_ms) && *event.latency_ms >= 0)) {
    return false;
  }
  return true;
}

}  // namespace

EventAggregator::EventAggregator(Clock clock, AggregatorOptions options)
    : clock_(std::move(clock)), options_(options) {}

IngestResult EventAggregator::ingest(const std::vector<Event>& events) {
  const TimePoint now = clock_();
  const std::int64_t oldest_kept = slot_second(now) - options_.retention.count() + 1;
  const TimePoint latest = now + options_.max_future;
  IngestResult result;
  std::lock_guard lock(mutex_);
  prune(oldest_kept);
  for (const Event& event : events) {
    if (!valid(event)) {
      ++stats_.rejected_invalid;
      ++result.rejected;
      continue;
    }
    const TimePoint when = event.time.value_or(now);
    const std::int64_t second = slot_second(when);
    if (second < oldest_kept) {
      ++stats_.rejected_too_old;
      ++result.rejected;
      continue;
    }
    if (when > latest) {
      ++stats_.rejected_future;
      ++result.rejected;
      continue;
    }
    SeriesKey key{event.flag, event.variant};
    auto found = series_.find(key);
    if (found == series_.end()) {
      if (series_.size() >= options_.max_series) {
        ++stats_.rejected_series_limit;
        ++result.rejected;
        continue;
      }
      found = series_.emplace(std::move(key), Slots{}).first;
    }
    Slots& slots = found->second;
    // Nearly always the newest second (append or update the back); a late event is inserted
    // in order.
    auto at = slots.end();
    if (slots.empty() || slots.back().second < second) {
      slots.push_back(Slot{});
      slots.back().second = second;
      at = std::prev(slots.end());
    } else {
      at = std::lower_bound(slots.begin(), slots.end(), second,
                            [](const Slot& slot, std::int64_t s) { return slot.second < s; });
      if (at == slots.end() || at->second != second) {
        Slot slot;
        slot.second = second;
        at = slots.insert(at, slot);
      }
    }
    at->requests += event.count;
    if (event.outcome == Outcome::Error) at->errors += event.count;
    if (event.latency_ms) {
      at->timed += event.count;
      at->latency[latency_bucket(*event.latency_ms)] += event.count;
    }
    ++stats_.accepted;
    ++result.accepted;
  }
  stats_.series = series_.size();
  return result;
}

void EventAggregator::prune(std::int64_t oldest_kept) {
  for (auto it = series_.begin(); it != series_.end();) {
    Slots& slots = it->second;
    while (!slots.empty() && slots.front().second < oldest_kept)
      slots.pop_front();
    it = slots.empty() ? series_.erase(it) : std::next(it);
  }
}

AggregatedWindow EventAggregator::window(TimePoint at, std::chrono::seconds window,
                                         bool with_latency) const {
  AggregatedWindow result;
  if (window.count() <= 0) {
    result.error = "window must be positive";
    return result;
  }
  if (window > options_.retention) {
    result.error = "window " + format_seconds(window.count()) + " is longer than the " +
                   format_seconds(options_.retention.count()) + " the built-in event source keeps";
    return result;
  }
  const std::int64_t oldest_kept = slot_second(clock_()) - options_.retention.count() + 1;
  const std::int64_t last = floor_second(at);
  const std::int64_t first = floor_second(at - window) + 1;
  if (first < oldest_kept) {
    result.error = "the window starts " + format_seconds(oldest_kept - first) +
                   " before the oldest second the built-in event source keeps (" +
                   format_seconds(options_.retention.count()) + ")";
    return result;
  }
  std::lock_guard lock(mutex_);
  for (const auto& [key, slots] : series_) {
    auto begin = std::lower_bound(slots.begin(), slots.end(), first,
                                  [](const Slot& slot, std::int64_t s) { return slot.second < s; });
    if (begin == slots.end() || begin->second > last) continue;
    std::uint64_t requests = 0;
    std::uint64_t errors = 0;
    std::uint64_t timed = 0;
    std::array<std::uint64_t, kLatencyBounds.size() + 1> latency{};
    for (auto it = begin; it != slots.end() && it->second <= last; ++it) {
      requests += it->requests;
      errors += it->errors;
      timed += it->timed;
      for (std::size_t i = 0; i < latency.size(); ++i)
        latency[i] += it->latency[i];
    }
    VariantDelta& delta = result.series[key];
    delta.requests = static_cast<double>(requests);
    delta.errors = static_cast<double>(errors);
    if (with_latency && timed > 0) {
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i < latency.size(); ++i) {
        cumulative += latency[i];
        const double bound =
            i < kLatencyBounds.size() ? kLatencyBounds[i] : std::numeric_limits<double>::infinity();
        delta.latency.push_back(judge::HistogramBucket{bound, static_cast<double>(cumulative)});
      }
    }
  }
  return result;
}

AggregatorStats EventAggregator::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace sluice::metrics
