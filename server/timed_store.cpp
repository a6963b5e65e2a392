#include "timed_store.hpp"

#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>

namespace sluice::server {

TimedStore::TimedStore(store::Store& inner, prometheus::Registry& registry)
    : inner_(inner),
      seconds_(&prometheus::BuildHistogram()
                    .Name("sluice_store_operation_seconds")
                    .Help("Duration of store calls, by operation and outcome (ok or error)")
                    .Register(registry)) {}

template <typename Call>
auto TimedStore::timed(const char* operation, Call&& call) -> decltype(call()) {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
  const auto start = std::chrono::steady_clock::now();
  auto observe = [&](const char* outcome) {
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    seconds_->Add({{"operation", operation}, {"outcome", outcome}}, kBuckets)
        .Observe(elapsed.count());
  };
  try {
    if constexpr (std::is_void_v<decltype(call())>) {
      call();
      observe("ok");
    } else {
      auto result = call();
      observe("ok");
      return result;
    }
  } catch (...) {
    observe("error");
    throw;
  }
}

void TimedStore::migrate() {
  timed("migrate", [&] { inner_.migrate(); });
}
int TimedStore::schema_version() {
  return timed("schema_version", [&] { return inner_.schema_version(); });
}
std::int64_t TimedStore::store_version() {
  return timed("store_version", [&] { return inner_.store_version(); });
}
std::vector<store::FlagRecord> TimedStore::list_flags(bool include_archived) {
  return timed("list_flags", [&] { return inner_.list_flags(include_archived); });
}
std::optional<store::FlagRecord> TimedStore::get_flag(std::string_view key) {
  return timed("get_flag", [&] { return inner_.get_flag(key); });
}
store::WriteResult TimedStore::create_flag(std::string_view key, std::string_view definition_json,
                                           bool enabled, std::string_view actor) {
  return timed("create_flag",
               [&] { return inner_.create_flag(key, definition_json, enabled, actor); });
}
store::WriteResult TimedStore::update_flag(std::string_view key, std::string_view definition_json,
                                           std::optional<std::int64_t> expected_version,
                                           std::string_view actor,
                                           const store::FlagWriteGuard& guard) {
  return timed("update_flag", [&] {
    return inner_.update_flag(key, definition_json, expected_version, actor, guard);
  });
}
store::WriteResult TimedStore::set_rollout_outcome(std::string_view key,
                                                   const store::RolloutOutcome& outcome,
                                                   std::string_view actor) {
  return timed("set_rollout_outcome",
               [&] { return inner_.set_rollout_outcome(key, outcome, actor); });
}
store::WriteResult TimedStore::set_enabled(std::string_view key, bool enabled,
                                           std::string_view actor,
                                           const store::FlagOutbox& outbox) {
  return timed("set_enabled", [&] { return inner_.set_enabled(key, enabled, actor, outbox); });
}
store::WriteResult TimedStore::archive_flag(std::string_view key,
                                            std::optional<std::int64_t> expected_version,
                                            std::string_view actor) {
  return timed("archive_flag", [&] { return inner_.archive_flag(key, expected_version, actor); });
}
std::vector<store::SegmentRecord> TimedStore::list_segments() {
  return timed("list_segments", [&] { return inner_.list_segments(); });
}
std::optional<store::SegmentRecord> TimedStore::get_segment(std::string_view key) {
  return timed("get_segment", [&] { return inner_.get_segment(key); });
}
store::WriteResult TimedStore::create_segment(std::string_view key,
                                              std::string_view definition_json,
                                              std::string_view actor) {
  return timed("create_segment",
               [&] { return inner_.create_segment(key, definition_json, actor); });
}
store::WriteResult TimedStore::update_segment(std::string_view key,
                                              std::string_view definition_json,
                                              std::optional<std::int64_t> expected_version,
                                              std::string_view actor) {
  return timed("update_segment", [&] {
    return inner_.update_segment(key, definition_json, expected_version, actor);
  });
}
store::WriteResult TimedStore::delete_segment(std::string_view key,
                                              std::optional<std::int64_t> expected_version,
                                              std::string_view actor) {
  return timed("delete_segment",
               [&] { return inner_.delete_segment(key, expected_version, actor); });
}
std::vector<store::AuditEntry> TimedStore::audit(const store::AuditQuery& query) {
  return timed("audit", [&] { return inner_.audit(query); });
}
std::vector<store::Change> TimedStore::changes_since(std::int64_t version, int limit) {
  return timed("changes_since", [&] { return inner_.changes_since(version, limit); });
}
store::WriteResult TimedStore::create_token(std::string_view name, store::TokenScope scope,
                                            std::string_view sha256_hex, std::string_view actor) {
  return timed("create_token", [&] { return inner_.create_token(name, scope, sha256_hex, actor); });
}
std::optional<store::TokenRecord> TimedStore::token_by_hash(std::string_view sha256_hex) {
  return timed("token_by_hash", [&] { return inner_.token_by_hash(sha256_hex); });
}
std::vector<store::TokenRecord> TimedStore::list_tokens() {
  return timed("list_tokens", [&] { return inner_.list_tokens(); });
}
bool TimedStore::revoke_token(std::string_view name, std::string_view actor) {
  return timed("revoke_token", [&] { return inner_.revoke_token(name, actor); });
}
store::RolloutCreateResult TimedStore::create_rollout(
    std::string_view flag, std::string_view policy_json, std::string_view policy_hash,
    std::string_view state_json, std::string_view window_json, std::string_view phase,
    std::string_view actor) {
  return timed("create_rollout", [&] {
    return inner_.create_rollout(flag, policy_json, policy_hash, state_json, window_json, phase,
                                 actor);
  });
}
std::vector<store::RolloutRecord> TimedStore::list_rollouts(bool include_finished) {
  return timed("list_rollouts", [&] { return inner_.list_rollouts(include_finished); });
}
std::optional<store::RolloutRecord> TimedStore::latest_rollout(std::string_view flag) {
  return timed("latest_rollout", [&] { return inner_.latest_rollout(flag); });
}
std::optional<store::RolloutRecord> TimedStore::get_rollout(std::int64_t id) {
  return timed("get_rollout", [&] { return inner_.get_rollout(id); });
}
std::vector<store::DecisionWriteResult> TimedStore::record_decisions(
    const std::vector<store::DecisionWrite>& writes) {
  return timed("record_decisions", [&] { return inner_.record_decisions(writes); });
}
std::vector<store::DecisionRecord> TimedStore::decisions(std::int64_t rollout_id,
                                                         std::int64_t after_sequence, int limit) {
  return timed("decisions", [&] { return inner_.decisions(rollout_id, after_sequence, limit); });
}
std::vector<store::OutboxRecord> TimedStore::due_outbox(std::string_view now, int limit) {
  return timed("due_outbox", [&] { return inner_.due_outbox(now, limit); });
}
std::vector<store::OutboxRecord> TimedStore::claim_outbox(std::string_view now,
                                                          std::string_view lease_until, int limit) {
  return timed("claim_outbox", [&] { return inner_.claim_outbox(now, lease_until, limit); });
}
bool TimedStore::mark_outbox_delivered(std::int64_t id, std::string_view at) {
  return timed("mark_outbox_delivered", [&] { return inner_.mark_outbox_delivered(id, at); });
}
bool TimedStore::mark_outbox_failed(std::int64_t id, std::string_view error,
                                    std::string_view next_attempt_at) {
  return timed("mark_outbox_failed",
               [&] { return inner_.mark_outbox_failed(id, error, next_attempt_at); });
}
bool TimedStore::mark_outbox_dead(std::int64_t id, std::string_view error, std::string_view at) {
  return timed("mark_outbox_dead", [&] { return inner_.mark_outbox_dead(id, error, at); });
}
std::vector<store::OutboxRecord> TimedStore::list_outbox(const store::OutboxQuery& query) {
  return timed("list_outbox", [&] { return inner_.list_outbox(query); });
}
std::optional<store::OutboxRecord> TimedStore::get_outbox(std::int64_t id) {
  return timed("get_outbox", [&] { return inner_.get_outbox(id); });
}
store::OutboxRetryResult TimedStore::retry_outbox(std::int64_t id, std::string_view now,
                                                  std::string_view actor) {
  return timed("retry_outbox", [&] { return inner_.retry_outbox(id, now, actor); });
}
std::vector<store::RolloutHistoryRecord> TimedStore::list_history(std::size_t newest) {
  return timed("list_history", [&] { return inner_.list_history(newest); });
}
store::HistoryImportResult TimedStore::import_history(
    const std::vector<store::RolloutHistoryRecord>& records, std::string_view actor) {
  return timed("import_history", [&] { return inner_.import_history(records, actor); });
}
void TimedStore::subscribe(std::function<void(const store::Change&)> callback) {
  inner_.subscribe(std::move(callback));
}

}  // namespace sluice::server
