// sluice_bench: evaluation cost of representative flags over 262,144 prepared contexts.
//   ./build/bench/sluice_bench [--sluice_latency_batches=N] [--sluice_contexts=N]
//                              [Google Benchmark flags]
// --sluice_latency_batches  64-evaluation batches timed per case for p50/p99 (default 100000;
//                           0 skips the percentiles)
// --sluice_contexts         size of the context pool, a power of two (default 262144; smaller
//                           pools stay in cache: a diagnostic, not the reported configuration)
// See docs/benchmarks.md.

#include <benchmark/benchmark.h>

#include <bit>
#include <charconv>
#include <cstdio>
#include <string_view>

#include "contexts.hpp"
#include "evaluation_bench.hpp"
#include "latency.hpp"
#include "workload.hpp"

namespace {

struct Options {
  std::size_t latency_batches = sluice_bench::kDefaultLatencyBatches;
  std::size_t contexts = sluice_bench::kContextCount;
};

// Reads `--name=N` into `value`; false when `arg` is another flag.
bool read_flag(std::string_view arg, std::string_view name, std::size_t& value, bool& ok) {
  if (arg.substr(0, name.size()) != name) return false;
  std::string_view number = arg.substr(name.size());
  auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
  ok = error == std::errc() && end == number.data() + number.size();
  if (!ok)
    std::fprintf(stderr, "sluice_bench: bad value in %.*s\n", static_cast<int>(arg.size()),
                 arg.data());
  return true;
}

// Takes this binary's own flags out of argv (Google Benchmark rejects flags it does not know).
bool take_own_flags(int& argc, char** argv, Options& options) {
  int kept = 1;
  bool ok = true;
  for (int i = 1; i < argc && ok; ++i) {
    std::string_view arg = argv[i];
    if (read_flag(arg, "--sluice_latency_batches=", options.latency_batches, ok)) continue;
    if (read_flag(arg, "--sluice_contexts=", options.contexts, ok)) continue;
    argv[kept++] = argv[i];
  }
  argc = kept;
  if (ok && !std::has_single_bit(options.contexts)) {
    std::fprintf(stderr, "sluice_bench: --sluice_contexts must be a power of two\n");
    ok = false;
  }
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!take_own_flags(argc, argv, options)) return 1;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  const sluice_bench::Workload& work = sluice_bench::build_workload(options.contexts);
  sluice_bench::print_outcomes(work, stderr);
  const double clock_ns = sluice_bench::clock_pair_overhead_ns();
  std::fprintf(
      stderr,
      "p50_ns / p99_ns: percentiles over %zu batches of %zu evaluations (batch time / %zu);"
      " a steady_clock::now() pair costs %.1f ns, %.2f ns per evaluation\n",
      options.latency_batches, sluice_bench::kBatchSize, sluice_bench::kBatchSize, clock_ns,
      clock_ns / static_cast<double>(sluice_bench::kBatchSize));

  sluice_bench::register_evaluation_benchmarks(options.latency_batches);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
