#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::store {

// How a flag's last rollout ended, kept as runtime state of the flag beside `enabled`
// (flag_state, migration 4): what the flag serves from then on, whatever its definition's default
// says, until a person overrides it. Written with the decision that finished the rollout, never
// removed by retention (it lives on the flag, not on the rollout).
struct RolloutOutcome {
  std::string kind;  // completed | rolled_back | aborted
  std::int64_t rollout_id = 0;
  std::string served_json;  // what the flag serves (the controller writes and reads it)
  std::string at;           // RFC 3339: when the rollout finished (the decision's time)
  friend bool operator==(const RolloutOutcome&, const RolloutOutcome&) = default;
};

// A flag as the store keeps it: the definition (JSON text, validated by the caller) and its
// runtime state (enabled, the rollout outcome), which changes without touching the definition.
struct FlagRecord {
  std::string key;
  std::string definition_json;
  bool enabled = false;
  std::optional<RolloutOutcome> rollout_outcome;
  bool archived = false;
  std::int64_t version = 0;  // bumps on every write to this flag (definition or state)
  std::string created_at;
  std::string updated_at;
  std::string updated_by;
};

struct SegmentRecord {
  std::string key;
  std::string definition_json;
  std::int64_t version = 0;
  std::string updated_at;
  std::string updated_by;
};

enum class TokenScope { Admin, Read, Sdk };

// The store never sees a token, only its SHA-256 (lowercase hex).
struct TokenRecord {
  std::string name;
  TokenScope scope = TokenScope::Read;
  std::string sha256_hex;
  std::string created_at;
  std::optional<std::string> revoked_at;
};

struct AuditEntry {
  std::int64_t id = 0;
  std::string at;
  std::string actor;
  std::string action;       // create | update | kill | revive | archive | delete | revoke
  std::string target_kind;  // flag | segment | token
  std::string target_key;
  std::optional<std::string> before_json;
  std::optional<std::string> after_json;
};

// Filters combine with AND. Results are in ascending id order; pass the last id seen as
// after_id to get the next page.
struct AuditQuery {
  std::optional<std::string> flag{};
  std::optional<std::string> actor{};
  std::optional<std::string> since{};  // RFC 3339, inclusive
  std::optional<std::string> until{};  // RFC 3339, exclusive
  std::int64_t after_id = 0;           // oldest first: entries above this id
  bool newest_first = false;           // people read the log backwards; so do the dashboard and CLI
  std::int64_t before_id = 0;          // newest first: entries below this id (0: from the newest)
  int limit = 100;                     // clamped to [1, 1000]
};

// One entry of the change feed: the store version of a committed write and what it touched.
struct Change {
  std::int64_t version = 0;
  std::string kind;  // flag | segment | state | token | rollout | decision
  std::string key;
};

// OverridesRollout: a definition write would change what the flag's rollout outcome decides and
// did not say it means to (FlagWriteGuard).
enum class WriteStatus { Ok, NotFound, AlreadyExists, Conflict, Archived, OverridesRollout };

struct WriteResult {
  WriteStatus status = WriteStatus::Ok;
  std::int64_t version = 0;        // the record's version after the write (current one if refused)
  std::int64_t store_version = 0;  // the store version of this write (0 if nothing was written)
};

std::string_view to_string(WriteStatus status);
std::string_view to_string(TokenScope scope);
std::optional<TokenScope> parse_token_scope(std::string_view text);

}  // namespace sluice::store
