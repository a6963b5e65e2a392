// HMAC with OpenSSL's one-shot HMAC(); the only file in sluice_notify that includes OpenSSL.
#include "sluice/notify/signature.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

namespace sluice::notify {

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // OpenSSL takes key and data as bytes; a string's chars are those bytes.
  const auto* key_bytes = reinterpret_cast<const unsigned char*>(key.data());
  const auto* data_bytes = reinterpret_cast<const unsigned char*>(data.data());
  if (!HMAC(EVP_sha256(), key_bytes, static_cast<int>(key.size()), data_bytes, data.size(), digest,
            &length)) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0x0F];
  }
  return out;
}

std::string webhook_signature(std::string_view secret, std::int64_t unix_seconds,
                              std::string_view body) {
  std::string signed_text = std::to_string(unix_seconds);
  signed_text += '.';
  signed_text += body;
  return "v1=" + hmac_sha256_hex(secret, signed_text);
}

}  // namespace sluice::notify
