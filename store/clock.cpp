#include "sluice/store/clock.hpp"

#include <cstdio>

#include "sluice/timestamp.hpp"

namespace sluice::store {
namespace {

using namespace std::chrono;

// Milliseconds, not system_clock's nanoseconds: those overflow after the year 2262, and a filter
// such as `since=2999-01-01T00:00:00Z` must stay in the year 2999.
std::string format_ms(sys_time<milliseconds> ms) {
  const auto day = floor<days>(ms);
  const year_month_day date{day};
  const hh_mm_ss time{ms - day};
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<int>(time.hours().count()),
                static_cast<int>(time.minutes().count()), static_cast<int>(time.seconds().count()),
                static_cast<int>(time.subseconds().count()));
  return buffer;
}

}  // namespace

std::string format_rfc3339_ms(system_clock::time_point at) {
  return format_ms(time_point_cast<milliseconds>(at));
}

Clock system_clock() {
  return [] { return format_rfc3339_ms(std::chrono::system_clock::now()); };
}

std::optional<std::string> normalize_rfc3339(std::string_view text) {
  const std::optional<std::int64_t> micros = parse_rfc3339_micros(text);
  if (!micros) return std::nullopt;
  return format_ms(floor<milliseconds>(sys_time<microseconds>(microseconds(*micros))));
}

}  // namespace sluice::store
