#pragma once

#include <memory>

#include "sluice/metrics/event_aggregator.hpp"
#include "sluice/metrics/metrics_source.hpp"

namespace boost::asio {
class io_context;
}

namespace sluice::metrics {

// MetricsSource over the built-in event aggregator: one in-memory "query" per fetch_window.
// Answers are posted to the io_context (never called inline), like a network source's.
class BuiltinSource final : public MetricsSource {
 public:
  BuiltinSource(boost::asio::io_context& io, std::shared_ptr<const EventAggregator> aggregator);

  void fetch_window(const WindowRequest& request, std::function<void(WindowResult)> done) override;
  void fetch_scalar(const ScalarRequest& request, std::function<void(ScalarResult)> done) override;
  std::string name() const override { return "built-in events"; }

 private:
  boost::asio::io_context& io_;
  std::shared_ptr<const EventAggregator> aggregator_;
};

}  // namespace sluice::metrics
