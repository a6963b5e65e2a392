#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sluice/flag_definition.hpp"
#include "sluice/policy.hpp"
#include "sluice/source_location.hpp"

// Reads rollout policies from YAML files and from JSON (the API's form of the same structure),
// and checks what they mean. Reading checks shape only (unknown fields, wrong types, missing
// fields, duplicate keys, values that are not durations or percentages), never throwing;
// `check_policies` checks meaning. docs/policy-format.md describes the format.
namespace sluice {

struct PolicyLoadResult {
  std::vector<Policy> policies;
  Diagnostics diagnostics;
  bool ok() const { return diagnostics.empty(); }
};

// Reads YAML text (one or more documents, each a bundle `policies: [...]` or a single policy with
// `flag:`). `file` names the source in diagnostics.
void read_policy_yaml(std::string_view text, const std::string& file, PolicyLoadResult& into);

// Reads a JSON document of the same structure: `{"policies": [...]}` or a single policy object.
// Diagnostics carry the field path; `file` may be empty.
void read_policy_json(std::string_view text, const std::string& file, PolicyLoadResult& into);

// Reads exactly one policy given as JSON (the body of an API request).
PolicyLoadResult read_single_policy_json(std::string_view text);

// Reads files and folders (recursively: *.yaml, *.yml, *.json), in sorted path order.
PolicyLoadResult load_policy_paths(const std::vector<std::string>& paths);

// The meaning of one policy: stages (cohorts first, percentages strictly increasing and ending at
// 100%), treatment differs from control, warning below critical (in the check's direction),
// positive durations and counts, query placeholders, metric and label names. With `flags`, also
// that the flag, both variants and every cohort segment exist, and that `bucket_by` agrees with
// the flag's split. Every message names the field.
Diagnostics check_policy(const Policy& policy, const FlagSet* flags);

// `check_policy` for each, plus: at most one policy per flag.
Diagnostics check_policies(const std::vector<Policy>& policies, const FlagSet* flags);

}  // namespace sluice
