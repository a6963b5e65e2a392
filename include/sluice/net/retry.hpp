#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "sluice/net/http_client.hpp"

// The retry rules of HttpClient::send_with_retries as pure functions, so they are tested without
// a network or a clock.
namespace sluice::net {

// Transport errors (no response), timeouts, 429 and 5xx are worth another try; any other status
// is the server's final word.
bool is_retryable(const HttpResult& result);

// The wait before attempt `attempt` (2 = the first retry): a point in [d/2, d] picked by `unit`
// (in [0, 1)), d = min(backoff_max, backoff_min * 2^(attempt - 2)).
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int attempt, double unit);

// How long a `Retry-After` header (RFC 9110 10.2.3: delay-seconds, or an HTTP-date such as "Sun,
// 06 Nov 1994 08:49:37 GMT") asks a client to wait, from `now`; nullopt when it is neither. A date
// in the past is 0. Capped at `cap`: a receiver must not park a retry for days.
std::optional<std::chrono::milliseconds> retry_after_delay(
    std::string_view value, std::chrono::system_clock::time_point now,
    std::chrono::milliseconds cap = std::chrono::hours(1));

// "5s", "1.5s", "250ms": for error messages.
std::string format_timeout(std::chrono::milliseconds timeout);

}  // namespace sluice::net
