#include "evaluation_bench.hpp"

#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "allocation_counter.hpp"
#include "latency.hpp"
#include "workload.hpp"

namespace sluice_bench {
namespace {

// Percentiles are measured once per case (on its first run, before any timed loop) and attached
// to every run of that case: Google Benchmark calls a benchmark several times while it picks the
// iteration count, and repeating 100k batches on each call would only lengthen the run.
const LatencySummary& latency_of(std::size_t case_index, std::size_t batches) {
  static std::array<std::optional<LatencySummary>, kCases.size()> measured;
  auto& summary = measured[case_index];
  if (!summary) {
    const Workload& work = workload();
    summary = measure_latency(*work.snapshot, work.handles[case_index], work.prepared, batches);
  }
  return *summary;
}

void evaluate_case(benchmark::State& state, std::size_t case_index, std::size_t latency_batches) {
  const Workload& work = workload();
  const LatencySummary& latency = latency_of(case_index, latency_batches);
  const sluice::Snapshot& snapshot = *work.snapshot;
  const sluice::FlagHandle flag = work.handles[case_index];
  const sluice::PreparedContext* contexts = work.prepared.data();
  const std::size_t mask = work.mask;

  std::size_t i = 0;
  const std::uint64_t allocations_before = allocation_count();
  for (auto _ : state) {
    sluice::Evaluation e = snapshot.evaluate(flag, contexts[i & mask]);
    benchmark::DoNotOptimize(e);
    ++i;
  }
  const std::uint64_t allocations = allocation_count() - allocations_before;

  state.counters["allocs_per_eval"] =
      benchmark::Counter(static_cast<double>(allocations), benchmark::Counter::kAvgIterations);
  if (latency.batches != 0) {
    state.counters["p50_ns"] = latency.p50_ns;
    state.counters["p99_ns"] = latency.p99_ns;
  }
}

}  // namespace

void register_evaluation_benchmarks(std::size_t latency_batches) {
  for (std::size_t c = 0; c < kCases.size(); ++c) {
    const std::string name = "evaluate/" + std::string(kCases[c].name);
    benchmark::RegisterBenchmark(name.c_str(), [c, latency_batches](benchmark::State& state) {
      evaluate_case(state, c, latency_batches);
    });
  }
}

}  // namespace sluice_bench
