#include "remote_time.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>

namespace sluice::app {

std::optional<SystemTime> parse_rfc3339(const std::string& text) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6 ||
      consumed != 19) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  std::size_t i = 19;
  double fraction = 0;
  if (i < text.size() && text[i] == '.') {
    double scale = 0.1;
    for (++i; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
      fraction += (text[i] - '0') * scale;
      scale /= 10;
    }
  }
  long offset_seconds = 0;
  if (i < text.size() && (text[i] == 'Z' || text[i] == 'z')) {
    ++i;
  } else if (i + 6 == text.size() && (text[i] == '+' || text[i] == '-') && text[i + 3] == ':') {
    int hours = 0, minutes = 0;
    if (std::sscanf(text.c_str() + i + 1, "%2d:%2d", &hours, &minutes) != 2) return std::nullopt;
    offset_seconds = (text[i] == '-' ? -1 : 1) * (hours * 3600L + minutes * 60L);
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != text.size()) return std::nullopt;
  const std::time_t seconds = timegm(&tm) - offset_seconds;
  return std::chrono::system_clock::from_time_t(seconds) +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(
             std::chrono::duration<double>(fraction));
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
