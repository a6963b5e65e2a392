#include "migrations.hpp"

namespace sluice::store::detail {

// Timestamps are TEXT in the canonical RFC 3339 form (fixed width, UTC), so they sort and compare
// as text in both databases and come back exactly as written.
const std::vector<Migration>& sqlite_migrations() {
  static const std::vector<Migration> migrations = {
      {1, R"sql(
CREATE TABLE store_meta (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  version INTEGER NOT NULL
);
INSERT INTO store_meta (id, version) VALUES (1, 0);

CREATE TABLE flags (
  key TEXT PRIMARY KEY,
  definition_json TEXT NOT NULL,
  version INTEGER NOT NULL,
  archived INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL
);

CREATE TABLE flag_state (
  flag_key TEXT PRIMARY KEY REFERENCES flags (key),
  enabled INTEGER NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL
);

CREATE TABLE segments (
  key TEXT PRIMARY KEY,
  definition_json TEXT NOT NULL,
  version INTEGER NOT NULL,
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
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target_kind TEXT NOT NULL,
  target_key TEXT NOT NULL,
  before_json TEXT,
  after_json TEXT,
  store_version INTEGER NOT NULL
);
CREATE INDEX audit_log_target ON audit_log (target_kind, target_key, id);
CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE TABLE changes (
  version INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  at TEXT NOT NULL
);
)sql"},
  };
  return migrations;
}

}  // namespace sluice::store::detail
