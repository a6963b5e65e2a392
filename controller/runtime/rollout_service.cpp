#include "rollout_service.hpp"

#include <openssl/evp.h>

#include <map>
#include <set>

#include "decision_writes.hpp"
#include "rollout_json.hpp"
#include "rollout_outcome.hpp"
#include "sluice/analysis_window.hpp"
#include "sluice/policy_json.hpp"
#include "sluice/policy_loader.hpp"
#include "sluice/rollout_split.hpp"

namespace sluice::controller {
namespace {

constexpr int kCommandAttempts = 3;  // a tick that decides first makes us re-read and re-apply

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}

}  // namespace

RolloutService::RolloutService(store::Store& store, PolicyCache& policies,
                               std::function<FlagSet()> flags,
                               std::function<rollout::TimePoint()> clock,
                               std::function<void()> on_change, DecisionWriteHooks writes)
    : store_(store),
      policies_(policies),
      flags_(std::move(flags)),
      clock_(std::move(clock)),
      on_change_(std::move(on_change)),
      writes_(std::move(writes)) {}

std::string RolloutService::policy_hash(const Policy& policy) {
  return sha256_hex(policy_to_json(policy));
}

StartOutcome RolloutService::start(const Policy& policy, std::string_view actor) {
  StartOutcome outcome;
  const FlagSet flags = flags_();
  outcome.problems = check_policy(policy, &flags);
  if (!outcome.problems.empty()) {
    outcome.status = StartOutcome::Status::invalid;
    return outcome;
  }
  const rollout::RolloutState state = rollout::initial_state(policy);
  rollout::AnalysisWindow window;
  window.started_at = state.window_started_at;
  auto created = store_.create_rollout(policy.flag, policy_to_json(policy), policy_hash(policy),
                                       state_to_json(state), window_to_json(window),
                                       rollout::to_string(state.phase), actor);
  outcome.rollout = std::move(created.rollout);
  switch (created.status) {
    case store::RolloutCreateStatus::Ok:
      outcome.status = StartOutcome::Status::started;
      if (on_change_) on_change_();
      break;
    case store::RolloutCreateStatus::ActiveExists:
      outcome.status = StartOutcome::Status::active_exists;
      break;
    case store::RolloutCreateStatus::FlagNotFound:
      outcome.status = StartOutcome::Status::flag_not_found;
      break;
  }
  return outcome;
}

CommandOutcome RolloutService::command(std::string_view flag, const rollout::Command& command) {
  CommandOutcome outcome;
  for (int attempt = 0; attempt < kCommandAttempts; ++attempt) {
    auto record = store_.latest_rollout(flag);
    if (!record) {
      outcome.status = CommandOutcome::Status::no_rollout;
      outcome.error = "flag '" + std::string(flag) + "' has no rollout";
      return outcome;
    }
    const auto policy = policies_.policy_of(*record);
    const rollout::RolloutState state = state_from_json(record->state_json);
    const rollout::TimePoint now = clock_();
    rollout::CommandResult result = rollout::apply(*policy, state, command, now);
    if (!result.ok()) {
      outcome.status = CommandOutcome::Status::refused;
      outcome.error = result.error;
      return outcome;
    }
    const rollout::AnalysisWindow window = rollout::carry_window(
        window_from_json(record->window_json), result.decision->next, policy->interval);
    auto write =
        decision_write(*record, *policy, *result.decision, window, /*audit=*/true, writes_);
    auto written = store_.record_decisions({write});
    const auto status = written.empty() ? store::DecisionWriteStatus::Conflict : written[0].status;
    if (status == store::DecisionWriteStatus::Ok) {
      outcome.status = CommandOutcome::Status::ok;
      outcome.decision = std::move(write.decision);
      if (on_change_) on_change_();
      return outcome;
    }
    if (status == store::DecisionWriteStatus::NotFound) break;
    // Conflict, Duplicate or NotActive: the controller decided in between; look again.
  }
  outcome.status = CommandOutcome::Status::busy;
  outcome.error = "the rollout of '" + std::string(flag) +
                  "' kept changing while the command was applied; try again";
  return outcome;
}

std::vector<std::string> RolloutService::sync_policies(const std::vector<Policy>& policies) {
  std::vector<std::string> log;
  for (const auto& policy : policies) {
    const std::string hash = policy_hash(policy);
    auto latest = store_.latest_rollout(policy.flag);
    if (latest && latest->policy_hash == hash) continue;  // this policy ran or runs
    if (latest && latest->active) {
      log.push_back("policy for '" + policy.flag + "' changed while rollout " +
                    std::to_string(latest->id) +
                    " is active; the change applies to the next rollout (abort this one to "
                    "start over)");
      continue;
    }
    StartOutcome started = start(policy, "flags-dir");
    switch (started.status) {
      case StartOutcome::Status::started:
        log.push_back("started rollout " + std::to_string(started.rollout->id) + " of '" +
                      policy.flag + "' from the flags folder");
        break;
      case StartOutcome::Status::invalid:
        for (const auto& d : started.problems)
          log.push_back(d.format());
        break;
      case StartOutcome::Status::active_exists:
        break;
      case StartOutcome::Status::flag_not_found:
        log.push_back("policy for '" + policy.flag + "': no such flag");
        break;
    }
  }
  return log;
}

std::vector<RolloutSplit> RolloutService::splits(const std::vector<store::FlagRecord>& flags) {
  std::map<std::string, const store::FlagRecord*, std::less<>> flag_by_key;
  for (const auto& f : flags)
    flag_by_key[f.key] = &f;
  std::vector<RolloutSplit> splits;
  std::set<std::string, std::less<>> active;
  // An active rollout serves its current split, from its stored state.
  for (const auto& record : store_.list_rollouts(/*include_finished=*/false)) {
    if (!flag_by_key.contains(record.flag)) continue;
    try {
      const auto policy = policies_.policy_of(record);
      const rollout::RolloutState state = state_from_json(record.state_json);
      splits.push_back(RolloutSplit{record.flag, policy->treatment, policy->control,
                                    policy->bucket_by, rollout::served_split(*policy, state),
                                    "the rollout of " + record.flag + " (" + record.phase +
                                        "; rollout " + std::to_string(record.id) + ")"});
      active.insert(record.flag);
    } catch (const std::exception&) {
      continue;  // reported by the scheduler; the flag serves what people wrote
    }
  }
  // A finished one serves its outcome, kept on the flag until a person overrides it.
  for (const auto& flag : flags) {
    if (!flag.rollout_outcome || active.contains(flag.key)) continue;
    if (auto split = served_by_outcome(flag.key, *flag.rollout_outcome))
      splits.push_back(std::move(*split));
  }
  return splits;
}

std::vector<std::string> RolloutService::adopt_finished_rollouts() {
  std::map<std::string, store::RolloutRecord, std::less<>> latest;
  for (auto& r : store_.list_rollouts(/*include_finished=*/true)) {
    auto& slot = latest[r.flag];
    if (r.id > slot.id) slot = std::move(r);
  }
  std::vector<std::string> log;
  for (const auto& flag : store_.list_flags(/*include_archived=*/false)) {
    if (flag.rollout_outcome) continue;
    auto it = latest.find(flag.key);
    if (it == latest.end() || it->second.active) continue;
    const store::RolloutRecord& record = it->second;
    // The rule before schema 4: a write to the flag after the rollout ended made it theirs again.
    if (flag.updated_at > record.updated_at) continue;
    try {
      const auto policy = policies_.policy_of(record);
      const rollout::RolloutState state = state_from_json(record.state_json);
      if (!state.terminal()) continue;
      const RolloutSplit split{flag.key,
                               policy->treatment,
                               policy->control,
                               policy->bucket_by,
                               rollout::served_split(*policy, state),
                               {}};
      const store::RolloutOutcome outcome{std::string(rollout::to_string(state.phase)), record.id,
                                          served_split_json(split), record.updated_at};
      if (store_.set_rollout_outcome(flag.key, outcome, "controller").status ==
          store::WriteStatus::Ok) {
        log.push_back("kept the outcome of rollout " + std::to_string(record.id) + " of '" +
                      flag.key + "' (" + outcome.kind +
                      ", finished before schema 4) as the flag's runtime state");
      }
    } catch (const std::exception& e) {
      log.push_back("rollout " + std::to_string(record.id) + " of '" + flag.key +
                    "': cannot keep its outcome: " + e.what());
    }
  }
  return log;
}

}  // namespace sluice::controller
