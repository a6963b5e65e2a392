#pragma once

#include <chrono>

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

// "5s", "1.5s", "250ms": for error messages.
std::string format_timeout(std::chrono::milliseconds timeout);

}  // namespace sluice::net
