#pragma once

#include <memory>
#include <string_view>

#include "http_message.hpp"

namespace prometheus {
class Registry;
class Gauge;
template <typename T>
class Family;
class Counter;
class Histogram;
}  // namespace prometheus

// The HTTP server's Prometheus metrics, built once at start (the hot path only increments), and
// the /metrics handler. Other parts add their families to registry().
namespace sluice::server {

class ServerMetrics {
 public:
  explicit ServerMetrics(std::shared_ptr<prometheus::Registry> registry = nullptr);
  ~ServerMetrics();
  ServerMetrics(const ServerMetrics&) = delete;
  ServerMetrics& operator=(const ServerMetrics&) = delete;

  const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }

  // route is the route pattern (bounded cardinality); unknown methods are counted as "OTHER".
  void observe_request(std::string_view route, std::string_view method, int status, double seconds);
  void sse_subscriber_added();
  void sse_subscriber_removed();

  // GET /metrics: the registry in the Prometheus text format.
  HttpResponse serve(const HttpRequest& request) const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* requests_;
  prometheus::Family<prometheus::Histogram>* durations_;
  prometheus::Gauge* sse_subscribers_;
};

}  // namespace sluice::server
