#pragma once

#include <memory>

#include "sluice/store/store.hpp"

namespace prometheus {
class Registry;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace sluice::server {

// A Store that times every call into `sluice_store_operation_seconds{operation,outcome}` and
// forwards it unchanged: metrics without touching either store implementation.
class TimedStore final : public store::Store {
 public:
  TimedStore(store::Store& inner, prometheus::Registry& registry);

  void migrate() override;
  int schema_version() override;
  std::int64_t store_version() override;
  std::vector<store::FlagRecord> list_flags(bool include_archived) override;
  std::optional<store::FlagRecord> get_flag(std::string_view key) override;
  store::WriteResult create_flag(std::string_view key, std::string_view definition_json,
                                 bool enabled, std::string_view actor) override;
  using store::Store::update_flag;
  store::WriteResult update_flag(std::string_view key, std::string_view definition_json,
                                 std::optional<std::int64_t> expected_version,
                                 std::string_view actor,
                                 const store::FlagWriteGuard& guard) override;
  using store::Store::set_enabled;
  store::WriteResult set_enabled(std::string_view key, bool enabled, std::string_view actor,
                                 const store::FlagOutbox& outbox) override;
  store::WriteResult set_rollout_outcome(std::string_view key, const store::RolloutOutcome& outcome,
                                         std::string_view actor) override;
  store::WriteResult archive_flag(std::string_view key,
                                  std::optional<std::int64_t> expected_version,
                                  std::string_view actor) override;
  std::vector<store::SegmentRecord> list_segments() override;
  std::optional<store::SegmentRecord> get_segment(std::string_view key) override;
  store::WriteResult create_segment(std::string_view key, std::string_view definition_json,
                                    std::string_view actor) override;
  store::WriteResult update_segment(std::string_view key, std::string_view definition_json,
                                    std::optional<std::int64_t> expected_version,
                                    std::string_view actor) override;
  store::WriteResult delete_segment(std::string_view key,
                                    std::optional<std::int64_t> expected_version,
                                    std::string_view actor) override;
  std::vector<store::AuditEntry> audit(const store::AuditQuery& query) override;
  std::vector<store::Change> changes_since(std::int64_t version, int limit) override;
  store::WriteResult create_token(std::string_view name, store::TokenScope scope,
                                  std::string_view sha256_hex, std::string_view actor) override;
  std::optional<store::TokenRecord> token_by_hash(std::string_view sha256_hex) override;
  std::vector<store::TokenRecord> list_tokens() override;
  bool revoke_token(std::string_view name, std::string_view actor) override;
  store::RolloutCreateResult create_rollout(std::string_view flag, std::string_view policy_json,
                                            std::string_view policy_hash,
                                            std::string_view state_json,
                                            std::string_view window_json, std::string_view phase,
                                            std::string_view actor) override;
  std::vector<store::RolloutRecord> list_rollouts(bool include_finished) override;
  std::optional<store::RolloutRecord> latest_rollout(std::string_view flag) override;
  std::optional<store::RolloutRecord> get_rollout(std::int64_t id) override;
  std::vector<store::DecisionWriteResult> record_decisions(
      const std::vector<store::DecisionWrite>& writes) override;
  std::vector<store::DecisionRecord> decisions(std::int64_t rollout_id, std::int64_t after_sequence,
                                               int limit) override;
  std::vector<store::OutboxRecord> due_outbox(std::string_view now, int limit) override;
  std::vector<store::OutboxRecord> claim_outbox(std::string_view now, std::string_view lease_until,
                                                int limit) override;
  bool mark_outbox_delivered(std::int64_t id, std::string_view at) override;
  bool mark_outbox_failed(std::int64_t id, std::string_view error,
                          std::string_view next_attempt_at) override;
  bool mark_outbox_dead(std::int64_t id, std::string_view error, std::string_view at) override;
  std::vector<store::OutboxRecord> list_outbox(const store::OutboxQuery& query) override;
  std::optional<store::OutboxRecord> get_outbox(std::int64_t id) override;
  store::OutboxRetryResult retry_outbox(std::int64_t id, std::string_view now,
                                        std::string_view actor) override;
  std::vector<store::RolloutHistoryRecord> list_history(std::size_t newest = 0) override;
  store::HistoryImportResult import_history(const std::vector<store::RolloutHistoryRecord>& records,
                                            std::string_view actor) override;
  bool hold_controller_lease() override { return inner_.hold_controller_lease(); }
  void subscribe(std::function<void(const store::Change&)> callback) override;

 private:
  template <typename Call>
  auto timed(const char* operation, Call&& call) -> decltype(call());

  store::Store& inner_;
  prometheus::Family<prometheus::Histogram>* seconds_;
};

}  // namespace sluice::server
