#include "sluice/net/retry.hpp"

#include <time.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
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

std::optional<std::chrono::milliseconds> retry_after_delay(
    std::string_view value, std::chrono::system_clock::time_point now,
    std::chrono::milliseconds cap) {
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front())))
    value.remove_prefix(1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back())))
    value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  using std::chrono::milliseconds;
  if (std::all_of(value.begin(), value.end(),
                  [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    // More digits than a day has seconds many times over: the cap, without overflowing.
    if (value.size() > 9) return cap;
    const milliseconds delay = std::chrono::seconds(std::stoll(std::string(value)));
    return std::min(delay, cap);
  }
  // IMF-fixdate only: the obsolete RFC 850 and asctime forms are not sent by today's servers.
  const std::string text(value);
  struct tm parts;
  std::memset(&parts, 0, sizeof parts);
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &parts);
  if (end == nullptr || *end != '\0') return std::nullopt;
  const std::time_t at = timegm(&parts);
  if (at == static_cast<std::time_t>(-1)) return std::nullopt;
  const auto delay =
      std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::from_time_t(at) - now);
  return std::clamp(delay, milliseconds(0), cap);
}

}  // namespace sluice::net
