#include <algorithm>
#include <cstdio>
#include <tuple>

#include "commands.hpp"
#include "flag_file_compiler.hpp"
#include "sluice/definition_files.hpp"
#include "sluice/policy_loader.hpp"

namespace sluice::app {

// Flags and policies in one run: flag problems, policy problems, and policies checked against
// the flags they roll out (when the flags are valid), sorted by file and position.
int run_validate(const std::vector<std::string>& paths) {
  DefinitionFiles files = classify_definition_files(paths);
  Diagnostics problems = std::move(files.problems);
  std::size_t flag_count = 0;
  std::size_t segment_count = 0;
  std::shared_ptr<const Snapshot> snapshot;
  if (!files.flag_files.empty()) {
    CompiledFlagFiles loaded = compile_flag_files(files.flag_files);
    for (auto& d : loaded.diagnostics)
      problems.push_back(std::move(d));
    snapshot = loaded.snapshot;
    if (snapshot) {
      flag_count = snapshot->definitions().flags.size();
      segment_count = snapshot->definitions().segments.size();
    }
  }
  std::size_t policy_count = 0;
  if (!files.policy_files.empty()) {
    PolicyLoadResult policies = load_policy_paths(files.policy_files);
    const bool readable = std::all_of(policies.diagnostics.begin(), policies.diagnostics.end(),
                                      [](const Diagnostic& d) { return d.meaning_intact; });
    for (auto& d : policies.diagnostics)
      problems.push_back(std::move(d));
    if (readable) {
      for (auto& d :
           check_policies(policies.policies, snapshot ? &snapshot->definitions() : nullptr)) {
        problems.push_back(std::move(d));
      }
    }
    policy_count = policies.policies.size();
  }
  if (!problems.empty()) {
    std::stable_sort(problems.begin(), problems.end(), [](const auto& a, const auto& b) {
      return std::tie(a.where.file, a.where.line, a.where.column) <
             std::tie(b.where.file, b.where.line, b.where.column);
    });
    for (const auto& diagnostic : problems)
      std::fprintf(stderr, "%s\n", diagnostic.format().c_str());
    std::fprintf(stderr, "%zu problem%s found\n", problems.size(), problems.size() == 1 ? "" : "s");
    return kExitInvalid;
  }
  std::printf("ok: %zu flags, %zu segments, %zu policies\n", flag_count, segment_count,
              policy_count);
  return kExitOk;
}

}  // namespace sluice::app
