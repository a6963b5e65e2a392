#include "migrations.hpp"

namespace sluice::store::detail {

// The same tables as migrations_sqlite.cpp in PostgreSQL types. Timestamps are TEXT in the
// canonical RFC 3339 form (fixed width, UTC), so they sort and compare as text in both databases
// and come back exactly as written.
const std::vector<Migration>& postgres_migrations() {
  static const std::vector<Migration> migrations = {
      {1, R"sql(
CREATE TABLE store_meta (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  version BIGINT NOT NULL
);
INSERT INTO store_meta (id, version) VALUES (1, 0);

CREATE TABLE flags (
  key TEXT PRIMARY KEY,
  definition_json TEXT NOT NULL,
  version BIGINT NOT NULL,
  archived BOOLEAN NOT NULL DEFAULT false,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL
);

CREATE TABLE flag_state (
  flag_key TEXT PRIMARY KEY REFERENCES flags (key),
  enabled BOOLEAN NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL
);

CREATE TABLE segments (
  key TEXT PRIMARY KEY,
  definition_json TEXT NOT NULL,
  version BIGINT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL
);

CREATE TABLE tokens (
  name TEXT PRIMARY KEY,
  scope TEXT NOT NULL CHECK (scope IN ('admin', 'read', 'sdk')),
  sha256_hex TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);

CREATE TABLE audit_log (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target_kind TEXT NOT NULL,
  target_key TEXT NOT NULL,
  before_json TEXT,
  after_json TEXT,
  store_version BIGINT NOT NULL
);
CREATE INDEX audit_log_target ON audit_log (target_kind, target_key, id);
CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE TABLE changes (
  version BIGINT PRIMARY KEY,
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  at TEXT NOT NULL
);
)sql"},

      // 2: rollouts, their decision log and the notification outbox (ARCHITECTURE decision 4).
      {2, R"sql(
CREATE TABLE rollouts (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  flag TEXT NOT NULL REFERENCES flags (key),
  policy_json TEXT NOT NULL,
  policy_hash TEXT NOT NULL,
  state_json TEXT NOT NULL,
  window_json TEXT NOT NULL,
  phase TEXT NOT NULL,
  active BOOLEAN NOT NULL,
  sequence BIGINT NOT NULL,
  started_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  version BIGINT NOT NULL
);
CREATE UNIQUE INDEX rollouts_one_active_per_flag ON rollouts (flag) WHERE active;
CREATE INDEX rollouts_flag ON rollouts (flag, id);
CREATE INDEX rollouts_active ON rollouts (id) WHERE active;

CREATE TABLE rollout_decisions (
  rollout_id BIGINT NOT NULL REFERENCES rollouts (id),
  sequence BIGINT NOT NULL CHECK (sequence >= 1),
  flag TEXT NOT NULL,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  kind TEXT NOT NULL,
  from_phase TEXT NOT NULL,
  to_phase TEXT NOT NULL,
  from_stage BIGINT NOT NULL,
  to_stage BIGINT NOT NULL,
  from_bp BIGINT NOT NULL,
  to_bp BIGINT NOT NULL,
  verdict TEXT NOT NULL,
  reason TEXT NOT NULL,
  sentence TEXT NOT NULL,
  evidence_json TEXT NOT NULL,
  store_version BIGINT NOT NULL,
  PRIMARY KEY (rollout_id, sequence)
);

CREATE TABLE outbox (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  idempotency_key TEXT NOT NULL UNIQUE,
  event_kind TEXT NOT NULL,
  payload_json TEXT NOT NULL,
  created_at TEXT NOT NULL,
  attempts BIGINT NOT NULL DEFAULT 0,
  next_attempt_at TEXT,
  delivered_at TEXT,
  last_error TEXT,
  rollout_id BIGINT REFERENCES rollouts (id),
  sequence BIGINT
);
CREATE INDEX outbox_undelivered ON outbox (id) WHERE delivered_at IS NULL;
)sql"},

      // 3: per-target notification delivery (issue 5) and the deployment history the anomaly
      // model learns from. Rows written before this migration were one per event, for targets
      // that were never configured; they are dead-lettered with a reason rather than guessed at.
      {3, R"sql(
ALTER TABLE outbox ADD COLUMN event_id TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN target TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN flag TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN dead_at TEXT;
ALTER TABLE outbox ADD COLUMN retried_at TEXT;
UPDATE outbox SET dead_at = created_at,
  last_error = 'written before per-target delivery (schema 3): no target to send it to'
  WHERE delivered_at IS NULL;
CREATE INDEX outbox_due ON outbox (next_attempt_at, id)
  WHERE delivered_at IS NULL AND dead_at IS NULL;
CREATE INDEX outbox_flag ON outbox (flag, id);

CREATE TABLE rollout_history (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  rollout_id BIGINT,
  flag TEXT NOT NULL,
  outcome TEXT NOT NULL,
  source TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  stages_json TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX rollout_history_finished ON rollout_history (finished_at, id);
)sql"},

      // 4: a finished rollout's outcome is runtime state of its flag, beside the kill switch
      // (issue 12): what the flag serves from then on, until a person overrides it. NULL: the
      // flag serves its definition. No foreign key to rollouts: the outcome outlives any
      // pruning of rollout rows.
      {4, R"sql(
ALTER TABLE flag_state ADD COLUMN outcome_kind TEXT;
ALTER TABLE flag_state ADD COLUMN outcome_rollout_id BIGINT;
ALTER TABLE flag_state ADD COLUMN outcome_served_json TEXT;
ALTER TABLE flag_state ADD COLUMN outcome_at TEXT;
)sql"},
  };
  return migrations;
}

}  // namespace sluice::store::detail
