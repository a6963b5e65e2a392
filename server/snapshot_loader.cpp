#include "snapshot_loader.hpp"

#include <map>

#include "flag_serving.hpp"
#include "sluice/definition_files.hpp"
#include "sluice/flag_loader.hpp"
#include "sluice/policy_loader.hpp"

namespace sluice::server {
namespace {

constexpr std::string_view kFilesActor = "flags-dir";

}  // namespace

SnapshotLoader::SnapshotLoader(store::Store& store, SnapshotPublisher& publisher,
                               std::vector<std::string> flag_paths)
    : store_(store), publisher_(publisher), flag_paths_(std::move(flag_paths)) {}

void SnapshotLoader::set_log(std::function<void(const std::string&)> log) {
  log_ = std::move(log);
}

void SnapshotLoader::set_rollouts(RolloutSplits splits, PolicySink policies) {
  rollout_splits_ = std::move(splits);
  policy_sink_ = std::move(policies);
}

FlagSet SnapshotLoader::definitions() const {
  std::lock_guard lock(definitions_mutex_);
  return definitions_;
}

FlagSet SnapshotLoader::definitions_from_files(Diagnostics& problems) {
  // The folder may hold rollout policies beside the flags.
  DefinitionFiles files = classify_definition_files(flag_paths_);
  if (!files.problems.empty()) {
    problems = std::move(files.problems);
    return {};
  }
  LoadResult loaded = load_flag_paths(files.flag_files);
  if (!loaded.ok()) {
    problems = std::move(loaded.diagnostics);
    return {};
  }
  if (!files.policy_files.empty()) {
    PolicyLoadResult policies = load_policy_paths(files.policy_files);
    if (policies.ok()) {
      Diagnostics meaning = check_policies(policies.policies, &loaded.definitions);
      if (!meaning.empty()) {
        problems = std::move(meaning);
        return {};
      }
      pending_policies_ = std::move(policies.policies);
    } else {
      problems = std::move(policies.diagnostics);
      return {};
    }
  }
  for (auto& flag : loaded.definitions.flags) {
    const std::string json = flag_to_json(flag);
    auto record = store_.get_flag(flag.key);
    if (!record) {
      store_.create_flag(flag.key, json, flag.enabled, kFilesActor);
    } else if (record->archived || record->definition_json != json) {
      // A changed file is a person's explicit write (a commit): if it changes the default of a
      // flag whose rollout finished, it overrides the rollout's outcome (audited as
      // override_rollout by flags-dir); any other change keeps the outcome.
      std::optional<store::RolloutOutcome> overridden;
      store::FlagWriteGuard guard;
      guard.overrides = [&](const store::FlagRecord& before) {
        if (!changes_default(before.definition_json, json)) return false;
        overridden = before.rollout_outcome;
        return true;
      };
      guard.override_rollout = true;
      const auto written = store_.update_flag(flag.key, json, std::nullopt, kFilesActor, guard);
      if (written.status == store::WriteStatus::Ok && overridden && log_) {
        log_("flag '" + flag.key +
             "': the file changes its default, which overrides the outcome of " + "rollout " +
             std::to_string(overridden->rollout_id) + " (" + overridden->kind + " on " +
             overridden->at + "); the file's default is served now");
      }
    }
  }
  return std::move(loaded.definitions);
}

FlagSet SnapshotLoader::definitions_from_store(Diagnostics& problems) {
  FlagSet set;
  for (const auto& record : store_.list_flags(/*include_archived=*/false)) {
    LoadResult read = read_single_flag_json(record.definition_json);
    if (!read.ok() || read.definitions.flags.size() != 1) {
      for (auto& d : read.diagnostics) {
        d.message = "stored flag '" + record.key + "': " + d.message;
        problems.push_back(std::move(d));
      }
      continue;
    }
    set.flags.push_back(std::move(read.definitions.flags[0]));
  }
  for (const auto& record : store_.list_segments()) {
    LoadResult read = read_single_segment_json(record.definition_json);
    if (!read.ok() || read.definitions.segments.size() != 1) {
      for (auto& d : read.diagnostics) {
        d.message = "stored segment '" + record.key + "': " + d.message;
        problems.push_back(std::move(d));
      }
      continue;
    }
    set.segments.push_back(std::move(read.definitions.segments[0]));
  }
  return set;
}

Diagnostics SnapshotLoader::reload() {
  std::lock_guard lock(reload_mutex_);
  // Read the version first: a write that lands while we read triggers another reload.
  const std::int64_t version = store_.store_version();
  Diagnostics problems;
  FlagSet definitions =
      files_managed() ? definitions_from_files(problems) : definitions_from_store(problems);
  if (!problems.empty()) return problems;

  const std::vector<store::FlagRecord> records = store_.list_flags(/*include_archived=*/false);
  std::map<std::string, bool, std::less<>> enabled;
  for (const auto& record : records)
    enabled[record.key] = record.enabled;
  for (auto& flag : definitions.flags) {
    if (auto it = enabled.find(flag.key); it != enabled.end()) flag.enabled = it->second;
  }
  {
    std::lock_guard definitions_lock(definitions_mutex_);
    definitions_ = definitions;
  }
  if (policy_sink_ && !pending_policies_.empty()) {
    policy_sink_(pending_policies_);
    pending_policies_.clear();
  }
  if (rollout_splits_) controller::apply_rollout_splits(definitions, rollout_splits_(records));
  CompileResult compiled = compile_snapshot(std::move(definitions));
  if (!compiled.snapshot) return std::move(compiled.diagnostics);
  publisher_.publish(std::move(compiled.snapshot),
                     files_managed() ? store_.store_version() : version);
  return {};
}

}  // namespace sluice::server
