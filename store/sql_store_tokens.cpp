#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "audit_json.hpp"
#include "sql_rows.hpp"
#include "sql_store.hpp"

namespace sluice::store::detail {
namespace {

// Lowercase so a hash printed in capitals still matches; anything but 64 hex digits is a caller
// bug (e.g. passing the token itself), refused before it could reach the database.
std::string normalized_hash(std::string_view sha256_hex) {
  std::string hash(sha256_hex);
  const bool valid = hash.size() == 64 && std::all_of(hash.begin(), hash.end(), [](char c) {
                       return std::isxdigit(static_cast<unsigned char>(c)) != 0;
                     });
  if (!valid) throw std::invalid_argument("token hash must be 64 hexadecimal digits (SHA-256)");
  std::transform(hash.begin(), hash.end(), hash.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  return hash;
}

std::optional<TokenRecord> load_token(SqlTx& tx, std::string_view column, std::string_view value) {
  auto rows =
      tx.query(std::string("SELECT ") + kTokenColumns + " WHERE " + std::string(column) + " = $1",
               {std::string(value)});
  if (rows.empty()) return std::nullopt;
  return token_from_row(rows.front());
}

}  // namespace

WriteResult SqlStore::create_token(std::string_view name, TokenScope scope,
                                   std::string_view sha256_hex, std::string_view actor) {
  require_non_empty(name, "token name");
  require_non_empty(actor, "actor");
  const std::string hash = normalized_hash(sha256_hex);
  WriteResult result;
  backend_->write([&](SqlTx& tx) -> std::optional<std::int64_t> {
    const std::int64_t store_version = next_store_version(tx);
    if (load_token(tx, "name", name) || load_token(tx, "sha256_hex", hash)) {
      result = {WriteStatus::AlreadyExists, 0, 0};
      return std::nullopt;
    }
    TokenRecord created{std::string(name), scope, hash, options_.clock(), std::nullopt};
    tx.query("INSERT INTO tokens (name, scope, sha256_hex, created_at) VALUES ($1, $2, $3, $4)",
             {created.name, std::string(to_string(scope)), created.sha256_hex, created.created_at});
    record(tx, store_version, created.created_at,
           {actor, "create", "token", "token", name, std::nullopt, audit_json(created)});
    result = {WriteStatus::Ok, 1, store_version};
    return store_version;
  });
  return result;
}

std::optional<TokenRecord> SqlStore::token_by_hash(std::string_view sha256_hex) {
  const std::string hash = normalized_hash(sha256_hex);
  std::optional<TokenRecord> token;
  backend_->read([&](SqlTx& tx) { token = load_token(tx, "sha256_hex", hash); });
  if (token && token->revoked_at) return std::nullopt;
  return token;
}

std::vector<TokenRecord> SqlStore::list_tokens() {
  std::vector<TokenRecord> tokens;
  backend_->read([&](SqlTx& tx) {
    tokens.clear();
    for (const SqlRow& row : tx.query(std::string("SELECT ") + kTokenColumns + " ORDER BY name")) {
      tokens.push_back(token_from_row(row));
    }
  });
  return tokens;
}

bool SqlStore::revoke_token(std::string_view name, std::string_view actor) {
  require_non_empty(actor, "actor");
  bool revoked = false;
  backend_->write([&](SqlTx& tx) -> std::optional<std::int64_t> {
    revoked = false;
    const std::int64_t store_version = next_store_version(tx);
    auto before = load_token(tx, "name", name);
    if (!before || before->revoked_at) return std::nullopt;
    TokenRecord after = *before;
    after.revoked_at = options_.clock();
    tx.query("UPDATE tokens SET revoked_at = $2 WHERE name = $1", {after.name, *after.revoked_at});
    record(tx, store_version, *after.revoked_at,
           {actor, "revoke", "token", "token", name, audit_json(*before), audit_json(after)});
    revoked = true;
    return store_version;
  });
  return revoked;
}

}  // namespace sluice::store::detail
