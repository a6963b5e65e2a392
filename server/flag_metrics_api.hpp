#pragma once

#include <chrono>
#include <functional>

#include "router.hpp"
#include "sluice/metrics/metrics_source.hpp"
#include "sluice/snapshot_publisher.hpp"

namespace boost::asio {
class io_context;
}

namespace sluice::server {

// GET /v1/flags/{key}/metrics?window=SECONDS: per-variant requests, errors, error rate and
// latency p50/p95 over the last window, from the server's metrics source (the built-in events
// aggregator or Prometheus) with the default metric names. One query per request, answered on
// the event loop within the source's own timeout.
class FlagMetricsApi {
 public:
  using Clock = std::function<metrics::TimePoint()>;
  static constexpr std::chrono::seconds kDefaultWindow{300};
  static constexpr std::chrono::seconds kMinWindow{10};
  static constexpr std::chrono::seconds kMaxWindow{3600};

  // `source` null: every answer says there is no metrics source. `loop` is where the source
  // runs (sources are not thread-safe; handlers may run on the worker pool).
  FlagMetricsApi(metrics::MetricsSource* source, boost::asio::io_context& loop,
                 const SnapshotPublisher& publisher, Clock clock);

  void handle(const HttpRequest& request, Respond respond);

 private:
  metrics::MetricsSource* source_;
  boost::asio::io_context& loop_;
  const SnapshotPublisher& publisher_;
  Clock clock_;
};

}  // namespace sluice::server
