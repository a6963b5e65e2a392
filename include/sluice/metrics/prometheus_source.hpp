#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "sluice/metrics/metrics_source.hpp"
#include "sluice/metrics/prometheus_query.hpp"
#include "sluice/net/http_client.hpp"

namespace boost::asio {
class io_context;
}

namespace sluice::metrics {

struct PrometheusOptions {
  std::chrono::milliseconds timeout{5000};  // per HTTP attempt: resolve, connect, write, read
  net::RetryPolicy retry;                   // transport errors, timeouts, 429 and 5xx
};

// Batched PromQL instant queries (POST /api/v1/query): two or three queries per fetch_window,
// however many flags there are. Errors name the server: "Prometheus at http://...:9090 timed out
// after 5s", "Prometheus at ... answered 400: bad_data: ...". A fetch takes at most
// retry.max_attempts * timeout + (max_attempts - 1) * backoff_max.
class PrometheusSource final : public MetricsSource {
 public:
  // base_url: "http://127.0.0.1:9090", or with a path prefix ("http://host/prometheus").
  PrometheusSource(boost::asio::io_context& io, std::string base_url,
                   PrometheusOptions options = {});

  void fetch_window(const WindowRequest& request, std::function<void(WindowResult)> done) override;
  void fetch_scalar(const ScalarRequest& request, std::function<void(ScalarResult)> done) override;
  std::string name() const override { return "prometheus " + printable_url_; }

 private:
  void query(const std::string& promql, TimePoint at, std::function<void(QueryAnswer)> done);

  std::string base_url_;  // without a trailing '/'
  // base_url_ without a password (user:pass@, ?token=): what names and errors show.
  std::string printable_url_;
  PrometheusOptions options_;
  std::shared_ptr<net::HttpClient> client_;
};

}  // namespace sluice::metrics
