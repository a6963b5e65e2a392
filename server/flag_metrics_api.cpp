#include "flag_metrics_api.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>

#include "statistics.hpp"

namespace sluice::server {
namespace {

using Json = nlohmann::ordered_json;

std::optional<std::chrono::seconds> parse_window(std::string_view text) {
  if (text.empty()) return FlagMetricsApi::kDefaultWindow;
  long seconds = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  const std::chrono::seconds window(seconds);
  if (window < FlagMetricsApi::kMinWindow || window > FlagMetricsApi::kMaxWindow) {
    return std::nullopt;
  }
  return window;
}

// A finite number, or null (JSON has no NaN).
Json number_or_null(std::optional<double> value) {
  if (!value || !std::isfinite(*value)) return nullptr;
  return *value;
}

// p50 and p95 in milliseconds from a histogram in seconds, as Prometheus would compute them.
std::pair<Json, Json> latency_quantiles(const std::vector<judge::HistogramBucket>& buckets) {
  if (buckets.empty()) return {nullptr, nullptr};
  auto quantile_ms = [&buckets](double q) -> Json {
    const judge::QuantileResult result = judge::histogram_quantile(q, buckets);
    if (!result.problem.empty()) return nullptr;
    return number_or_null(result.value * 1000.0);
  };
  return {quantile_ms(0.5), quantile_ms(0.95)};
}

Json variant_json(const std::string& variant, const metrics::VariantDelta* delta) {
  const double requests = delta != nullptr && !delta->has_nan ? delta->requests : 0;
  const double errors = delta != nullptr && !delta->has_nan ? delta->errors : 0;
  auto [p50, p95] = delta != nullptr && !delta->has_nan ? latency_quantiles(delta->latency)
                                                        : std::pair<Json, Json>{nullptr, nullptr};
  return Json{{"variant", variant},
              {"requests", requests},
              {"errors", errors},
              {"error_rate", requests > 0 ? number_or_null(errors / requests) : Json(nullptr)},
              {"p50_ms", p50},
              {"p95_ms", p95}};
}

// The flag's declared variants first (zeros when they had no traffic, so a chart has every
// line), then any other variant the source reported for it.
Json variants_json(const FlagDefinition& flag, const metrics::WindowResult& result) {
  Json variants = Json::array();
  for (const auto& variant : flag.variants) {
    auto it = result.series.find({flag.key, variant.name});
    variants.push_back(
        variant_json(variant.name, it != result.series.end() ? &it->second : nullptr));
  }
  for (const auto& [key, delta] : result.series) {
    if (key.first != flag.key) continue;
    bool declared = false;
    for (const auto& variant : flag.variants)
      declared = declared || variant.name == key.second;
    if (!declared) variants.push_back(variant_json(key.second, &delta));
  }
  return variants;
}

std::optional<std::string> window_error(const metrics::WindowResult& result) {
  if (result.requests_error) return "requests: " + *result.requests_error;
  if (result.errors_error) return "errors: " + *result.errors_error;
  if (result.latency_error) return "latency: " + *result.latency_error;
  return std::nullopt;
}

}  // namespace

FlagMetricsApi::FlagMetricsApi(metrics::MetricsSource* source, boost::asio::io_context& loop,
                               const SnapshotPublisher& publisher, Clock clock)
    : source_(source), loop_(loop), publisher_(publisher), clock_(std::move(clock)) {}

void FlagMetricsApi::handle(const HttpRequest& request, Respond respond) {
  const std::string key(request.path_param("key"));
  const auto window = parse_window(request.query_param("window"));
  if (!window) {
    return respond(HttpResponse::error(
        400, "invalid_window",
        "window must be a whole number of seconds from 10 to 3600 (default 300)", "window"));
  }
  // The definition is copied: the snapshot may be replaced before the source answers.
  std::shared_ptr<const Snapshot> snapshot = publisher_.current().snapshot;
  const FlagDefinition* found = nullptr;
  if (snapshot) {
    for (const auto& flag : snapshot->definitions().flags) {
      if (flag.key == key) found = &flag;
    }
  }
  if (found == nullptr)
    return respond(HttpResponse::error(404, "flag_not_found", "no flag " + key));

  Json body{{"flag", key},
            {"source", source_ != nullptr ? Json(source_->name()) : Json(nullptr)},
            {"window_seconds", window->count()},
            {"variants", Json::array()},
            {"error", nullptr}};
  if (source_ == nullptr) {
    body["variants"] = variants_json(*found, {});
    body["error"] = "this server has no metrics source";
    return respond(HttpResponse::json(200, body.dump()));
  }
  metrics::WindowRequest query;
  // Up to the end of the current second: the built-in source files an event at t under the
  // second that ends after it, so a window ending now would leave out the last second's events.
  query.at = std::chrono::ceil<std::chrono::seconds>(clock_());
  query.window = *window;
  query.want_latency = true;
  boost::asio::post(loop_, [this, query, snapshot, flag = found, body = std::move(body),
                            respond = std::move(respond)]() mutable {
    source_->fetch_window(query,
                          [snapshot, flag, body = std::move(body),
                           respond = std::move(respond)](metrics::WindowResult result) mutable {
                            body["variants"] = variants_json(*flag, result);
                            if (auto error = window_error(result)) body["error"] = *error;
                            respond(HttpResponse::json(200, body.dump()));
                          });
  });
}

}  // namespace sluice::server
