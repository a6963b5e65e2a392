#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "sluice/metrics/prometheus_query.hpp"

namespace sluice::metrics {
namespace {

using nlohmann::json;

// At most this much of an unexpected body goes into an error message.
constexpr std::size_t kBodyExcerpt = 200;

std::string excerpt(std::string_view body) {
  if (body.size() <= kBodyExcerpt) return std::string(body);
  return std::string(body.substr(0, kBodyExcerpt)) + "...";
}

QueryAnswer failure(std::string error) {
  QueryAnswer answer;
  answer.error = std::move(error);
  return answer;
}

// `[<unix time>, "<value>"]`
std::optional<double> sample_value(const json& pair) {
  if (!pair.is_array() || pair.size() != 2 || !pair[1].is_string()) return std::nullopt;
  return parse_prometheus_float(pair[1].get_ref<const std::string&>());
}

std::optional<std::string> label(const Sample& sample, const std::string& name) {
  auto it = sample.labels.find(name);
  if (it == sample.labels.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

std::optional<SeriesKey> key_of(const Sample& sample, const MetricNames& names) {
  auto flag = label(sample, names.flag_label);
  auto variant = label(sample, names.variant_label);
  if (!flag || !variant) return std::nullopt;
  return SeriesKey{*flag, *variant};
}

}  // namespace

std::optional<double> parse_prometheus_float(std::string_view text) {
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (text == "+Inf" || text == "Inf") return std::numeric_limits<double>::infinity();
  if (text == "-Inf") return -std::numeric_limits<double>::infinity();
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

namespace {

QueryAnswer parse_document(int http_status, std::string_view body) {
  json document = json::parse(body, nullptr, false);
  const bool is_object = !document.is_discarded() && document.is_object();
  // Prometheus explains failures in the same JSON shape whatever the status (400, 422, 503).
  if (is_object && document.value("status", "") == "error") {
    return failure("answered " + std::to_string(http_status) + ": " +
                   document.value("errorType", "error") + ": " + document.value("error", ""));
  }
  if (http_status != 200) {
    return failure("answered " + std::to_string(http_status) + ": " + excerpt(body));
  }
  if (!is_object || document.value("status", "") != "success" || !document.contains("data") ||
      !document["data"].is_object()) {
    return failure("answered 200 with a body that is not a query result: " + excerpt(body));
  }
  const json& data = document["data"];
  const std::string type = data.value("resultType", "");
  const json* result = data.contains("result") ? &data["result"] : nullptr;
  QueryAnswer answer;
  if (type == "scalar" && result) {
    auto value = sample_value(*result);
    if (!value) return failure("answered a scalar that is not [time, \"value\"]");
    answer.samples.push_back(Sample{{}, *value});
    return answer;
  }
  if (type != "vector" || !result || !result->is_array()) {
    return failure("answered a " + (type.empty() ? std::string("missing") : type) +
                   " result, expected an instant vector");
  }
  for (const json& element : *result) {
    if (!element.is_object() || !element.contains("value")) {
      return failure("answered a vector element without a value: " + excerpt(element.dump()));
    }
    Sample sample;
    if (element.contains("metric") && element["metric"].is_object()) {
      for (const auto& [name, value] : element["metric"].items()) {
        if (value.is_string()) sample.labels[name] = value.get<std::string>();
      }
    }
    auto value = sample_value(element["value"]);
    if (!value) return failure("answered a value that is not a number: " + excerpt(element.dump()));
    sample.value = *value;
    answer.samples.push_back(std::move(sample));
  }
  return answer;
}

}  // namespace

QueryAnswer parse_query_response(int http_status, std::string_view body) {
  try {
    return parse_document(http_status, body);
  } catch (const nlohmann::json::exception&) {
    // A field of the wrong JSON type (`"status": 1`): not the API we know.
    return failure("answered " + std::to_string(http_status) +
                   " with a body that is not a query result: " + excerpt(body));
  }
}

std::map<SeriesKey, VariantDelta> assemble_series(const std::vector<Sample>& requests,
                                                  const std::vector<Sample>* errors,
                                                  const std::vector<Sample>* latency,
                                                  const MetricNames& names) {
  std::map<SeriesKey, VariantDelta> series;
  for (const Sample& sample : requests) {
    auto key = key_of(sample, names);
    if (!key) continue;
    VariantDelta& delta = series[*key];
    delta.requests += sample.value;
    if (std::isnan(sample.value)) delta.has_nan = true;
  }
  if (errors) {
    for (const Sample& sample : *errors) {
      auto key = key_of(sample, names);
      if (!key) continue;
      auto it = series.find(*key);
      if (it == series.end()) continue;  // errors without requests: no usable rate
      it->second.errors += sample.value;
      if (std::isnan(sample.value)) it->second.has_nan = true;
    }
  }
  if (latency) {
    for (const Sample& sample : *latency) {
      auto key = key_of(sample, names);
      if (!key) continue;
      auto it = series.find(*key);
      if (it == series.end()) continue;
      auto le = sample.labels.find("le");
      auto bound = le == sample.labels.end() ? std::nullopt : parse_prometheus_float(le->second);
      if (!bound || std::isnan(*bound)) continue;  // not a histogram bucket
      it->second.latency.push_back(judge::HistogramBucket{*bound, sample.value});
      if (std::isnan(sample.value)) it->second.has_nan = true;
    }
    for (auto& [key, delta] : series) {
      std::sort(delta.latency.begin(), delta.latency.end(),
                [](const judge::HistogramBucket& a, const judge::HistogramBucket& b) {
                  return a.upper_bound < b.upper_bound;
                });
    }
  }
  return series;
}

}  // namespace sluice::metrics
