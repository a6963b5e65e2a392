#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/store/records.hpp"

// Rollouts, their decision log and the notification outbox as the store keeps them. The store
// does not interpret the JSON columns (the controller writes and reads them); it enforces the
// invariants that make "persist, then act" safe (ARCHITECTURE decision 4): one active rollout per
// flag, decisions numbered 1, 2, 3... per rollout with no gap and no duplicate, and the rollout's
// state, its decision and the decision's outbox rows committed in one transaction.
namespace sluice::store {

struct RolloutRecord {
  std::int64_t id = 0;  // unique across all rollouts, never reused
  std::string flag;
  std::string policy_json;  // the policy as started (policy_to_json), fixed for the rollout
  std::string policy_hash;  // SHA-256 hex of the policy as written, to spot an unchanged file
  // The controller's state (RolloutState as JSON) and its running counts for the current analysis
  // window; both change with every decision.
  std::string state_json;
  std::string window_json;
  std::string phase;          // copied out of state_json for queries: pending, progressing, ...
  bool active = true;         // false once the phase is terminal (completed, rolled_back, aborted)
  std::int64_t sequence = 0;  // the last decision's sequence number (0: none yet)
  std::string started_by;     // token name, or "flags-dir"
  std::string created_at;
  std::string updated_at;
  std::int64_t version = 0;  // the store version of the last write to this rollout
};

struct DecisionRecord {
  std::int64_t rollout_id = 0;
  std::int64_t sequence = 0;  // 1, 2, 3... per rollout; (rollout_id, sequence) is unique
  std::string flag;
  std::string at;     // RFC 3339 (the decision's `now`, not the commit time)
  std::string actor;  // "controller" or a token name
  std::string kind;   // start, hold, advance, pause, resume, rollback, ...
  std::string from_phase;
  std::string to_phase;
  std::int64_t from_stage = 0;
  std::int64_t to_stage = 0;
  std::int64_t from_bp = 0;  // treatment share before and after, basis points
  std::int64_t to_bp = 0;
  std::string verdict;        // the judge's overall verdict, "" for manual commands
  std::string reason;         // a person's words, "" for the controller
  std::string sentence;       // one sentence a person understands
  std::string evidence_json;  // the judge's checks with their numbers, "null" if none
};

// One notification to one target: an event (a decision's rolled_back, a flag's kill_switch...)
// becomes one row per target it goes to, each delivered, retried and dead-lettered on its own.
// The idempotency key is unique: writing the same key twice keeps the first row.
struct OutboxRecord {
  std::int64_t id = 0;
  std::string idempotency_key;  // event_id + "#" + target
  // The event's id, the same for each of its targets: what receivers dedupe on (e.g.
  // "rollout/12/decision/7/rolled_back", "flag/checkout/version/9/kill_switch").
  std::string event_id;
  std::string target;      // the notification target's name ("" for rows older than migration 3)
  std::string event_kind;  // rolled_back, advanced, kill_switch, ...
  std::string flag;        // the flag the event is about ("" for rows older than migration 3)
  std::optional<std::int64_t> rollout_id;
  std::string payload_json;  // the event as the controller or the API saw it (never a secret)
  std::string created_at;
  std::int64_t attempts = 0;  // delivery attempts since creation or the last retry
  std::optional<std::string> next_attempt_at;
  std::optional<std::string> delivered_at;
  std::optional<std::string> dead_at;     // given up (dead letter): too old, or a final refusal
  std::optional<std::string> retried_at;  // a person's last retry; the maximum age counts from it
  std::optional<std::string> last_error;  // never a secret: names the target, not its URL
};

// One event's rows: one per target, keyed event_id + "#" + target, all with the same payload.
struct OutboxEvent {
  std::string event_id;
  std::string event_kind;
  std::string flag;
  std::optional<std::int64_t> rollout_id{};
  std::string payload_json;
  std::string created_at;
};
std::vector<OutboxRecord> outbox_rows(const OutboxEvent& event,
                                      const std::vector<std::string>& targets);

enum class OutboxStatus { Pending, Delivered, Dead };
OutboxStatus status_of(const OutboxRecord& record);
std::string_view to_string(OutboxStatus status);
std::optional<OutboxStatus> parse_outbox_status(std::string_view text);

// GET /v1/notifications: newest first, paged by id.
struct OutboxQuery {
  std::optional<OutboxStatus> status{};
  std::optional<std::string> flag{};
  std::optional<std::int64_t> before_id{};  // rows with id < before_id
  int limit = 100;                          // clamped to 1..1000
};

enum class OutboxRetryStatus {
  Ok,         // due again now, attempts back to 0, dead_at cleared
  NotFound,   // no such row
  Delivered,  // already delivered: nothing to retry
};

struct OutboxRetryResult {
  OutboxRetryStatus status = OutboxRetryStatus::Ok;
  std::optional<OutboxRecord> record;  // after the retry (or as it is, for Delivered)
};

// One finished rollout as the anomaly model learns from it: per stage, the feature vector of what
// the controller saw, and how the rollout ended. Written by the controller in the transaction of
// the decision that finishes the rollout, or imported (`sluice history import`).
struct RolloutHistoryRecord {
  std::int64_t id = 0;
  std::string key;  // unique: "rollout/12" for the controller's, the file's id for imports
  std::optional<std::int64_t> rollout_id;
  std::string flag;
  std::string outcome;  // completed, rolled_back_auto, rolled_back_manual, aborted
  std::string source;   // "controller" or "import"
  std::string started_at;
  std::string finished_at;
  std::string stages_json;  // the per-stage feature vectors, as the controller writes them
  std::string created_at;
};

struct HistoryImportResult {
  std::size_t inserted = 0;
  std::size_t duplicates = 0;  // keys already present: kept as they were
  std::int64_t store_version = 0;
};

// A decision to persist with the rollout's new state (the input of record_decision).
struct DecisionWrite {
  std::int64_t rollout_id = 0;
  // The rollout's sequence before this decision; the decision's own is expected_sequence + 1.
  std::int64_t expected_sequence = 0;
  std::string state_json;
  std::string window_json;
  std::string phase;
  bool active = true;
  DecisionRecord decision;  // decision.sequence must be expected_sequence + 1
  std::vector<OutboxRecord> outbox;
  // Manual commands are also written to the audit log (action = decision.kind, target_kind
  // "rollout", target_key = flag, after_json = the decision as JSON).
  bool audit = false;
  // Whether the decision changes what the flag serves (a new split, a roll back). Its change-feed
  // entry is kind "rollout" then, and "decision" otherwise, so replicas rebuild their snapshot
  // and tell stream subscribers only when something served changed (a tick of 10,000 holds
  // changes nothing served).
  bool changes_split = true;
  // For a decision that finishes the rollout: how it ended, kept on the flag (flag_state) in the
  // same transaction, the flag's version bumped, and audited on the flag (target_kind "flag",
  // action "rollout_" + outcome kind, actor = the decision's actor) — the flag serves it from then
  // on, across restarts and replicas (FlagRecord::rollout_outcome).
  std::optional<RolloutOutcome> outcome;
  // For a decision that finishes the rollout: its history row, written in the same transaction
  // (a duplicate key keeps the first row).
  std::optional<RolloutHistoryRecord> history;
};

enum class DecisionWriteStatus {
  Ok,         // written
  Duplicate,  // a decision with this (rollout, sequence) already exists: nothing written
  Conflict,   // the rollout's sequence is not expected_sequence (someone else decided first)
  NotFound,   // no such rollout
  NotActive,  // the rollout is finished: it takes no more decisions
};

struct DecisionWriteResult {
  DecisionWriteStatus status = DecisionWriteStatus::Ok;
  std::int64_t store_version = 0;  // 0 when nothing was written
};

enum class RolloutCreateStatus {
  Ok,
  ActiveExists,  // the flag already has an active rollout (returned in `existing`)
  FlagNotFound,  // no such flag, or it is archived
};

struct RolloutCreateResult {
  RolloutCreateStatus status = RolloutCreateStatus::Ok;
  std::optional<RolloutRecord> rollout;  // the new one, or the active one in the way
  std::int64_t store_version = 0;
};

std::string_view to_string(DecisionWriteStatus status);
std::string_view to_string(RolloutCreateStatus status);

}  // namespace sluice::store
