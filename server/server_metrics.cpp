#include "server_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <array>
#include <string>

namespace sluice::server {
namespace {

// Request latencies from sub-millisecond evaluations to slow admin calls.
const prometheus::Histogram::BucketBoundaries& duration_buckets() {
  static const prometheus::Histogram::BucketBoundaries buckets{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return buckets;
}

// Methods are client input: only known ones become label values.
std::string method_label(std::string_view method) {
  static constexpr std::array<std::string_view, 7> known{"GET",    "POST",    "PUT", "PATCH",
                                                         "DELETE", "OPTIONS", "HEAD"};
  for (auto m : known) {
    if (m == method) return std::string(m);
  }
  return "OTHER";
}

}  // namespace

ServerMetrics::ServerMetrics(std::shared_ptr<prometheus::Registry> registry)
    : registry_(registry ? std::move(registry) : std::make_shared<prometheus::Registry>()) {
  requests_ = &prometheus::BuildCounter()
                   .Name("sluice_http_requests_total")
                   .Help("HTTP requests answered, by route pattern, method and status")
                   .Register(*registry_);
  durations_ = &prometheus::BuildHistogram()
                    .Name("sluice_http_request_duration_seconds")
                    .Help("Time from a request fully read to its response written, by route")
                    .Register(*registry_);
  sse_subscribers_ = &prometheus::BuildGauge()
                          .Name("sluice_sse_subscribers")
                          .Help("Open Server-Sent Events streams")
                          .Register(*registry_)
                          .Add({});
}

ServerMetrics::~ServerMetrics() = default;

void ServerMetrics::observe_request(std::string_view route, std::string_view method, int status,
                                    double seconds) {
  // Family::Add returns the existing series for known labels (a locked hash lookup).
  requests_
      ->Add({{"route", std::string(route)},
             {"method", method_label(method)},
             {"status", std::to_string(status)}})
      .Increment();
  durations_->Add({{"route", std::string(route)}}, duration_buckets()).Observe(seconds);
}

void ServerMetrics::sse_subscriber_added() {
  sse_subscribers_->Increment();
}

void ServerMetrics::sse_subscriber_removed() {
  sse_subscribers_->Decrement();
}

HttpResponse ServerMetrics::serve(const HttpRequest& /*request*/) const {
  HttpResponse response;
  response.body = prometheus::TextSerializer().Serialize(registry_->Collect());
  response.set_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  return response;
}

}  // namespace sluice::server
