#pragma once

#include <cstdint>
#include <string>
#include <string_view>

// Webhook signing (docs/notifications.md): HMAC-SHA256 over "<timestamp>.<body>" with the
// target's secret, so a receiver can check both who sent it and when (replay protection).
namespace sluice::notify {

// Lowercase hex of HMAC-SHA256(key, data).
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

// The Sluice-Signature header's value: "v1=" + hex HMAC-SHA256(secret, timestamp + "." + body).
std::string webhook_signature(std::string_view secret, std::int64_t unix_seconds,
                              std::string_view body);

}  // namespace sluice::notify
