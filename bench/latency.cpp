#include "latency.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace sluice_bench {
namespace {

using Clock = std::chrono::steady_clock;

double nanoseconds(Clock::duration d) {
  return std::chrono::duration<double, std::nano>(d).count();
}

// Nearest-rank percentile of sorted samples, q in (0, 1].
double percentile(const std::vector<double>& sorted, double q) {
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

}  // namespace

LatencySummary measure_latency(const sluice::Snapshot& snapshot, sluice::FlagHandle flag,
                               const std::vector<sluice::PreparedContext>& prepared,
                               std::size_t batches) {
  LatencySummary summary;
  if (batches == 0 || prepared.empty()) return summary;
  const std::size_t mask = prepared.size() - 1;
  const sluice::PreparedContext* contexts = prepared.data();
  std::size_t next = 0;

  auto run_batch = [&] {
    for (std::size_t k = 0; k < kBatchSize; ++k) {
      sluice::Evaluation e = snapshot.evaluate(flag, contexts[next & mask]);
      benchmark::DoNotOptimize(e);
      ++next;
    }
  };

  for (std::size_t b = 0; b < batches / 10; ++b) {
    run_batch();  // warm-up, not recorded
  }

  std::vector<double> per_evaluation(batches);
  for (std::size_t b = 0; b < batches; ++b) {
    const Clock::time_point start = Clock::now();
    run_batch();
    const Clock::time_point stop = Clock::now();
    per_evaluation[b] = nanoseconds(stop - start) / static_cast<double>(kBatchSize);
  }
  std::sort(per_evaluation.begin(), per_evaluation.end());
  summary.batches = batches;
  summary.p50_ns = percentile(per_evaluation, 0.50);
  summary.p99_ns = percentile(per_evaluation, 0.99);
  return summary;
}

double clock_pair_overhead_ns() {
  constexpr std::size_t kPairs = 100'000;
  std::vector<double> samples(kPairs);
  for (auto& sample : samples) {
    const Clock::time_point start = Clock::now();
    const Clock::time_point stop = Clock::now();
    sample = nanoseconds(stop - start);
  }
  std::sort(samples.begin(), samples.end());
  return percentile(samples, 0.50);
}

}  // namespace sluice_bench
