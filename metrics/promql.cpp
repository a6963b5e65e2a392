#include <cstdio>

#include "sluice/metrics/prometheus_query.hpp"

namespace sluice::metrics {

WindowQueries build_window_queries(const MetricNames& names, std::chrono::seconds window) {
  const std::string range = "[" + std::to_string(window.count()) + "s]";
  const std::string by = "sum by (" + names.flag_label + ", " + names.variant_label;
  WindowQueries queries;
  queries.requests = by + ") (increase(" + names.requests + range + "))";
  queries.errors =
      by + ") (increase(" + names.requests + "{" + names.error_selector + "}" + range + "))";
  queries.latency = by + ", le) (increase(" + names.latency_histogram + "_bucket" + range + "))";
  return queries;
}

std::string prometheus_time(TimePoint at) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
  // Floor division, so times before 1970 (tests only) still print correctly.
  long long seconds = ms / 1000;
  long long fraction = ms % 1000;
  if (fraction < 0) {
    seconds -= 1;
    fraction += 1000;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%lld.%03lld", seconds, fraction);
  return text;
}

}  // namespace sluice::metrics
