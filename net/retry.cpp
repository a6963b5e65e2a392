#include "sluice/net/retry.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace sluice::net {

bool is_retryable(const HttpResult& result) {
  if (!result.response) return true;
  const int status = result.response->status;
  return status == 429 || (status >= 500 && status <= 599);
}

std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int attempt, double unit) {
  using std::chrono::milliseconds;
  if (attempt < 2) return milliseconds(0);
  const double low = static_cast<double>(std::max<long long>(policy.backoff_min.count(), 0));
  const double high = static_cast<double>(std::max<long long>(policy.backoff_max.count(), 0));
  // Capped exponent: 2^30 times any sensible minimum is past any sensible maximum already.
  const double grown = low * std::ldexp(1.0, std::min(attempt - 2, 30));
  const double ceiling = std::min(grown, high);
  const double u = std::clamp(unit, 0.0, 1.0);
  return milliseconds(static_cast<long long>(std::llround(ceiling / 2 + u * ceiling / 2)));
}

std::string format_timeout(std::chrono::milliseconds timeout) {
  const long long ms = timeout.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  if (ms > 1000 && ms % 100 == 0) {
    return std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100) + "s";
  }
  return std::to_string(ms) + "ms";
}

}  // namespace sluice::net
