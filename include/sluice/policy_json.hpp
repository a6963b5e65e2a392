#pragma once

#include <string>

#include "sluice/policy.hpp"

// The JSON form of a rollout policy (docs/policy-format.md), as the API returns it.
namespace sluice {

// The policy as one JSON object of the same structure as the YAML format, which
// `read_single_policy_json` reads back as an equal policy (source locations aside). Durations are
// text ("30s"), percentages numbers (5, 2.5), whole numbers without a fraction. Every field with
// a default is written, defaults included (`interval`, `min_duration`, `min_samples`,
// `on_no_data`, the error rate's `critical`, `control_floor` and `false_alarm_budget`, all of
// `metrics`), so the output shows the policy in effect; fields that are off unless written
// (`bucket_by`, `auto_resume_after`, a warning level, `latency_p95`, stage overrides,
// `approval: true`) only when set. Keys come in the order of the format's documentation, so the
// output is deterministic.
std::string policy_to_json(const Policy& policy);

}  // namespace sluice
