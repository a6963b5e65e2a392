#pragma once

#include <array>
#include <cstdio>
#include <memory>
#include <vector>

#include "bench_flags.hpp"
#include "sluice/context.hpp"
#include "sluice/snapshot.hpp"

// Everything the benchmarks evaluate: the compiled flags, the contexts and their prepared forms.
namespace sluice_bench {

struct Workload {
  std::shared_ptr<const sluice::Snapshot> snapshot;
  std::vector<sluice::Context> contexts;
  std::vector<sluice::PreparedContext> prepared;  // points into `contexts`
  std::array<sluice::FlagHandle, kCases.size()> handles;
  std::size_t mask = 0;  // prepared.size() - 1; the size is a power of two
};

// Builds the workload with `context_count` contexts (a power of two). Call it once, before any
// benchmark runs; exits with a message if the flags do not compile.
const Workload& build_workload(std::size_t context_count);

// The workload build_workload made.
const Workload& workload();

// Evaluates every case over every context once and prints what was served (variant, reason and
// share of contexts), so the mix each case measures is visible. Exits if any evaluation errs.
void print_outcomes(const Workload& work, std::FILE* out);

}  // namespace sluice_bench
