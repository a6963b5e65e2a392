#include "sluice/metrics/builtin_source.hpp"

#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace sluice::metrics {

BuiltinSource::BuiltinSource(boost::asio::io_context& io,
                             std::shared_ptr<const EventAggregator> aggregator)
    : io_(io), aggregator_(std::move(aggregator)) {}

void BuiltinSource::fetch_window(const WindowRequest& request,
                                 std::function<void(WindowResult)> done) {
  AggregatedWindow window = aggregator_->window(request.at, request.window, request.want_latency);
  WindowResult result;
  result.queries = 1;
  if (window.error) {
    // One in-memory read answers all three: if it cannot, none of them has data.
    result.requests_error = window.error;
    result.errors_error = window.error;
    if (request.want_latency) result.latency_error = window.error;
  } else {
    result.series = std::move(window.series);
  }
  boost::asio::post(io_, [done = std::move(done), result = std::move(result)]() mutable {
    done(std::move(result));
  });
}

void BuiltinSource::fetch_scalar(const ScalarRequest&, std::function<void(ScalarResult)> done) {
  ScalarResult result;
  result.error = "custom PromQL checks need Prometheus; the built-in event source has none";
  boost::asio::post(io_, [done = std::move(done), result = std::move(result)]() mutable {
    done(std::move(result));
  });
}

}  // namespace sluice::metrics
