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
};

// Built on first use; exits with a message if the flags do not compile.
const Workload& workload();

// Evaluates every case over every context once and prints what was served (variant, reason and
// share of contexts), so the mix each case measures is visible. Exits if any evaluation errs.
void print_outcomes(const Workload& work, std::FILE* out);

}  // namespace sluice_bench
