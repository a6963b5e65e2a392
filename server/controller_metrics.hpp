#pragma once

#include <string_view>

#include "scheduler.hpp"

namespace prometheus {
class Registry;
class Counter;
class Gauge;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace sluice::server {

// The rollout controller on /metrics: ticks, metrics-source queries (they must not grow with the
// number of rollouts), decisions by kind, conflicts with people's commands, and the time a tick
// takes on the loop and in the store. Labels are bounded (decision kinds).
class ControllerMetrics {
 public:
  explicit ControllerMetrics(prometheus::Registry& registry);
  void observe_tick(const controller::TickReport& report);
  void observe_decision(std::string_view kind);

 private:
  prometheus::Counter* ticks_;
  prometheus::Counter* queries_;
  prometheus::Counter* conflicts_;
  prometheus::Gauge* rollouts_due_;
  prometheus::Gauge* last_queries_;
  prometheus::Histogram* tick_cpu_;
  prometheus::Histogram* store_seconds_;
  prometheus::Family<prometheus::Counter>* decisions_;
};

}  // namespace sluice::server
