#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "http_message.hpp"
#include "sluice/store/store.hpp"

namespace sluice::server {

// Who made a request: the token's name (the audit log's actor) and what it may do.
struct Principal {
  std::string name;
  store::TokenScope scope = store::TokenScope::Sdk;
};

// What a route needs: sdk tokens evaluate and stream; read tokens also list, get and read the
// audit log; admin tokens do everything.
enum class Access { Evaluate, Read, Write };

bool scope_allows(store::TokenScope scope, Access access);

// Lowercase hex SHA-256: the store keeps only this, never a token.
std::string sha256_hex(std::string_view text);

// A new random token: "sluice_" and 43 base64url characters (256 bits from OpenSSL's RAND_bytes).
std::string generate_token();

// Checks bearer tokens against the store, with a bounded cache so that evaluation does not query
// the store per request. SLUICE_ADMIN_TOKEN (when given) is an admin token named "bootstrap".
class Authenticator {
 public:
  Authenticator(store::Store& store, std::optional<std::string> bootstrap_token);

  // The principal for an `Authorization: Bearer ...` header, or nullopt. `cache_only` answers
  // from the cache alone (for the event loop); a miss then returns `std::nullopt` with
  // `needs_store` set, and the caller retries on the worker pool.
  std::optional<Principal> authenticate(std::string_view authorization, bool cache_only,
                                        bool* needs_store = nullptr);

  // Tokens changed (created or revoked, here or on another replica).
  void forget_cached_tokens();

  // Loads every active token into the cache and makes it authoritative: until the next
  // forget_cached_tokens(), a cache miss means "no such token", so the event loop never has to
  // ask the store. Call at start and after every token change. Throws StoreUnavailable.
  void load_all_tokens();

 private:
  static constexpr std::size_t kMaxCached = 10000;

  store::Store& store_;
  std::optional<std::string> bootstrap_hash_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::optional<Principal>> cache_;  // by token hash
  bool authoritative_ = false;  // the cache holds every active token
};

// The 401 and 403 bodies: the same for every failure of each kind, so they tell a guesser nothing.
HttpResponse unauthorized();
HttpResponse forbidden();

}  // namespace sluice::server
