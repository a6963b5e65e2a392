#include <cstdio>

#include "commands.hpp"
#include "load_snapshot.hpp"

namespace sluice::app {

int run_validate(const std::vector<std::string>& paths) {
  LoadedSnapshot loaded = load_snapshot(paths);
  if (!loaded.diagnostics.empty()) {
    for (const auto& diagnostic : loaded.diagnostics) {
      std::fprintf(stderr, "%s\n", diagnostic.format().c_str());
    }
    std::fprintf(stderr, "%zu problem%s found\n", loaded.diagnostics.size(),
                 loaded.diagnostics.size() == 1 ? "" : "s");
    return kExitInvalid;
  }
  const auto& definitions = loaded.snapshot->definitions();
  std::printf("ok: %zu flags, %zu segments\n", definitions.flags.size(),
              definitions.segments.size());
  return kExitOk;
}

}  // namespace sluice::app
