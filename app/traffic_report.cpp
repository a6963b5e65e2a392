#include "traffic_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "sluice/count_format.hpp"
#include "traffic_generator.hpp"

namespace sluice::app {

std::size_t fine_bucket(double ms) {
  if (!(ms > kFineBase)) return 0;
  auto i = static_cast<std::size_t>(std::log(ms / kFineBase) / std::log(kFineGrowth));
  return std::min(i, kFineBuckets - 1);
}

double fine_percentile(const std::vector<std::uint64_t>& buckets, std::uint64_t total, double q) {
  if (total == 0) return 0;
  const auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total)));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    seen += buckets[i];
    if (seen >= rank && buckets[i] > 0) {
      // The bucket's geometric middle.
      return kFineBase * std::pow(kFineGrowth, static_cast<double>(i) + 0.5);
    }
  }
  return kFineBase * std::pow(kFineGrowth, static_cast<double>(kFineBuckets));
}

std::string events_body(const PendingEvents& batch, std::uint64_t& count) {
  nlohmann::json events = nlohmann::json::array();
  count = 0;
  for (const auto& [key, p] : batch) {
    const auto& [flag, variant, error, bucket, second] = key;
    events.push_back({{"flag", flag},
                      {"variant", variant},
                      {"outcome", error ? "error" : "ok"},
                      {"latency_ms", p.latency_sum_ms / static_cast<double>(p.count)},
                      {"count", p.count},
                      {"time", second}});
    count += p.count;
  }
  return nlohmann::json{{"events", std::move(events)}}.dump();
}

std::vector<std::string> TrafficGenerator::summary_lines(const TrafficStats& stats) {
  std::vector<std::string> lines;
  std::size_t width = 0;
  for (const auto& [flag, f] : stats.flags)
    for (const auto& [variant, v] : f.variants)
      width = std::max(width, flag.size() + 1 + variant.size());
  for (const auto& [flag, f] : stats.flags) {
    std::uint64_t total = 0;
    for (const auto& [variant, v] : f.variants)
      total += v.requests;
    for (const auto& [variant, v] : f.variants) {
      const double share =
          total ? 100.0 * static_cast<double>(v.requests) / static_cast<double>(total) : 0.0;
      const double rate =
          v.requests ? 100.0 * static_cast<double>(v.errors) / static_cast<double>(v.requests)
                     : 0.0;
      lines.push_back(
          fmt::format("{:<{}}  {:>9} requests ({:5.1f}%)  {:>7} errors ({:5.2f}%)  "
                      "p50 {:.0f} ms  p95 {:.0f} ms",
                      flag + " " + variant, width, format_count(v.requests), share,
                      format_count(v.errors), rate, v.p50_ms, v.p95_ms));
    }
    if (f.variants.empty() && f.evaluation_failures == 0) {
      lines.push_back(fmt::format("{}: no requests", flag));
    }
    if (f.evaluation_failures > 0) {
      std::string reasons;
      for (const auto& [reason, n] : f.failure_reasons)
        reasons += fmt::format("{}{}: {}", reasons.empty() ? "" : ", ", reason, format_count(n));
      lines.push_back(fmt::format("{}: {} evaluations failed ({})", flag,
                                  format_count(f.evaluation_failures), reasons));
    }
  }
  if (stats.dropped > 0) {
    lines.push_back(fmt::format("{} arrivals dropped: the server did not keep up",
                                format_count(stats.dropped)));
  }
  if (stats.event_batches_failed > 0) {
    lines.push_back(fmt::format("{} event batches failed (last: {})",
                                format_count(stats.event_batches_failed), stats.last_report_error));
  }
  return lines;
}

}  // namespace sluice::app
