#pragma once

#include <memory>
#include <mutex>

#include "change_notifier.hpp"
#include "sluice/store/store.hpp"
#include "sql_backend.hpp"

namespace sluice::store::detail {

// The store's logic, written once over SqlBackend. Each write takes the next store version
// first (UPDATE store_meta ... RETURNING), which serialises writers on PostgreSQL: versions
// therefore commit in order, so a reader of the change feed never sees version N+1 before N.
class SqlStore final : public Store {
 public:
  SqlStore(std::unique_ptr<SqlBackend> backend, const StoreOptions& options);
  ~SqlStore() override;

  void migrate() override;
  int schema_version() override;
  std::int64_t store_version() override;

  std::vector<FlagRecord> list_flags(bool include_archived) override;
  std::optional<FlagRecord> get_flag(std::string_view key) override;
  WriteResult create_flag(std::string_view key, std::string_view definition_json, bool enabled,
                          std::string_view actor) override;
  using Store::update_flag;
  WriteResult update_flag(std::string_view key, std::string_view definition_json,
                          std::optional<std::int64_t> expected_version, std::string_view actor,
                          const FlagWriteGuard& guard) override;
  using Store::set_enabled;
  WriteResult set_enabled(std::string_view key, bool enabled, std::string_view actor,
                          const FlagOutbox& outbox) override;
  WriteResult set_rollout_outcome(std::string_view key, const RolloutOutcome& outcome,
                                  std::string_view actor) override;
  WriteResult archive_flag(std::string_view key, std::optional<std::int64_t> expected_version,
                           std::string_view actor) override;

  std::vector<SegmentRecord> list_segments() override;
  std::optional<SegmentRecord> get_segment(std::string_view key) override;
  WriteResult create_segment(std::string_view key, std::string_view definition_json,
                             std::string_view actor) override;
  WriteResult update_segment(std::string_view key, std::string_view definition_json,
                             std::optional<std::int64_t> expected_version,
                             std::string_view actor) override;
  WriteResult delete_segment(std::string_view key, std::optional<std::int64_t> expected_version,
                             std::string_view actor) override;

  std::vector<AuditEntry> audit(const AuditQuery& query) override;
  std::vector<Change> changes_since(std::int64_t version, int limit) override;

  WriteResult create_token(std::string_view name, TokenScope scope, std::string_view sha256_hex,
                           std::string_view actor) override;
  std::optional<TokenRecord> token_by_hash(std::string_view sha256_hex) override;
  std::vector<TokenRecord> list_tokens() override;
  bool revoke_token(std::string_view name, std::string_view actor) override;

  RolloutCreateResult create_rollout(std::string_view flag, std::string_view policy_json,
                                     std::string_view policy_hash, std::string_view state_json,
                                     std::string_view window_json, std::string_view phase,
                                     std::string_view actor) override;
  std::vector<RolloutRecord> list_rollouts(bool include_finished) override;
  std::optional<RolloutRecord> latest_rollout(std::string_view flag) override;
  std::optional<RolloutRecord> get_rollout(std::int64_t id) override;
  std::vector<DecisionWriteResult> record_decisions(
      const std::vector<DecisionWrite>& writes) override;
  std::vector<DecisionRecord> decisions(std::int64_t rollout_id, std::int64_t after_sequence,
                                        int limit) override;
  std::vector<OutboxRecord> due_outbox(std::string_view now, int limit) override;
  std::vector<OutboxRecord> claim_outbox(std::string_view now, std::string_view lease_until,
                                         int limit) override;
  bool mark_outbox_delivered(std::int64_t id, std::string_view at) override;
  bool mark_outbox_failed(std::int64_t id, std::string_view error,
                          std::string_view next_attempt_at) override;
  bool mark_outbox_dead(std::int64_t id, std::string_view error, std::string_view at) override;
  std::vector<OutboxRecord> list_outbox(const OutboxQuery& query) override;
  std::optional<OutboxRecord> get_outbox(std::int64_t id) override;
  OutboxRetryResult retry_outbox(std::int64_t id, std::string_view now,
                                 std::string_view actor) override;

  std::vector<RolloutHistoryRecord> list_history(std::size_t newest = 0) override;
  HistoryImportResult import_history(const std::vector<RolloutHistoryRecord>& records,
                                     std::string_view actor) override;

  void subscribe(std::function<void(const Change&)> callback) override;
  bool hold_controller_lease() override;

 private:
  // What one write records besides its row change.
  struct Event {
    std::string_view actor;
    std::string_view action;       // audit action
    std::string_view target_kind;  // audit target kind
    std::string_view change_kind;  // change-feed kind
    std::string_view key;
    std::optional<std::string> before_json;
    std::optional<std::string> after_json;
  };
  // Takes the next store version; the row lock it holds orders all writers.
  static std::int64_t next_store_version(SqlTx& tx);
  // Appends the audit entry and the change-feed entry for `store_version`.
  static void record(SqlTx& tx, std::int64_t store_version, const std::string& at,
                     const Event& event);
  // Keeps a finished rollout's outcome on its flag (flag_state), bumps the flag's version and
  // audits it on the flag; `version` is the store version of the decision that finished it.
  static void record_outcome(SqlTx& tx, std::int64_t version, const std::string& now,
                             const std::string& flag, const std::string& actor,
                             const RolloutOutcome& outcome);
  static std::vector<Change> read_changes(SqlTx& tx, std::int64_t after, int limit);
  // Enqueues notification rows outside a decision (a kill switch); the first row with a key wins.
  static void insert_outbox(SqlTx& tx, const std::vector<OutboxRecord>& rows,
                            const std::string& now);

  std::unique_ptr<SqlBackend> backend_;
  StoreOptions options_;
  std::mutex notifier_mutex_;
  std::unique_ptr<ChangeNotifier> notifier_;  // created by the first subscribe()
};

}  // namespace sluice::store::detail
