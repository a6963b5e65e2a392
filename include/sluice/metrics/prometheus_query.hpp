#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/metrics/metrics_source.hpp"
#include "sluice/policy.hpp"

// The pure half of the Prometheus source: the batched PromQL it sends and how it reads the
// answers. No network, no clock, so both are tested with hand-written bodies.
namespace sluice::metrics {

// One query per metric for every (flag, variant) at once (ARCHITECTURE decision 8).
struct WindowQueries {
  std::string requests;  // sum by (flag, variant) (increase(requests[w]))
  std::string errors;    // sum by (flag, variant) (increase(requests{error_selector}[w]))
  std::string latency;   // sum by (flag, variant, le) (increase(histogram_bucket[w]))
};

// The range is written in whole seconds ("60s", "90s"): every Prometheus 2.x reads that.
WindowQueries build_window_queries(const MetricNames& names, std::chrono::seconds window);

// Unix seconds with milliseconds, as the `time=` parameter: "1700000000.250".
std::string prometheus_time(TimePoint at);

// One element of an instant vector (or the one value of a scalar answer, without labels).
struct Sample {
  std::map<std::string, std::string> labels;
  double value = 0;
};

// A query's answer: samples, or why there are none. `error` says what Prometheus said
// ("answered 400: bad_data: parse error at char 5: ..."), without naming the server: the source
// adds that.
struct QueryAnswer {
  std::vector<Sample> samples;
  std::optional<std::string> error;
};

// Reads /api/v1/query's answer: `{"status":"success","data":{"resultType":"vector","result":[
// {"metric":{...},"value":[ts,"0.12"]}]}}`. Values are strings and may be "NaN", "+Inf", "-Inf".
// A non-200 status, `"status":"error"`, a body that is not that JSON, or a matrix/string result
// is an error.
QueryAnswer parse_query_response(int http_status, std::string_view body);

// Prometheus's float text: "1.5", "1e3", "NaN", "+Inf", "-Inf". Nothing for anything else.
std::optional<double> parse_prometheus_float(std::string_view text);

// Joins the three answers into per-(flag, variant) deltas. Only (flag, variant) pairs with a
// request series appear; a missing error series means 0 errors; buckets are sorted by `le`
// ("+Inf" is infinity). A NaN anywhere in a pair's samples sets has_nan. Samples without both
// labels are not attributable to a variant and are left out. `errors` or `latency` may be null
// (not asked, or the query failed).
std::map<SeriesKey, VariantDelta> assemble_series(const std::vector<Sample>& requests,
                                                  const std::vector<Sample>* errors,
                                                  const std::vector<Sample>* latency,
                                                  const MetricNames& names);

}  // namespace sluice::metrics
