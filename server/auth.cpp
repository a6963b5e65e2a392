#include "auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace sluice::server {
namespace {

constexpr std::string_view kBearer = "Bearer ";

std::string base64url(const unsigned char* data, std::size_t size) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (std::size_t i = 0; i < size; ++i) {
    buffer = (buffer << 8) | data[i];
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(buffer >> bits) & 0x3f];
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (6 - bits)) & 0x3f];
  return out;
}

}  // namespace

bool scope_allows(store::TokenScope scope, Access access) {
  switch (scope) {
    case store::TokenScope::Admin:
      return true;
    case store::TokenScope::Read:
      return access != Access::Write;
    case store::TokenScope::Sdk:
      return access == Access::Evaluate;
  }
  return false;
}

std::string sha256_hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

std::string generate_token() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no randomness for a token");
  return "sluice_" + base64url(bytes, sizeof bytes);
}

Authenticator::Authenticator(store::Store& store, std::optional<std::string> bootstrap_token)
    : store_(store) {
  if (bootstrap_token && !bootstrap_token->empty()) bootstrap_hash_ = sha256_hex(*bootstrap_token);
}

std::optional<Principal> Authenticator::authenticate(std::string_view authorization,
                                                     bool cache_only, bool* needs_store) {
  if (needs_store != nullptr) *needs_store = false;
  if (!authorization.starts_with(kBearer)) return std::nullopt;
  std::string_view token = authorization.substr(kBearer.size());
  if (token.empty() || token.size() > 512) return std::nullopt;
  const std::string hash = sha256_hex(token);
  // Comparing digests in constant time: the timing says nothing about how close a guess was.
  if (bootstrap_hash_ && CRYPTO_memcmp(hash.data(), bootstrap_hash_->data(), hash.size()) == 0) {
    return Principal{"bootstrap", store::TokenScope::Admin};
  }
  {
    std::lock_guard lock(mutex_);
    if (auto it = cache_.find(hash); it != cache_.end()) return it->second;
  }
  if (cache_only) {
    std::lock_guard lock(mutex_);
    if (needs_store != nullptr) *needs_store = !authoritative_;
    return std::nullopt;
  }
  std::optional<Principal> principal;
  if (auto record = store_.token_by_hash(hash)) principal = Principal{record->name, record->scope};
  std::lock_guard lock(mutex_);
  if (!authoritative_) {
    if (cache_.size() >= kMaxCached) cache_.clear();  // bounded: random guesses cannot grow it
    cache_[hash] = principal;
  }
  return principal;
}

void Authenticator::forget_cached_tokens() {
  std::lock_guard lock(mutex_);
  cache_.clear();
  authoritative_ = false;
}

void Authenticator::load_all_tokens() {
  std::unordered_map<std::string, std::optional<Principal>> all;
  for (const auto& token : store_.list_tokens()) {
    if (!token.revoked_at) all[token.sha256_hex] = Principal{token.name, token.scope};
  }
  std::lock_guard lock(mutex_);
  cache_ = std::move(all);
  authoritative_ = true;
}

HttpResponse unauthorized() {
  HttpResponse r = HttpResponse::error(401, "unauthorized", "a valid bearer token is required");
  r.set_header("WWW-Authenticate", "Bearer");
  return r;
}

HttpResponse forbidden() {
  return HttpResponse::error(403, "forbidden", "this token's scope does not allow this request");
}

}  // namespace sluice::server
