#pragma once

// A policy that sets every field and every stage override, shared by the reader's and the JSON
// writer's tests.

namespace sluice::test_data {

inline constexpr const char* kEveryFieldPolicyYaml =
    "flag: ai-chatbot\n"
    "treatment: on\n"
    "control: off\n"
    "interval: 1m\n"
    "min_duration: 1h30m\n"
    "min_samples: 200\n"
    "on_no_data: pause\n"
    "stages:\n"
    "  - segment: internal\n"
    "  - {segment: beta, approval: true}\n"
    "  - {percent: 0.5, min_duration: 90s, min_samples: 5000}\n"
    "  - percent: 100\n"
    "checks:\n"
    "  error_rate: {critical: 3, control_floor: 0.002}\n"
    "  latency_p95: {max_ms: {warning: 800, critical: 1500}}\n"
    "  custom:\n"
    "    - name: cost\n"
    "      query: sum(rate(cost{v=\"{{variant}}\"}[{{window}}]))\n"
    "      direction: lower_is_worse\n"
    "      compare: ratio\n"
    "      warning: 0.9\n"
    "      critical: 0.5\n"
    "notify: [slack-ai, webhook-ops]\n"
    "metrics:\n"
    "  flag_label: flag\n"
    "  variant_label: variant\n"
    "  requests: requests_total\n"
    "  error_selector: 'outcome=\"error\"'\n"
    "  latency_histogram: latency_seconds\n";

}  // namespace sluice::test_data
