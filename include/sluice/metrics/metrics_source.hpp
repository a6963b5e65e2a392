#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sluice/judge.hpp"
#include "sluice/policy.hpp"

// Where the controller's per-variant counts come from: Prometheus (batched PromQL) or the
// built-in ingest of POST /v1/events. A source answers for ALL rollouts that share an analysis
// interval and metric names at once, so the number of queries per tick does not grow with the
// number of rollouts (ARCHITECTURE decision 8). Sources are adapters: they run on the event loop
// and call back there; they never block.
namespace sluice::metrics {

using TimePoint = std::chrono::system_clock::time_point;

// What one (flag, variant) did during ONE interval (not cumulative: the scheduler adds
// intervals up into the rollout's analysis window). Values are Prometheus floats.
struct VariantDelta {
  double requests = 0;
  double errors = 0;                            // 0 when the error series is absent
  std::vector<judge::HistogramBucket> latency;  // empty when no histogram series
  bool has_nan = false;                         // a NaN anywhere: the interval is not usable
};

using SeriesKey = std::pair<std::string, std::string>;  // (flag, variant)

struct WindowRequest {
  TimePoint at;                 // the end of the interval (an aligned tick boundary)
  std::chrono::seconds window;  // the interval: counts over (at - window, at]
  MetricNames names;            // metric and label names shared by the group
  bool want_latency = false;    // some rollout in the group checks latency
};

struct WindowResult {
  // Every (flag, variant) that had a request series in the interval. A (flag, variant) absent
  // here had no series: the scheduler decides whether that is "no traffic" or "no data".
  std::map<SeriesKey, VariantDelta> series;
  // Why a whole query failed (the source was down, timed out, answered an error): the interval
  // is no data for every rollout of the group. nullopt when the query succeeded.
  std::optional<std::string> requests_error;
  std::optional<std::string> errors_error;
  std::optional<std::string> latency_error;
  int queries = 0;  // how many queries this took (for /metrics and the scale benchmark)
};

struct ScalarRequest {
  TimePoint at;
  std::string promql;  // placeholders already substituted
};

// A custom check's value for one variant: a number, or why there is none.
struct ScalarResult {
  std::optional<double> value;  // nullopt: empty result, NaN, or an error (see `error`)
  std::optional<std::string> error;
};

class MetricsSource {
 public:
  virtual ~MetricsSource() = default;
  // Per-(flag, variant) requests, errors and latency buckets over one interval. Calls `done`
  // exactly once, on the event loop, within the source's own timeout (never hangs).
  virtual void fetch_window(const WindowRequest& request,
                            std::function<void(WindowResult)> done) = 0;
  // One instant query for a custom check; sources without PromQL answer an error.
  virtual void fetch_scalar(const ScalarRequest& request,
                            std::function<void(ScalarResult)> done) = 0;
  virtual std::string name() const = 0;  // "prometheus http://...:9090", "built-in events"
};

}  // namespace sluice::metrics
