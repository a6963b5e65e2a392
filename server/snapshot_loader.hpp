#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "sluice/snapshot_publisher.hpp"
#include "sluice/source_location.hpp"
#include "sluice/store/store.hpp"

namespace sluice::server {

// Builds the served snapshot from definitions and runtime state and publishes it. Definitions
// come from the store (written through the API) or, with --flags-dir, from files; runtime state
// (enabled) always comes from the store, so the kill switch works in both modes. In files mode
// each file definition is mirrored into the store (audited as actor "flags-dir") so that its
// state has a row and its history is in the audit log.
class SnapshotLoader {
 public:
  SnapshotLoader(store::Store& store, SnapshotPublisher& publisher,
                 std::vector<std::string> flag_paths);

  // Re-reads everything and publishes a new snapshot. Calls are serialized. When the files or
  // the stored definitions do not compile, the previous snapshot stays and the problems are
  // returned. Throws store::StoreUnavailable when the store cannot be reached.
  Diagnostics reload();

  bool files_managed() const { return !flag_paths_.empty(); }
  const std::vector<std::string>& flag_paths() const { return flag_paths_; }

 private:
  FlagSet definitions_from_files(Diagnostics& problems);
  FlagSet definitions_from_store(Diagnostics& problems);

  store::Store& store_;
  SnapshotPublisher& publisher_;
  std::vector<std::string> flag_paths_;
  std::mutex reload_mutex_;
};

}  // namespace sluice::server
