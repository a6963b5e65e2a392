#include "sluice/metrics/prometheus_source.hpp"

#include <array>
#include <atomic>
#include <cmath>
#include <utility>

#include "sluice/net/url.hpp"

namespace sluice::metrics {
namespace {

// "Prometheus at URL timed out after 5s" reads better without a colon; other errors get one.
std::string describe_failure(const std::string& base_url, const std::string& error) {
  const bool reads_on = error.rfind("timed out", 0) == 0 || error.rfind("answered", 0) == 0;
  return "Prometheus at " + base_url + (reads_on ? " " : ": ") + error;
}

// The answers of one fetch_window, joined when the last query completes (on whichever loop
// thread that is: each slot is written by one query only, and the counter orders them).
struct WindowJoin {
  std::array<QueryAnswer, 3> answers;  // requests, errors, latency
  std::atomic<int> pending{0};
  MetricNames names;
  bool want_latency = false;
  std::function<void(WindowResult)> done;

  void complete() {
    WindowResult result;
    result.queries = want_latency ? 3 : 2;
    const QueryAnswer& requests = answers[0];
    const QueryAnswer& errors = answers[1];
    const QueryAnswer& latency = answers[2];
    result.requests_error = requests.error;
    result.errors_error = errors.error;
    if (want_latency) result.latency_error = latency.error;
    if (!requests.error) {
      result.series =
          assemble_series(requests.samples, errors.error ? nullptr : &errors.samples,
                          want_latency && !latency.error ? &latency.samples : nullptr, names);
    }
    done(std::move(result));
  }
};

}  // namespace

PrometheusSource::PrometheusSource(boost::asio::io_context& io, std::string base_url,
                                   PrometheusOptions options)
    : base_url_(std::move(base_url)),
      options_(options),
      client_(std::make_shared<net::HttpClient>(io)) {
  while (!base_url_.empty() && base_url_.back() == '/')
    base_url_.pop_back();
  printable_url_ = net::redact_credentials(base_url_);
}

void PrometheusSource::query(const std::string& promql, TimePoint at,
                             std::function<void(QueryAnswer)> done) {
  net::HttpRequest request;
  request.method = "POST";
  request.url = base_url_ + "/api/v1/query";
  request.headers["Content-Type"] = "application/x-www-form-urlencoded";
  request.headers["Accept"] = "application/json";
  request.body = net::form_encode({{"query", promql}, {"time", prometheus_time(at)}});
  request.timeout = options_.timeout;
  client_->send_with_retries(
      std::move(request), options_.retry,
      [base_url = printable_url_, done = std::move(done)](net::HttpResult result) {
        QueryAnswer answer =
            result.ok() ? parse_query_response(result.response->status, result.response->body)
                        : QueryAnswer{{}, result.error};
        if (answer.error) answer.error = describe_failure(base_url, *answer.error);
        done(std::move(answer));
      });
}

void PrometheusSource::fetch_window(const WindowRequest& request,
                                    std::function<void(WindowResult)> done) {
  const WindowQueries queries = build_window_queries(request.names, request.window);
  auto join = std::make_shared<WindowJoin>();
  join->names = request.names;
  join->want_latency = request.want_latency;
  join->done = std::move(done);
  join->pending = request.want_latency ? 3 : 2;
  auto collect = [join](std::size_t slot) {
    return [join, slot](QueryAnswer answer) {
      join->answers[slot] = std::move(answer);
      if (join->pending.fetch_sub(1, std::memory_order_acq_rel) == 1) join->complete();
    };
  };
  query(queries.requests, request.at, collect(0));
  query(queries.errors, request.at, collect(1));
  if (request.want_latency) query(queries.latency, request.at, collect(2));
}

void PrometheusSource::fetch_scalar(const ScalarRequest& request,
                                    std::function<void(ScalarResult)> done) {
  query(request.promql, request.at, [done = std::move(done)](QueryAnswer answer) {
    ScalarResult result;
    if (answer.error) {
      result.error = std::move(answer.error);
    } else if (answer.samples.empty()) {
      result.error = "empty result";
    } else if (answer.samples.size() > 1) {
      result.error = std::to_string(answer.samples.size()) + " series, expected 1";
    } else if (std::isnan(answer.samples.front().value)) {
      result.error = "NaN";
    } else {
      result.value = answer.samples.front().value;
    }
    done(std::move(result));
  });
}

}  // namespace sluice::metrics
