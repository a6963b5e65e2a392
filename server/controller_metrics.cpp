#include "controller_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>

namespace sluice::server {
namespace {

const prometheus::Histogram::BucketBoundaries kSeconds = {0.001, 0.005, 0.01, 0.05, 0.1,
                                                          0.25,  0.5,   1,    2.5,  5};

}  // namespace

ControllerMetrics::ControllerMetrics(prometheus::Registry& registry)
    : ticks_(&prometheus::BuildCounter()
                  .Name("sluice_controller_ticks_total")
                  .Help("Controller ticks that decided for at least one rollout")
                  .Register(registry)
                  .Add({})),
      queries_(&prometheus::BuildCounter()
                    .Name("sluice_controller_metric_queries_total")
                    .Help("Queries sent to the metrics source")
                    .Register(registry)
                    .Add({})),
      conflicts_(&prometheus::BuildCounter()
                      .Name("sluice_controller_conflicts_total")
                      .Help("Tick decisions dropped because someone decided first (redone)")
                      .Register(registry)
                      .Add({})),
      rollouts_due_(&prometheus::BuildGauge()
                         .Name("sluice_controller_rollouts_due")
                         .Help("Rollouts decided in the last tick")
                         .Register(registry)
                         .Add({})),
      last_queries_(&prometheus::BuildGauge()
                         .Name("sluice_controller_last_tick_queries")
                         .Help("Metrics-source queries of the last tick")
                         .Register(registry)
                         .Add({})),
      tick_cpu_(&prometheus::BuildHistogram()
                     .Name("sluice_controller_tick_cpu_seconds")
                     .Help("CPU time of a tick on the event loop (judging and deciding)")
                     .Register(registry)
                     .Add({}, kSeconds)),
      store_seconds_(&prometheus::BuildHistogram()
                          .Name("sluice_controller_tick_store_seconds")
                          .Help("Wall time of a tick's store write (all its decisions)")
                          .Register(registry)
                          .Add({}, kSeconds)),
      decisions_(&prometheus::BuildCounter()
                      .Name("sluice_controller_decisions_total")
                      .Help("Persisted rollout decisions by kind")
                      .Register(registry)) {}

void ControllerMetrics::observe_tick(const controller::TickReport& report) {
  ticks_->Increment();
  queries_->Increment(report.queries);
  conflicts_->Increment(static_cast<double>(report.conflicts));
  rollouts_due_->Set(static_cast<double>(report.rollouts_due));
  last_queries_->Set(report.queries);
  tick_cpu_->Observe(report.cpu_seconds);
  store_seconds_->Observe(report.store_seconds);
}

void ControllerMetrics::observe_decision(std::string_view kind) {
  decisions_->Add({{"kind", std::string(kind)}}).Increment();
}

}  // namespace sluice::server
