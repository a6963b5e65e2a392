// The decision log and the notification outbox rows written with it (migration 2); the outbox
// is read in sql_store_outbox.cpp.
//
// record_decisions is the hot path: a controller tick persists every rollout's decision in one
// call. It reads the rollouts concerned once, decides every write in memory (in order, so two
// writes to one rollout in the same call chain correctly), then writes with a handful of
// multi-row statements per table instead of one statement per row: the cost is a few round trips
// on PostgreSQL, not tens of thousands.

#include <algorithm>
#include <stdexcept>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "sql_rows.hpp"
#include "sql_statements.hpp"
#include "sql_store.hpp"

namespace sluice::store::detail {
namespace {

// JSON text embedded as JSON when it parses, as a string otherwise (never lose what was written).
nlohmann::json embedded(const std::string& text) {
  nlohmann::json parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return text;
  return parsed;
}

std::string audit_json(const DecisionRecord& decision) {
  return nlohmann::json{{"rollout_id", decision.rollout_id},
                        {"sequence", decision.sequence},
                        {"flag", decision.flag},
                        {"at", decision.at},
                        {"actor", decision.actor},
                        {"kind", decision.kind},
                        {"from_phase", decision.from_phase},
                        {"to_phase", decision.to_phase},
                        {"from_stage", decision.from_stage},
                        {"to_stage", decision.to_stage},
                        {"from_bp", decision.from_bp},
                        {"to_bp", decision.to_bp},
                        {"verdict", decision.verdict},
                        {"reason", decision.reason},
                        {"sentence", decision.sentence},
                        {"evidence", embedded(decision.evidence_json)}}
      .dump();
}

// Arguments no database could accept; checked before any transaction starts.
void validate(const DecisionWrite& write) {
  const DecisionRecord& decision = write.decision;
  if (write.expected_sequence < 0) {
    throw std::invalid_argument("decision write: expected_sequence must not be negative");
  }
  if (decision.sequence != write.expected_sequence + 1) {
    throw std::invalid_argument("decision write: decision.sequence must be expected_sequence + 1");
  }
  if (decision.rollout_id != 0 && decision.rollout_id != write.rollout_id) {
    throw std::invalid_argument("decision write: decision.rollout_id differs from rollout_id");
  }
  require_non_empty(decision.actor, "decision actor");
  require_non_empty(decision.kind, "decision kind");
  require_non_empty(write.phase, "rollout phase");
  canonical_time(decision.at, "decision time");
  for (const OutboxRecord& record : write.outbox) {
    require_non_empty(record.idempotency_key, "outbox idempotency key");
    require_non_empty(record.event_kind, "outbox event kind");
    if (record.next_attempt_at) canonical_time(*record.next_attempt_at, "outbox next_attempt_at");
  }
  if (write.outcome) {
    require_non_empty(write.outcome->kind, "rollout outcome kind");
    canonical_time(write.outcome->at, "rollout outcome time");
  }
  if (write.history) {
    require_non_empty(write.history->key, "history key");
    require_non_empty(write.history->outcome, "history outcome");
    canonical_time(write.history->started_at, "history started_at");
    canonical_time(write.history->finished_at, "history finished_at");
  }
}

// What record_decisions needs of a rollout to judge a write, updated as writes are accepted.
struct RolloutHead {
  std::string flag;
  bool active = false;
  std::int64_t sequence = 0;
};
using Heads = std::unordered_map<std::int64_t, RolloutHead>;

// The distinct rollouts the writes concern, sorted.
std::vector<std::int64_t> rollout_ids(const std::vector<DecisionWrite>& writes) {
  std::vector<std::int64_t> ids;
  ids.reserve(writes.size());
  for (const DecisionWrite& write : writes)
    ids.push_back(write.rollout_id);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

Heads read_heads(SqlTx& tx, const std::vector<std::int64_t>& ids) {
  Heads heads;
  heads.reserve(ids.size());
  for (std::size_t done = 0; done < ids.size();) {
    const std::size_t chunk = std::min<std::size_t>(256, ids.size() - done);
    // Padded to 1, 4, 16, 64 or 256 ids by repeating the last (harmless in IN), so a few
    // statement texts serve every batch size.
    std::size_t padded = 1;
    while (padded < chunk)
      padded *= 4;
    std::string sql = "SELECT id, flag, active, sequence FROM rollouts WHERE id IN (";
    std::vector<SqlParam> params;
    params.reserve(padded);
    for (std::size_t i = 0; i < padded; ++i) {
      if (i > 0) sql += ", ";
      sql += "$" + std::to_string(i + 1);
      params.emplace_back(ids[done + std::min(i, chunk - 1)]);
    }
    sql += ")";
    for (const SqlRow& row : tx.query(sql, params)) {
      heads.emplace(int_at(row, 0), RolloutHead{text_at(row, 1), bool_at(row, 2), int_at(row, 3)});
    }
    done += chunk;
  }
  return heads;
}

// Decisions of a rollout are numbered 1..sequence with no gap (every insert is sequence + 1 and
// the primary key forbids two), so a decision with this sequence exists exactly when it is <= the
// rollout's sequence.
DecisionWriteStatus status_of(const DecisionWrite& write, const Heads& heads) {
  auto head = heads.find(write.rollout_id);
  if (head == heads.end()) return DecisionWriteStatus::NotFound;
  // Before NotActive: retrying the decision that finished a rollout answers Duplicate, as
  // retrying any other decision that was written does.
  if (write.decision.sequence <= head->second.sequence) return DecisionWriteStatus::Duplicate;
  if (!head->second.active) return DecisionWriteStatus::NotActive;
  if (write.expected_sequence != head->second.sequence) return DecisionWriteStatus::Conflict;
  return DecisionWriteStatus::Ok;
}

// One call's accepted writes, in order: write k gets store version base + k + 1.
struct Accepted {
  const std::vector<DecisionWrite>& writes;
  const Heads& heads;
  std::int64_t base = 0;
  std::string now;
  std::vector<std::size_t> index;  // into writes

  std::size_t size() const { return index.size(); }
  const DecisionWrite& write(std::size_t k) const { return writes[index[k]]; }
  std::int64_t version_of(std::size_t k) const { return base + static_cast<std::int64_t>(k) + 1; }
  const std::string& flag_of(std::size_t k) const { return heads.at(write(k).rollout_id).flag; }
};

// Decides every write in order, updating the heads as writes are accepted; returns the accepted.
std::vector<std::size_t> decide(const std::vector<DecisionWrite>& writes, Heads& heads,
                                std::int64_t base, std::vector<DecisionWriteResult>& results) {
  std::vector<std::size_t> accepted;
  accepted.reserve(writes.size());
  for (std::size_t i = 0; i < writes.size(); ++i) {
    const DecisionWrite& write = writes[i];
    results[i].status = status_of(write, heads);
    if (results[i].status != DecisionWriteStatus::Ok) continue;
    RolloutHead& head = heads.at(write.rollout_id);
    head.sequence = write.decision.sequence;
    head.active = write.active;
    accepted.push_back(i);
    results[i].store_version = base + static_cast<std::int64_t>(accepted.size());
  }
  return accepted;
}

// The rollout rows: the last accepted write of each rollout carries its final state.
void update_rollout_rows(SqlTx& tx, const Accepted& accepted) {
  std::vector<std::size_t> last;  // indexes into `accepted`
  std::unordered_map<std::int64_t, std::size_t> last_of;
  last_of.reserve(accepted.size());
  for (std::size_t k = 0; k < accepted.size(); ++k)
    last_of[accepted.write(k).rollout_id] = k;
  last.reserve(last_of.size());
  for (std::size_t k = 0; k < accepted.size(); ++k) {
    if (last_of.at(accepted.write(k).rollout_id) == k) last.push_back(k);
  }
  static const MultiRow statement(
      "UPDATE rollouts SET state_json = v.column2, window_json = v.column3, phase = v.column4, "
      "active = v.column5, sequence = v.column6, updated_at = v.column7, version = v.column8 "
      "FROM (VALUES ",
      ") AS v WHERE rollouts.id = v.column1",
      {"BIGINT", "TEXT", "TEXT", "TEXT", "BOOLEAN", "BIGINT", "TEXT", "BIGINT"});
  statement.run(tx, last.size(), [&](std::size_t row, std::vector<SqlParam>& params) {
    const std::size_t k = last[row];
    const DecisionWrite& write = accepted.write(k);
    params.emplace_back(write.rollout_id);
    params.emplace_back(write.state_json);
    params.emplace_back(write.window_json);
    params.emplace_back(write.phase);
    params.emplace_back(write.active);
    params.emplace_back(write.decision.sequence);
    params.emplace_back(accepted.now);
    params.emplace_back(accepted.version_of(k));
  });
}

void insert_decision_rows(SqlTx& tx, const Accepted& accepted) {
  static const MultiRow statement(std::string("INSERT INTO rollout_decisions (") +
                                      kDecisionColumns + ", store_version) VALUES ",
                                  "", std::vector<const char*>(17, nullptr));
  statement.run(tx, accepted.size(), [&](std::size_t k, std::vector<SqlParam>& params) {
    const DecisionWrite& write = accepted.write(k);
    const DecisionRecord& decision = write.decision;
    params.emplace_back(write.rollout_id);
    params.emplace_back(decision.sequence);
    params.emplace_back(accepted.flag_of(k));  // the rollout's flag, whatever the caller filled in
    params.emplace_back(*normalize_rfc3339(decision.at));
    params.emplace_back(decision.actor);
    params.emplace_back(decision.kind);
    params.emplace_back(decision.from_phase);
    params.emplace_back(decision.to_phase);
    params.emplace_back(decision.from_stage);
    params.emplace_back(decision.to_stage);
    params.emplace_back(decision.from_bp);
    params.emplace_back(decision.to_bp);
    params.emplace_back(decision.verdict);
    params.emplace_back(decision.reason);
    params.emplace_back(decision.sentence);
    params.emplace_back(decision.evidence_json);
    params.emplace_back(accepted.version_of(k));
  });
}

void insert_outbox_rows(SqlTx& tx, const Accepted& accepted) {
  struct OutboxRow {
    std::size_t k;
    const OutboxRecord* record;
  };
  std::vector<OutboxRow> outbox;
  for (std::size_t k = 0; k < accepted.size(); ++k) {
    for (const OutboxRecord& record : accepted.write(k).outbox)
      outbox.push_back({k, &record});
  }
  // The first row with a key wins, also between two rows of this call.
  static const MultiRow statement(
      "INSERT INTO outbox (idempotency_key, event_kind, payload_json, created_at, attempts, "
      "next_attempt_at, delivered_at, last_error, rollout_id, sequence, event_id, target, "
      "flag) VALUES ",
      " ON CONFLICT (idempotency_key) DO NOTHING", std::vector<const char*>(13, nullptr));
  statement.run(tx, outbox.size(), [&](std::size_t row, std::vector<SqlParam>& params) {
    const OutboxRecord& record = *outbox[row].record;
    const DecisionWrite& write = accepted.write(outbox[row].k);
    params.emplace_back(record.idempotency_key);
    params.emplace_back(record.event_kind);
    params.emplace_back(record.payload_json);
    params.emplace_back(record.created_at.empty() ? accepted.now : record.created_at);
    params.emplace_back(record.attempts);
    params.emplace_back(record.next_attempt_at
                            ? SqlParam(*normalize_rfc3339(*record.next_attempt_at))
                            : SqlParam(nullptr));
    params.emplace_back(optional_param(record.delivered_at));
    params.emplace_back(optional_param(record.last_error));
    params.emplace_back(write.rollout_id);
    params.emplace_back(write.decision.sequence);
    params.emplace_back(record.event_id);
    params.emplace_back(record.target);
    params.emplace_back(accepted.flag_of(outbox[row].k));
  });
}

void insert_history_rows(SqlTx& tx, const Accepted& accepted) {
  std::vector<const RolloutHistoryRecord*> history;
  for (std::size_t k = 0; k < accepted.size(); ++k) {
    if (const auto& h = accepted.write(k).history) history.push_back(&*h);
  }
  static const MultiRow statement(
      "INSERT INTO rollout_history (key, rollout_id, flag, outcome, source, started_at, "
      "finished_at, stages_json, created_at) VALUES ",
      " ON CONFLICT (key) DO NOTHING", std::vector<const char*>(9, nullptr));
  statement.run(tx, history.size(), [&](std::size_t row, std::vector<SqlParam>& params) {
    const RolloutHistoryRecord& record = *history[row];
    params.emplace_back(record.key);
    params.emplace_back(optional_param(record.rollout_id));
    params.emplace_back(record.flag);
    params.emplace_back(record.outcome);
    params.emplace_back(record.source.empty() ? std::string("controller") : record.source);
    params.emplace_back(*normalize_rfc3339(record.started_at));
    params.emplace_back(*normalize_rfc3339(record.finished_at));
    params.emplace_back(record.stages_json);
    params.emplace_back(accepted.now);
  });
}

void insert_audit_rows(SqlTx& tx, const Accepted& accepted) {
  std::vector<std::size_t> audited;
  for (std::size_t k = 0; k < accepted.size(); ++k) {
    if (accepted.write(k).audit) audited.push_back(k);
  }
  static const MultiRow statement(
      "INSERT INTO audit_log (at, actor, action, target_kind, target_key, before_json, "
      "after_json, store_version) VALUES ",
      "", std::vector<const char*>(8, nullptr));
  statement.run(tx, audited.size(), [&](std::size_t row, std::vector<SqlParam>& params) {
    const std::size_t k = audited[row];
    const DecisionWrite& write = accepted.write(k);
    DecisionRecord decision = write.decision;
    decision.rollout_id = write.rollout_id;
    decision.flag = accepted.flag_of(k);
    decision.at = *normalize_rfc3339(decision.at);
    params.emplace_back(accepted.now);
    params.emplace_back(decision.actor);
    params.emplace_back(decision.kind);
    params.emplace_back(std::string("rollout"));
    params.emplace_back(decision.flag);
    params.emplace_back(nullptr);
    params.emplace_back(audit_json(decision));
    params.emplace_back(accepted.version_of(k));
  });
}

void insert_change_rows(SqlTx& tx, const Accepted& accepted) {
  static const MultiRow statement("INSERT INTO changes (version, kind, key, at) VALUES ", "",
                                  std::vector<const char*>(4, nullptr));
  statement.run(tx, accepted.size(), [&](std::size_t k, std::vector<SqlParam>& params) {
    params.emplace_back(accepted.version_of(k));
    params.emplace_back(std::string(accepted.write(k).changes_split ? "rollout" : "decision"));
    params.emplace_back(accepted.flag_of(k));
    params.emplace_back(accepted.now);
  });
}

}  // namespace

std::vector<DecisionWriteResult> SqlStore::record_decisions(
    const std::vector<DecisionWrite>& writes) {
  for (const DecisionWrite& write : writes)
    validate(write);
  std::vector<DecisionWriteResult> results(writes.size());
  if (writes.empty()) return results;
  const std::vector<std::int64_t> ids = rollout_ids(writes);

  backend_->write([&](SqlTx& tx) -> std::optional<std::int64_t> {
    // The body may run twice (connection lost before COMMIT): start from nothing each time.
    std::fill(results.begin(), results.end(), DecisionWriteResult{});
    // Takes the row lock that orders writers (see next_store_version) without using a version
    // yet: a call that writes nothing must use none.
    const std::int64_t base = int_at(
        tx.query("UPDATE store_meta SET version = version WHERE id = 1 RETURNING version").at(0),
        0);
    Heads heads = read_heads(tx, ids);
    Accepted accepted{writes, heads, base, "", decide(writes, heads, base, results)};
    if (accepted.index.empty()) return std::nullopt;  // nothing to write; no version used
    accepted.now = options_.clock();

    update_rollout_rows(tx, accepted);
    insert_decision_rows(tx, accepted);
    insert_outbox_rows(tx, accepted);
    insert_history_rows(tx, accepted);
    // A finished rollout's outcome becomes the flag's runtime state (a handful per tick at most).
    for (std::size_t k = 0; k < accepted.size(); ++k) {
      const DecisionWrite& write = accepted.write(k);
      if (write.outcome) {
        record_outcome(tx, accepted.version_of(k), accepted.now, accepted.flag_of(k),
                       write.decision.actor, *write.outcome);
      }
    }
    insert_audit_rows(tx, accepted);
    insert_change_rows(tx, accepted);

    const std::int64_t store_version = accepted.version_of(accepted.size() - 1);
    tx.query("UPDATE store_meta SET version = $1 WHERE id = 1", {store_version});
    return store_version;
  });
  return results;
}

std::vector<DecisionRecord> SqlStore::decisions(std::int64_t rollout_id,
                                                std::int64_t after_sequence, int limit) {
  std::vector<DecisionRecord> decisions;
  backend_->read([&](SqlTx& tx) {
    decisions.clear();
    for (const SqlRow& row :
         tx.query(std::string("SELECT ") + kDecisionColumns +
                      " FROM rollout_decisions WHERE rollout_id = $1 AND sequence > $2 ORDER BY "
                      "sequence LIMIT $3",
                  {rollout_id, after_sequence, std::int64_t{std::clamp(limit, 1, 1000)}})) {
      decisions.push_back(decision_from_row(row));
    }
  });
  return decisions;
}

}  // namespace sluice::store::detail
