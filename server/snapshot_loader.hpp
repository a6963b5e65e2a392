#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "rollout_overlay.hpp"
#include "sluice/policy.hpp"

#include "sluice/snapshot_publisher.hpp"
#include "sluice/source_location.hpp"
#include "sluice/store/store.hpp"

namespace sluice::server {

// Builds the served snapshot from definitions and runtime state and publishes it. Definitions
// come from the store (written through the API) or, with --flags-dir, from files; runtime state
// (enabled) always comes from the store, so the kill switch works in both modes. In files mode
// each file definition is mirrored into the store (audited as actor "flags-dir") so that its
// state has a row and its history is in the audit log.
//
// Rollouts own their flag's default serve: the splits of the rollouts (from their stored state)
// are laid over the definitions when the snapshot is compiled (controller/runtime/
// rollout_overlay.hpp), so a decision takes effect by being persisted.
class SnapshotLoader {
 public:
  using RolloutSplits =
      std::function<std::vector<controller::RolloutSplit>(const std::vector<store::FlagRecord>&)>;
  // Policies found in the flags folder (files mode), to start their rollouts.
  using PolicySink = std::function<void(const std::vector<Policy>&)>;

  SnapshotLoader(store::Store& store, SnapshotPublisher& publisher,
                 std::vector<std::string> flag_paths);

  // Set before the first reload.
  void set_rollouts(RolloutSplits splits, PolicySink policies);

  // Where files mode says what a changed file overrode (a finished rollout's outcome).
  void set_log(std::function<void(const std::string&)> log);

  // Re-reads everything and publishes a new snapshot. Calls are serialized. When the files or
  // the stored definitions do not compile, the previous snapshot stays and the problems are
  // returned. Throws store::StoreUnavailable when the store cannot be reached.
  Diagnostics reload();

  // The definitions people wrote, without rollout splits, as of the last good reload.
  FlagSet definitions() const;

  bool files_managed() const { return !flag_paths_.empty(); }
  const std::vector<std::string>& flag_paths() const { return flag_paths_; }

 private:
  FlagSet definitions_from_files(Diagnostics& problems);
  FlagSet definitions_from_store(Diagnostics& problems);

  store::Store& store_;
  SnapshotPublisher& publisher_;
  std::vector<std::string> flag_paths_;
  std::mutex reload_mutex_;
  RolloutSplits rollout_splits_;
  std::vector<Policy> pending_policies_;  // read from the folder, handed to policy_sink_
  PolicySink policy_sink_;
  std::function<void(const std::string&)> log_;
  mutable std::mutex definitions_mutex_;
  FlagSet definitions_;  // guarded by definitions_mutex_
};

}  // namespace sluice::server
