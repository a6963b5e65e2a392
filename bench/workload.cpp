#include "workload.hpp"

#include <cstdlib>
#include <map>
#include <string>
#include <utility>

#include "contexts.hpp"

namespace sluice_bench {
namespace {

std::unique_ptr<const Workload> built;

Workload build(std::size_t context_count) {
  Workload work;
  sluice::CompileResult compiled = sluice::compile_snapshot(make_flag_set());
  if (!compiled.snapshot) {
    for (const auto& diagnostic : compiled.diagnostics) {
      std::fprintf(stderr, "sluice_bench: %s\n", diagnostic.format().c_str());
    }
    std::exit(1);
  }
  work.snapshot = std::move(compiled.snapshot);
  for (std::size_t i = 0; i < kCases.size(); ++i) {
    auto handle = work.snapshot->find(kCases[i].flag);
    if (!handle) {
      std::fprintf(stderr, "sluice_bench: flag '%.*s' not found\n",
                   static_cast<int>(kCases[i].flag.size()), kCases[i].flag.data());
      std::exit(1);
    }
    work.handles[i] = *handle;
  }
  work.contexts = make_contexts(context_count, kContextSeed);
  work.prepared = prepare_all(*work.snapshot, work.contexts);
  work.mask = context_count - 1;
  return work;
}

}  // namespace

const Workload& build_workload(std::size_t context_count) {
  if (!built) built = std::make_unique<const Workload>(build(context_count));
  return *built;
}

const Workload& workload() {
  if (!built) {
    std::fprintf(stderr, "sluice_bench: the workload was not built\n");
    std::exit(1);
  }
  return *built;
}

void print_outcomes(const Workload& work, std::FILE* out) {
  std::fprintf(out, "%zu prepared contexts; served over all of them:\n", work.prepared.size());
  for (std::size_t i = 0; i < kCases.size(); ++i) {
    std::map<std::string, std::size_t> served;
    for (const auto& prepared : work.prepared) {
      sluice::Evaluation e = work.snapshot->evaluate(work.handles[i], prepared);
      if (e.error != sluice::ErrorCode::None || e.value == nullptr) {
        std::fprintf(stderr, "sluice_bench: %.*s evaluated with error %s\n",
                     static_cast<int>(kCases[i].name.size()), kCases[i].name.data(),
                     sluice::to_string(e.error));
        std::exit(1);
      }
      std::string outcome(e.variant);
      outcome += " (";
      outcome += sluice::to_string(e.reason);
      if (e.rule_index >= 0) outcome += " rule " + std::to_string(e.rule_index);
      outcome += ')';
      ++served[outcome];
    }
    std::fprintf(out, "  %-22.*s", static_cast<int>(kCases[i].name.size()), kCases[i].name.data());
    for (const auto& [outcome, count] : served) {
      std::fprintf(out, "  %s %.1f%%", outcome.c_str(),
                   100.0 * static_cast<double>(count) / static_cast<double>(work.prepared.size()));
    }
    std::fprintf(out, "\n");
  }
}

}  // namespace sluice_bench
