#include "semver.hpp"

#include <charconv>

namespace sluice {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool all_digits(std::string_view s) {
  for (char c : s) {
    if (!is_digit(c)) return false;
  }
  return !s.empty();
}

bool is_identifier_char(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

std::optional<std::uint64_t> parse_number(std::string_view s) {
  if (!all_digits(s) || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  std::uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return value;
}

// Dot-separated identifiers, none empty; numeric pre-release identifiers have no leading zero.
bool valid_identifiers(std::string_view s, bool numeric_without_leading_zero) {
  if (s.empty()) return false;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = s.find('.', start);
    std::string_view part = s.substr(start, dot == std::string_view::npos ? s.npos : dot - start);
    if (part.empty()) return false;
    for (char c : part) {
      if (!is_identifier_char(c)) return false;
    }
    if (numeric_without_leading_zero && all_digits(part) && part.size() > 1 && part[0] == '0') {
      return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::string_view next_identifier(std::string_view& rest) {
  std::size_t dot = rest.find('.');
  std::string_view part = rest.substr(0, dot);
  rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
  return part;
}

std::strong_ordering compare_identifier(std::string_view a, std::string_view b) {
  bool a_numeric = all_digits(a);
  bool b_numeric = all_digits(b);
  if (a_numeric && b_numeric) {
    if (a.size() != b.size()) return a.size() <=> b.size();  // no leading zeros: longer is larger
    return a.compare(b) <=> 0;
  }
  if (a_numeric) return std::strong_ordering::less;
  if (b_numeric) return std::strong_ordering::greater;
  return a.compare(b) <=> 0;
}

}  // namespace

std::optional<SemVer> SemVer::parse(std::string_view text) {
  std::string_view core = text;
  std::size_t plus = core.find('+');
  if (plus != std::string_view::npos) {
    if (!valid_identifiers(core.substr(plus + 1), false)) return std::nullopt;
    core = core.substr(0, plus);
  }
  SemVer version;
  std::size_t dash = core.find('-');
  if (dash != std::string_view::npos) {
    version.prerelease = core.substr(dash + 1);
    if (!valid_identifiers(version.prerelease, true)) return std::nullopt;
    core = core.substr(0, dash);
  }
  std::size_t dot1 = core.find('.');
  if (dot1 == std::string_view::npos) return std::nullopt;
  std::size_t dot2 = core.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos) return std::nullopt;
  auto major = parse_number(core.substr(0, dot1));
  auto minor = parse_number(core.substr(dot1 + 1, dot2 - dot1 - 1));
  auto patch = parse_number(core.substr(dot2 + 1));
  if (!major || !minor || !patch) return std::nullopt;
  version.major = *major;
  version.minor = *minor;
  version.patch = *patch;
  return version;
}

std::strong_ordering compare(const SemVer& a, const SemVer& b) {
  if (auto c = a.major <=> b.major; c != 0) return c;
  if (auto c = a.minor <=> b.minor; c != 0) return c;
  if (auto c = a.patch <=> b.patch; c != 0) return c;
  if (a.prerelease.empty() || b.prerelease.empty()) {
    return a.prerelease.empty() <=> b.prerelease.empty();  // pre-release < release
  }
  std::string_view ra = a.prerelease;
  std::string_view rb = b.prerelease;
  while (!ra.empty() && !rb.empty()) {
    if (auto c = compare_identifier(next_identifier(ra), next_identifier(rb)); c != 0) return c;
  }
  return !ra.empty() <=> !rb.empty();
}

}  // namespace sluice
