#pragma once

#include <memory>
#include <string_view>

#include "sluice/evaluation.hpp"

namespace prometheus {
class Registry;
class Counter;
class Gauge;
template <typename T>
class Family;
}  // namespace prometheus

namespace sluice::server {

// Evaluations by flag, variant and reason, and the version of the served snapshot. The label
// sets are bounded by the definitions (flags x variants x reasons), not by the traffic.
class EvaluationMetrics {
 public:
  explicit EvaluationMetrics(prometheus::Registry& registry);
  void observe(std::string_view flag, const Evaluation& evaluation);
  void set_snapshot_version(std::int64_t version);

 private:
  prometheus::Family<prometheus::Counter>* evaluations_;
  prometheus::Gauge* snapshot_version_;
};

}  // namespace sluice::server
