#include "audit_json.hpp"
#include "sql_rows.hpp"
#include "sql_store.hpp"

namespace sluice::store::detail {
namespace {

std::optional<SegmentRecord> load_segment(SqlTx& tx, std::string_view key) {
  auto rows =
      tx.query(std::string("SELECT ") + kSegmentColumns + " WHERE key = $1", {std::string(key)});
  if (rows.empty()) return std::nullopt;
  return segment_from_row(rows.front());
}

std::optional<WriteResult> refuse(const std::optional<SegmentRecord>& segment,
                                  std::optional<std::int64_t> expected_version) {
  if (!segment) return WriteResult{WriteStatus::NotFound, 0, 0};
  if (expected_version && *expected_version != segment->version) {
    return WriteResult{WriteStatus::Conflict, segment->version, 0};
  }
  return std::nullopt;
}

}  // namespace

std::vector<SegmentRecord> SqlStore::list_segments() {
  std::vector<SegmentRecord> segments;
  backend_->read([&](SqlTx& tx) {
    segments.clear();
    for (const SqlRow& row : tx.query(std::string("SELECT ") + kSegmentColumns + " ORDER BY key")) {
      segments.push_back(segment_from_row(row));
    }
  });
  return segments;
}

std::optional<SegmentRecord> SqlStore::get_segment(std::string_view key) {
  std::optional<SegmentRecord> segment;
  backend_->read([&](SqlTx& tx) { segment = load_segment(tx, key); });
  return segment;
}

WriteResult SqlStore::create_segment(std::string_view key, std::string_view definition_json,
                                     std::string_view actor) {
  require_non_empty(key, "segment key");
  require_non_empty(actor, "actor");
  WriteResult result;
  backend_->write([&](SqlTx& tx) -> std::optional<std::int64_t> {
    const std::int64_t store_version = next_store_version(tx);
    if (auto existing = load_segment(tx, key)) {
      result = {WriteStatus::AlreadyExists, existing->version, 0};
      return std::nullopt;
    }
    SegmentRecord created{std::string(key), std::string(definition_json), 1, options_.clock(),
                          std::string(actor)};
    tx.query(
        "INSERT INTO segments (key, definition_json, version, updated_at, updated_by) "
        "VALUES ($1, $2, 1, $3, $4)",
        {created.key, created.definition_json, created.updated_at, created.updated_by});
    record(tx, store_version, created.updated_at,
           {actor, "create", "segment", "segment", key, std::nullopt, audit_json(created)});
    result = {WriteStatus::Ok, 1, store_version};
    return store_version;
  });
  return result;
}

WriteResult SqlStore::update_segment(std::string_view key, std::string_view definition_json,
                                     std::optional<std::int64_t> expected_version,
                                     std::string_view actor) {
  require_non_empty(actor, "actor");
  WriteResult result;
  backend_->write([&](SqlTx& tx) -> std::optional<std::int64_t> {
    const std::int64_t store_version = next_store_version(tx);
    auto before = load_segment(tx, key);
    if (auto refusal = refuse(before, expected_version)) {
      result = *refusal;
      return std::nullopt;
    }
    SegmentRecord after{before->key, std::string(definition_json), before->version + 1,
                        options_.clock(), std::string(actor)};
    tx.query(
        "UPDATE segments SET definition_json = $2, version = $3, updated_at = $4, updated_by = $5 "
        "WHERE key = $1",
        {after.key, after.definition_json, after.version, after.updated_at, after.updated_by});
    record(tx, store_version, after.updated_at,
           {actor, "update", "segment", "segment", key, audit_json(*before), audit_json(after)});
    result = {WriteStatus::Ok, after.version, store_version};
    return store_version;
  });
  return result;
}

// Deleting a segment that flags still reference is the server's call to refuse: the store does
// not read definitions.
WriteResult SqlStore::delete_segment(std::string_view key,
                                     std::optional<std::int64_t> expected_version,
                                     std::string_view actor) {
  require_non_empty(actor, "actor");
  WriteResult result;
  backend_->write([&](SqlTx& tx) -> std::optional<std::int64_t> {
    const std::int64_t store_version = next_store_version(tx);
    auto before = load_segment(tx, key);
    if (auto refusal = refuse(before, expected_version)) {
      result = *refusal;
      return std::nullopt;
    }
    tx.query("DELETE FROM segments WHERE key = $1", {before->key});
    record(tx, store_version, options_.clock(),
           {actor, "delete", "segment", "segment", key, audit_json(*before), std::nullopt});
    result = {WriteStatus::Ok, before->version, store_version};
    return store_version;
  });
  return result;
}

}  // namespace sluice::store::detail
