#pragma once

// Starting rollouts and people's commands on them (the API and the flags folder call these).
// Every call blocks on the store: run it on the worker pool, never on the event loop. A command
// is the pure state machine's `apply`, persisted as a decision (audited, with the person's name
// and reason) exactly like a controller decision; the scheduler is woken so the new split and
// the next tick follow at once.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "decision_writes.hpp"
#include "policy_cache.hpp"
#include "rollout_overlay.hpp"
#include "sluice/flag_definition.hpp"
#include "sluice/policy.hpp"
#include "sluice/rollout.hpp"
#include "sluice/source_location.hpp"
#include "sluice/store/store.hpp"

namespace sluice::controller {

struct StartOutcome {
  enum class Status { started, invalid, active_exists, flag_not_found };
  Status status = Status::started;
  Diagnostics problems;                         // invalid: what is wrong, field by field
  std::optional<store::RolloutRecord> rollout;  // the new one, or the active one in the way
};

struct CommandOutcome {
  enum class Status { ok, no_rollout, refused, busy };
  Status status = Status::ok;
  std::string error;  // refused: why the command makes no sense now (the state machine's words)
  std::optional<store::DecisionRecord> decision;
};

class RolloutService {
 public:
  // `flags`: the definitions people wrote (without rollout splits), to check policies against.
  RolloutService(store::Store& store, PolicyCache& policies, std::function<FlagSet()> flags,
                 std::function<rollout::TimePoint()> clock, std::function<void()> on_change,
                 DecisionWriteHooks writes = {});

  StartOutcome start(const Policy& policy, std::string_view actor);
  CommandOutcome command(std::string_view flag, const rollout::Command& command);

  // The flags folder: starts each policy whose flag has no rollout yet, or whose last rollout
  // finished under a different policy. A changed policy for an active rollout is reported, not
  // applied (a policy is fixed for its rollout; abort it to start over). Returns what happened,
  // one line each, for the log.
  std::vector<std::string> sync_policies(const std::vector<Policy>& policies);

  // What the snapshot serves: the current split of each active rollout, and for a flag without
  // one the outcome of its last finished rollout (FlagRecord::rollout_outcome), which holds until
  // a person overrides it explicitly (a definition write that changes the default says so).
  std::vector<RolloutSplit> splits(const std::vector<store::FlagRecord>& flags);

  // Rollouts that finished before schema 4 served their final split by a rule on `updated_at`
  // ("until someone writes the flag's definition again"), not as state of the flag. At start,
  // keeps the outcome of each flag whose latest rollout finished after the flag was last written
  // (Store::set_rollout_outcome, actor "controller"), so an upgrade changes nothing served. A
  // flag with an outcome, or written since, is left alone. Returns one log line per flag.
  std::vector<std::string> adopt_finished_rollouts();

  static std::string policy_hash(const Policy& policy);

 private:
  store::Store& store_;
  PolicyCache& policies_;
  std::function<FlagSet()> flags_;
  std::function<rollout::TimePoint()> clock_;
  std::function<void()> on_change_;
  DecisionWriteHooks writes_;
};

}  // namespace sluice::controller
