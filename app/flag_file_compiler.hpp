#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sluice/snapshot.hpp"

namespace sluice::app {

struct CompiledFlagFiles {
  std::shared_ptr<const Snapshot> snapshot;  // null when there are diagnostics
  Diagnostics diagnostics;
  std::size_t files = 0;
};

// Reads flag files and folders and compiles them. Shape problems are reported first: compiling a
// half-read definition would only add confusing follow-on errors.
CompiledFlagFiles compile_flag_files(const std::vector<std::string>& paths);

}  // namespace sluice::app
