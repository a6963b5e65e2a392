#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sluice/metrics/metrics_source.hpp"

// The built-in metrics for applications without Prometheus: they POST request outcomes to
// /v1/events and this keeps per-second counts for the last 15 minutes, per (flag, variant), in
// the same shape Prometheus would answer (requests, errors, a latency histogram in seconds).
namespace sluice::metrics {

enum class Outcome { Ok, Error };

struct Event {
  std::string flag;
  std::string variant;
  Outcome outcome = Outcome::Ok;
  std::optional<double> latency_ms;  // >= 0; absent: not timed
  std::uint64_t count = 1;           // this many identical requests
  std::optional<TimePoint> time;     // absent: now (the injected clock)
};

struct AggregatorOptions {
  std::chrono::seconds retention{900};  // the ring: older events are rejected, then forgotten
  std::chrono::seconds max_future{60};  // clock skew allowed for events stamped ahead of us
  std::size_t max_series = 10000;       // distinct (flag, variant) pairs; events for more are
                                        // rejected, so clients cannot grow memory without bound
};

struct IngestResult {
  std::uint64_t accepted = 0;  // events (not counts)
  std::uint64_t rejected = 0;
};

struct AggregatorStats {
  std::uint64_t accepted = 0;
  std::uint64_t rejected_too_old = 0;
  std::uint64_t rejected_future = 0;
  std::uint64_t rejected_invalid = 0;  // empty names, count 0, negative or NaN latency
  std::uint64_t rejected_series_limit = 0;
  std::size_t series = 0;
};

// Counts over (at - window, at], or why they cannot be given.
struct AggregatedWindow {
  std::map<SeriesKey, VariantDelta> series;
  std::optional<std::string> error;
};

// Thread-safe (one mutex: ingest and reads are short). Time comes only from the clock given.
class EventAggregator {
 public:
  using Clock = std::function<TimePoint()>;

  // The latency bucket upper bounds in seconds: OpenTelemetry's default millisecond boundaries,
  // so the histogram reads like a Prometheus one; +Inf comes after the last.
  static constexpr std::array<double, 14> kLatencyBounds{
      0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0};

  explicit EventAggregator(Clock clock, AggregatorOptions options = {});

  IngestResult ingest(const std::vector<Event>& events);

  // Per (flag, variant) with at least one event in (at - window, at]; latency buckets
  // (cumulative, with +Inf) only when with_latency and some event there was timed. An error when
  // the window reaches back past what the ring keeps.
  AggregatedWindow window(TimePoint at, std::chrono::seconds window, bool with_latency) const;

  AggregatorStats stats() const;
  const AggregatorOptions& options() const { return options_; }

 private:
  // One second: events with time in (second - 1, second], in Unix seconds.
  struct Slot {
    std::int64_t second = 0;
    std::uint64_t requests = 0;
    std::uint64_t errors = 0;
    std::uint64_t timed = 0;                                         // how many had a latency
    std::array<std::uint64_t, kLatencyBounds.size() + 1> latency{};  // per bucket, not cumulative
  };
  // Seconds with events only, oldest first (a sparse ring: idle flags cost nothing).
  using Slots = std::deque<Slot>;

  void prune(std::int64_t oldest_kept);

  Clock clock_;
  AggregatorOptions options_;
  mutable std::mutex mutex_;
  std::map<SeriesKey, Slots> series_;
  AggregatorStats stats_;
};

}  // namespace sluice::metrics
