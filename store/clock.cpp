#include "sluice/store/clock.hpp"

#include <cstdio>

namespace sluice::store {
namespace {

using namespace std::chrono;

// Reads exactly `digits` decimal digits at text[pos]; advances pos.
std::optional<int> read_number(std::string_view text, std::size_t& pos, int digits) {
  if (pos + static_cast<std::size_t>(digits) > text.size()) return std::nullopt;
  int value = 0;
  for (int i = 0; i < digits; ++i) {
    const char c = text[pos++];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

bool expect(std::string_view text, std::size_t& pos, std::string_view choices) {
  if (pos >= text.size() || choices.find(text[pos]) == std::string_view::npos) return false;
  ++pos;
  return true;
}

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
  std::size_t pos = 0;
  auto year = read_number(text, pos, 4);
  if (!year || !expect(text, pos, "-")) return std::nullopt;
  auto month = read_number(text, pos, 2);
  if (!month || !expect(text, pos, "-")) return std::nullopt;
  auto day = read_number(text, pos, 2);
  if (!day || !expect(text, pos, "Tt ")) return std::nullopt;
  auto hour = read_number(text, pos, 2);
  if (!hour || !expect(text, pos, ":")) return std::nullopt;
  auto minute = read_number(text, pos, 2);
  if (!minute || !expect(text, pos, ":")) return std::nullopt;
  auto second = read_number(text, pos, 2);
  if (!second) return std::nullopt;
  int millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 3) millis = millis * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (int i = digits; i < 3; ++i)
      millis *= 10;
  }
  minutes offset{0};
  if (expect(text, pos, "Zz")) {
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos++] == '-' ? -1 : 1;
    auto offset_hours = read_number(text, pos, 2);
    if (!offset_hours || !expect(text, pos, ":")) return std::nullopt;
    auto offset_minutes = read_number(text, pos, 2);
    if (!offset_minutes || *offset_hours > 23 || *offset_minutes > 59) return std::nullopt;
    offset = minutes(sign * (*offset_hours * 60 + *offset_minutes));
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  const year_month_day date{std::chrono::year(*year),
                            std::chrono::month(static_cast<unsigned>(*month)),
                            std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok() || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
  const sys_time<milliseconds> at = sys_days(date) + hours(*hour) + minutes(*minute) +
                                    seconds(*second) + milliseconds(millis) - offset;
  return format_ms(at);
}

}  // namespace sluice::store
