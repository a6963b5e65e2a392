#pragma once

#include <cstddef>

namespace sluice_bench {

// Registers one benchmark per case in kCases, named `evaluate/<case>`. Each reports
//   Time             mean ns per evaluation (Google Benchmark's own timing)
//   allocs_per_eval  global operator new calls per evaluation during the timed loop
//   p50_ns, p99_ns   percentiles of batched per-evaluation latency (see latency.hpp), measured
//                    once per case over `latency_batches` batches; omitted when it is 0
void register_evaluation_benchmarks(std::size_t latency_batches);

}  // namespace sluice_bench
