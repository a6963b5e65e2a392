#include "evaluation_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <string>

namespace sluice::server {

EvaluationMetrics::EvaluationMetrics(prometheus::Registry& registry)
    : evaluations_(&prometheus::BuildCounter()
                        .Name("sluice_evaluations_total")
                        .Help("Flag evaluations served over HTTP, by flag, variant and reason")
                        .Register(registry)),
      snapshot_version_(&prometheus::BuildGauge()
                             .Name("sluice_snapshot_version")
                             .Help("Store version of the snapshot being served")
                             .Register(registry)
                             .Add({})) {}

void EvaluationMetrics::observe(std::string_view flag, const Evaluation& evaluation) {
  const char* reason = evaluation.error != ErrorCode::None ? to_string(evaluation.error)
                                                           : to_string(evaluation.reason);
  evaluations_
      ->Add({{"flag", std::string(flag)},
             {"variant", std::string(evaluation.variant)},
             {"reason", reason}})
      .Increment();
}

void EvaluationMetrics::set_snapshot_version(std::int64_t version) {
  snapshot_version_->Set(static_cast<double>(version));
}

}  // namespace sluice::server
