#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string_view>

namespace sluice {

// A Semantic Versioning 2.0.0 version that views the text it was parsed from (no allocation).
struct SemVer {
  std::uint64_t major = 0;
  std::uint64_t minor = 0;
  std::uint64_t patch = 0;
  std::string_view prerelease;  // empty for a release; build metadata is dropped

  // Strict SemVer 2.0.0: MAJOR.MINOR.PATCH, no leading zeros, optional -pre and +build.
  static std::optional<SemVer> parse(std::string_view text);
};

// SemVer precedence: a pre-release sorts before its release; identifiers compare numerically
// when both are numeric, numeric before alphanumeric, and a longer list wins a shared prefix.
std::strong_ordering compare(const SemVer& a, const SemVer& b);

}  // namespace sluice
