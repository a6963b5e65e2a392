#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

// Private to the traffic generator: what it reports, as the summary's percentiles and as the
// batches of events it sends to POST /v1/events.
namespace sluice::app {

// Fine log-scale latency histogram for the summary's percentiles: 5% wide buckets from 0.01 ms.
constexpr double kFineBase = 0.01;
constexpr double kFineGrowth = 1.05;
constexpr std::size_t kFineBuckets = 400;

std::size_t fine_bucket(double ms);
// The q-quantile (0.5, 0.95) of `total` latencies counted in `buckets`; 0 when there are none.
double fine_percentile(const std::vector<std::uint64_t>& buckets, std::uint64_t total, double q);

// Events waiting for the next batch, grouped so a batch stays small: per flag, variant,
// outcome and latency bucket, with the group's mean latency (inside the bucket, so the
// server's histogram gets the same counts as if each request were sent alone).
struct Pending {
  std::uint64_t count = 0;
  double latency_sum_ms = 0;
};
// The last field is the unix second the request was made in: events carry it as `time`, so
// the server counts each request in the interval it happened in, not the one it was reported
// in (a stage change would otherwise mix the old split's requests into the new stage).
using PendingKey = std::tuple<std::string, std::string, bool, std::size_t, std::int64_t>;
using PendingEvents = std::map<PendingKey, Pending>;

// The body of POST /v1/events for `batch`; `count` is set to the requests it reports.
std::string events_body(const PendingEvents& batch, std::uint64_t& count);

}  // namespace sluice::app
