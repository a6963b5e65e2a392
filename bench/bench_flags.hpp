#pragma once

#include <array>
#include <string_view>

#include "sluice/flag_definition.hpp"

// The flags the benchmark evaluates, built in C++ (no file reading).
namespace sluice_bench {

struct BenchCase {
  std::string_view name;  // benchmark name
  std::string_view flag;  // flag key in make_flag_set()
};

inline constexpr std::array<BenchCase, 7> kCases{{
    {"F1_kill_switch", "kill-switch"},              // enabled, default `on`, no rules
    {"F2_rollout_5pct", "rollout-5pct"},            // default split on:5 off:95 by targetingKey
    {"F3_plan_and_country", "free-in-us-gb"},       // plan = free and country in (US, GB)
    {"F4_split_50_25_25", "three-way-split"},       // default split a:50 b:25 c:25 by targetingKey
    {"F5_in_list_10k", "account-allowlist"},        // accountId in 10,000 ids
    {"F6_regex_email", "email-regex"},              // email matches an RE2 expression
    {"F7_three_rules_split", "three-rules-split"},  // three rules, then a 10/90 split
}};

// Every flag in kCases (and nothing else), ready for compile_snapshot.
sluice::FlagSet make_flag_set();

}  // namespace sluice_bench
