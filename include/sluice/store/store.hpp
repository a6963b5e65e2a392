#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/store/clock.hpp"
#include "sluice/store/errors.hpp"
#include "sluice/store/records.hpp"
#include "sluice/store/rollout_records.hpp"

namespace sluice::store {

// Builds the notification rows of a flag's state change from the flag before and after (the
// after version makes the event id), inside the write's transaction. Empty: nothing to notify.
using FlagOutbox =
    std::function<std::vector<OutboxRecord>(const FlagRecord& before, const FlagRecord& after)>;

// How a definition write treats the flag's rollout outcome (FlagRecord::rollout_outcome). The
// store does not read definitions: `overrides` says, from the flag as stored (inside the write's
// transaction, so a rollout finishing meanwhile is seen), whether the new definition changes what
// the outcome decides (the default serve). When it does, the write is refused with
// OverridesRollout unless `override_rollout`; then the outcome is cleared with the write and the
// audit entry's action is "override_rollout" instead of "update". A write that does not override
// keeps the outcome.
struct FlagWriteGuard {
  std::function<bool(const FlagRecord& before)> overrides;
  bool override_rollout = false;
};

// Flags, segments, tokens, the audit log and the change feed. Every call blocks (run it on a
// worker pool, never on the event loop) and every call is thread-safe. Every write is one
// transaction: the row, its audit entry and its change-feed entry commit together.
// Errors: StoreUnavailable when the database cannot be reached, StoreError otherwise,
// std::invalid_argument for arguments no database could accept (empty key, bad hash).
class Store {
 public:
  virtual ~Store() = default;

  // Applies pending migrations. Throws SchemaTooNew if the database is newer than this binary.
  virtual void migrate() = 0;
  // The schema version recorded in the database (0 before migrate()).
  virtual int schema_version() = 0;

  // The version of the latest committed write; one per write, never reused.
  virtual std::int64_t store_version() = 0;

  virtual std::vector<FlagRecord> list_flags(bool include_archived) = 0;
  virtual std::optional<FlagRecord> get_flag(std::string_view key) = 0;
  virtual WriteResult create_flag(std::string_view key, std::string_view definition_json,
                                  bool enabled, std::string_view actor) = 0;
  // expected_version: optimistic concurrency; a different current version answers Conflict.
  WriteResult update_flag(std::string_view key, std::string_view definition_json,
                          std::optional<std::int64_t> expected_version, std::string_view actor) {
    return update_flag(key, definition_json, expected_version, actor, {});
  }
  virtual WriteResult update_flag(std::string_view key, std::string_view definition_json,
                                  std::optional<std::int64_t> expected_version,
                                  std::string_view actor, const FlagWriteGuard& guard) = 0;
  // Kill (false) or revive (true). Leaves the definition alone; a no-op write is still recorded.
  WriteResult set_enabled(std::string_view key, bool enabled, std::string_view actor) {
    return set_enabled(key, enabled, actor, {});
  }
  // The same, with the notifications of the change (kill_switch, revived) built by `outbox` from
  // the flag before and after, inside the write's transaction: enqueued with it or not at all.
  virtual WriteResult set_enabled(std::string_view key, bool enabled, std::string_view actor,
                                  const FlagOutbox& outbox) = 0;
  // Keeps `outcome` as the flag's rollout outcome outside a decision: for rollouts that finished
  // before migration 4 kept it on the flag (RolloutService::adopt_finished_rollouts). Audited like
  // a finishing decision's (action "rollout_" + kind), change-feed kind "state"; the flag's
  // version bumps. NotFound and Archived as for set_enabled.
  virtual WriteResult set_rollout_outcome(std::string_view key, const RolloutOutcome& outcome,
                                          std::string_view actor) = 0;
  virtual WriteResult archive_flag(std::string_view key,
                                   std::optional<std::int64_t> expected_version,
                                   std::string_view actor) = 0;

  virtual std::vector<SegmentRecord> list_segments() = 0;
  virtual std::optional<SegmentRecord> get_segment(std::string_view key) = 0;
  virtual WriteResult create_segment(std::string_view key, std::string_view definition_json,
                                     std::string_view actor) = 0;
  virtual WriteResult update_segment(std::string_view key, std::string_view definition_json,
                                     std::optional<std::int64_t> expected_version,
                                     std::string_view actor) = 0;
  virtual WriteResult delete_segment(std::string_view key,
                                     std::optional<std::int64_t> expected_version,
                                     std::string_view actor) = 0;

  virtual std::vector<AuditEntry> audit(const AuditQuery& query) = 0;

  // Changes with a version above `version`, oldest first, at most `limit` (clamped to 1..10000).
  virtual std::vector<Change> changes_since(std::int64_t version, int limit) = 0;

  // Tokens are audited like other writes (never with their hash) and appear in the change feed
  // (kind "token") so every replica can drop cached credentials.
  virtual WriteResult create_token(std::string_view name, TokenScope scope,
                                   std::string_view sha256_hex, std::string_view actor) = 0;
  // Only tokens that are not revoked: a revoked token is as good as an unknown one.
  virtual std::optional<TokenRecord> token_by_hash(std::string_view sha256_hex) = 0;
  virtual std::vector<TokenRecord> list_tokens() = 0;  // revoked ones too
  // False if there is no such token or it is already revoked.
  virtual bool revoke_token(std::string_view name, std::string_view actor) = 0;

  // ---- Rollouts (sluice/store/rollout_records.hpp) ----
  // Creates a rollout of `flag` with its first state (sequence 0, no decision yet). Audited
  // (action "start", target_kind "rollout") and in the change feed (kind "rollout", key = flag).
  virtual RolloutCreateResult create_rollout(std::string_view flag, std::string_view policy_json,
                                             std::string_view policy_hash,
                                             std::string_view state_json,
                                             std::string_view window_json, std::string_view phase,
                                             std::string_view actor) = 0;
  // Rollouts, oldest first: the active ones, or every rollout ever started.
  virtual std::vector<RolloutRecord> list_rollouts(bool include_finished) = 0;
  // The flag's latest rollout (active or not), or nothing if it never had one.
  virtual std::optional<RolloutRecord> latest_rollout(std::string_view flag) = 0;
  virtual std::optional<RolloutRecord> get_rollout(std::int64_t id) = 0;
  // Persists decisions, each atomically with its rollout's new state and outbox rows, all in ONE
  // transaction (a tick of 10,000 rollouts is one commit), one change-feed entry per rollout
  // written. Results are in the order of `writes`; a Duplicate, Conflict, NotFound or NotActive
  // write leaves its rollout untouched and does not stop the others.
  virtual std::vector<DecisionWriteResult> record_decisions(
      const std::vector<DecisionWrite>& writes) = 0;
  // A rollout's decisions with sequence > after_sequence, in sequence order, at most `limit`
  // (clamped to 1..1000).
  virtual std::vector<DecisionRecord> decisions(std::int64_t rollout_id,
                                                std::int64_t after_sequence, int limit) = 0;
  // Outbox rows not yet delivered whose next attempt is due at `now` (RFC 3339), oldest first.
  virtual std::vector<OutboxRecord> due_outbox(std::string_view now, int limit) = 0;

  // ---- Notification delivery (the outbox worker, GET /v1/notifications) ----
  // Claims up to `limit` pending rows due at `now`, oldest first, for one delivery attempt each:
  // attempts + 1 and next_attempt_at = lease_until, atomically, so another replica's worker does
  // not take them meanwhile, and a worker that dies mid-send leaves them due again at
  // lease_until (at-least-once). PostgreSQL: FOR UPDATE SKIP LOCKED.
  virtual std::vector<OutboxRecord> claim_outbox(std::string_view now, std::string_view lease_until,
                                                 int limit) = 0;
  // The outcome of a claimed attempt. Each returns false (and changes nothing) when the row is
  // no longer pending: delivered meanwhile, or dead-lettered.
  virtual bool mark_outbox_delivered(std::int64_t id, std::string_view at) = 0;
  virtual bool mark_outbox_failed(std::int64_t id, std::string_view error,
                                  std::string_view next_attempt_at) = 0;
  virtual bool mark_outbox_dead(std::int64_t id, std::string_view error, std::string_view at) = 0;
  virtual std::vector<OutboxRecord> list_outbox(const OutboxQuery& query) = 0;
  virtual std::optional<OutboxRecord> get_outbox(std::int64_t id) = 0;
  // A person's retry of a dead (or pending) row: due at `now`, attempts 0, dead_at cleared,
  // retried_at = now. Audited (action "retry", target_kind "notification", target_key = id).
  virtual OutboxRetryResult retry_outbox(std::int64_t id, std::string_view now,
                                         std::string_view actor) = 0;

  // ---- Deployment history (the anomaly model's training data) ----
  // History rows, oldest first (by finished_at, then id): every row, or with `newest` > 0 only the
  // newest that many (what the anomaly model keeps), so training does not read the whole table.
  virtual std::vector<RolloutHistoryRecord> list_history(std::size_t newest = 0) = 0;
  // All or nothing, in one transaction; a key already present is counted as a duplicate and kept.
  // Audited (action "import", target_kind "history") and in the change feed (kind "history") so
  // the controller retrains.
  virtual HistoryImportResult import_history(const std::vector<RolloutHistoryRecord>& records,
                                             std::string_view actor) = 0;

  // ---- Controller leadership (ARCHITECTURE decision 6) ----
  // Whether this process may run the rollout controller loop: true while it holds the lease.
  // PostgreSQL: a session advisory lock on a dedicated connection, tried again on each call
  // when not held, and lost with the connection (another replica takes over). SQLite: always
  // true (one node). Never throws; false when the database cannot be reached.
  virtual bool hold_controller_lease() = 0;

  // Calls `callback` on a store-owned thread with every change committed after this call, in
  // version order, each once — including changes made by other processes on the same database.
  // Subscribe before loading a snapshot and skip changes at or below the snapshot's version.
  // A callback must not throw (exceptions are swallowed) and should return quickly.
  virtual void subscribe(std::function<void(const Change&)> callback) = 0;
};

struct StoreOptions {
  Clock clock = system_clock();
  // How often subscribers' feed is re-read even without a notification: catches up after a lost
  // PostgreSQL listener connection, and picks up other processes' writes to a SQLite file.
  std::chrono::milliseconds change_poll_interval{2000};
  // PostgreSQL only.
  int pool_size = 4;
  std::chrono::seconds connect_timeout{5};
  std::chrono::milliseconds statement_timeout{5000};
  std::chrono::milliseconds reconnect_backoff_min{100};
  std::chrono::milliseconds reconnect_backoff_max{5000};
  // SQLite only: how long to wait for another process's write lock.
  std::chrono::milliseconds sqlite_busy_timeout{5000};
};

// "sqlite:PATH" (or "sqlite::memory:") or "postgresql://..." / "postgres://..." (a libpq URI).
// Throws StoreError with a clear message for any other URL. Does not migrate.
std::unique_ptr<Store> open_store(const std::string& url, const StoreOptions& options = {});

}  // namespace sluice::store
