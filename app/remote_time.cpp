#include "remote_time.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>

#include "sluice/timestamp.hpp"

namespace sluice::app {

std::optional<SystemTime> parse_rfc3339(const std::string& text) {
  const std::optional<std::int64_t> micros = parse_rfc3339_micros(text);
  if (!micros) return std::nullopt;
  return SystemTime(
      std::chrono::duration_cast<SystemTime::duration>(std::chrono::microseconds(*micros)));
}

std::string format_rfc3339(SystemTime at) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(at);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::optional<std::string> since_to_rfc3339(const std::string& since, SystemTime now) {
  if (parse_rfc3339(since)) return since;
  if (since.empty()) return std::nullopt;
  // Beyond a century ago is "everything"; capping keeps the arithmetic in range.
  constexpr long long kCentury = 100LL * 366 * 86400;
  long long total = 0;
  std::size_t i = 0;
  while (i < since.size()) {
    long long number = 0;
    const std::size_t digits_start = i;
    while (i < since.size() && std::isdigit(static_cast<unsigned char>(since[i])) &&
           number < 1'000'000'000) {
      number = number * 10 + (since[i++] - '0');
    }
    if (i == digits_start || i == since.size()) return std::nullopt;
    switch (since[i++]) {
      case 's':
        total += number;
        break;
      case 'm':
        total += number * 60;
        break;
      case 'h':
        total += number * 3600;
        break;
      case 'd':
        total += number * 86400;
        break;
      case 'w':
        total += number * 604800;
        break;
      default:
        return std::nullopt;
    }
    total = std::min(total, kCentury);
  }
  return format_rfc3339(now - std::chrono::seconds(total));
}

}  // namespace sluice::app
