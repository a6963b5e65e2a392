#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/metrics/event_aggregator.hpp"

// The body of POST /v1/events:
//   {"events": [{"flag": "checkout", "variant": "on", "outcome": "ok", "latency_ms": 12.5,
//                "count": 3, "time": 1700000000.5}, ...]}
// `latency_ms`, `count` (default 1) and `time` (Unix seconds; default: when it arrives) are
// optional. All or nothing: one bad event and the batch is refused with every problem listed.
namespace sluice::metrics {

inline constexpr std::size_t kMaxEventsPerBatch = 10000;
inline constexpr std::uint64_t kMaxEventCount = 1000000;
inline constexpr std::size_t kMaxNameLength = 200;   // flag and variant
inline constexpr double kMaxLatencyMs = 86400000.0;  // one day
inline constexpr std::size_t kMaxProblems = 20;      // then "... and N more"

struct ParsedEvents {
  std::vector<Event> events;          // empty when there are problems
  std::vector<std::string> problems;  // "events[3].outcome: must be \"ok\" or \"error\""
  bool ok() const { return problems.empty(); }
};

ParsedEvents parse_events_json(std::string_view body);

}  // namespace sluice::metrics
