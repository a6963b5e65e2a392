#pragma once

#include <cstddef>
#include <vector>

#include "sluice/snapshot.hpp"

// The second measurement mode: per-evaluation latency percentiles. Google Benchmark reports
// means; here evaluations are timed in small batches with std::chrono::steady_clock and each
// batch's time is divided by its size. A batch average cannot be larger than the slowest call in
// it nor smaller than the fastest, so its percentiles bound, but smooth, per-call variance.
namespace sluice_bench {

inline constexpr std::size_t kBatchSize = 64;
inline constexpr std::size_t kDefaultLatencyBatches = 100'000;

struct LatencySummary {
  std::size_t batches = 0;  // samples, each the average of kBatchSize evaluations
  double p50_ns = 0;
  double p99_ns = 0;
};

// Times `batches` batches of kBatchSize consecutive evaluations of `flag`, walking `prepared` in
// order from its start and wrapping (its size must be a power of two). A warm-up of batches / 10
// batches runs first and is not recorded.
LatencySummary measure_latency(const sluice::Snapshot& snapshot, sluice::FlagHandle flag,
                               const std::vector<sluice::PreparedContext>& prepared,
                               std::size_t batches);

// The median cost of one pair of back-to-back steady_clock::now() calls, in nanoseconds: the
// bias each batch carries (divided by kBatchSize per evaluation).
double clock_pair_overhead_ns();

}  // namespace sluice_bench
