#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sluice/snapshot.hpp"

namespace sluice::app {

struct LoadedSnapshot {
  std::shared_ptr<const Snapshot> snapshot;  // null when there are diagnostics
  Diagnostics diagnostics;
  std::size_t files = 0;
};

// Reads flag files and folders and compiles them. Shape problems are reported first: compiling a
// half-read definition would only add confusing follow-on errors.
LoadedSnapshot load_snapshot(const std::vector<std::string>& paths);

}  // namespace sluice::app
