#include "traffic_generator.hpp"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "http_server.hpp"
#include "router.hpp"
#include "sluice/metrics/event_aggregator.hpp"
#include "traffic_http.hpp"
#include "traffic_report.hpp"
#include "traffic_settings.hpp"

namespace sluice::app {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto& kLatencyBounds = metrics::EventAggregator::kLatencyBounds;

}  // namespace

struct TrafficGenerator::Impl {
  explicit Impl(const TrafficOptions& o) : options(o) {}

  struct Job {
    std::size_t flag = 0;
    std::uint32_t user = 0;
    double u_error = 0;  // uniform [0, 1): error when below the error rate
    double z = 0;        // standard normal: the latency's draw
  };

  struct Series {
    VariantStats stats;
    std::vector<std::uint64_t> fine = std::vector<std::uint64_t>(kFineBuckets, 0);
    double error_rate = 0;
    double median_ms = 0;
    prometheus::Counter* ok = nullptr;
    prometheus::Counter* failed = nullptr;
    prometheus::Histogram* duration = nullptr;
  };

  const TrafficOptions& options;
  std::vector<double> weights;

  std::mutex queue_mutex;
  std::condition_variable queue_cv;
  std::deque<Job> queue;
  bool stop_arrivals = false;
  bool stop_workers = false;

  mutable std::mutex stats_mutex;
  std::map<std::pair<std::string, std::string>, Series> series;
  std::map<std::string, FlagStats> flag_failures;  // failures only (variants come from series)
  PendingEvents pending;
  TrafficStats totals;  // dropped, batches, events reported

  std::mutex report_mutex;
  std::condition_variable report_cv;
  bool stop_reporter = false;

  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>* requests_family = nullptr;
  prometheus::Family<prometheus::Histogram>* duration_family = nullptr;
  server::Router router;
  std::unique_ptr<server::HttpServer> metrics_server;

  std::thread arrivals;
  std::vector<std::thread> workers;
  std::thread reporter;
  Clock::time_point started_at{};
  Clock::time_point stopped_at{};
  bool started = false;
  bool stopped = false;

  bool reports_events() const { return options.report != ReportTo::metrics; }
  bool reports_metrics() const { return options.report != ReportTo::events; }

  std::vector<std::pair<std::string, std::string>> auth_headers(bool json_body) const {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!options.token.empty()) headers.emplace_back("Authorization", "Bearer " + options.token);
    if (json_body) headers.emplace_back("Content-Type", "application/json");
    return headers;
  }

  void run_arrivals() {
    std::mt19937_64 random(options.seed);
    std::exponential_distribution<double> gap(options.rps);
    std::uniform_int_distribution<std::uint32_t> user(0, options.users - 1);
    std::discrete_distribution<std::size_t> flag(weights.begin(), weights.end());
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    std::normal_distribution<double> normal(0.0, 1.0);
    auto next = Clock::now();
    std::unique_lock lock(queue_mutex);
    while (!stop_arrivals) {
      next +=
          std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(gap(random)));
      // Fell far behind (a suspended process, an overloaded machine): carry on from now rather
      // than sending a burst to catch up.
      if (const auto now = Clock::now(); next < now - std::chrono::seconds(1)) next = now;
      if (queue_cv.wait_until(lock, next, [this] { return stop_arrivals; })) break;
      Job job{flag(random), user(random), unit(random), normal(random)};
      if (queue.size() >= options.max_queue) {
        lock.unlock();
        {
          std::lock_guard stats_lock(stats_mutex);
          ++totals.dropped;
        }
        lock.lock();
        continue;
      }
      queue.push_back(job);
      queue_cv.notify_all();
    }
  }

  Series& series_for(const std::string& flag, const std::string& variant) {
    auto key = std::make_pair(flag, variant);
    auto it = series.find(key);
    if (it != series.end()) return it->second;
    Series s;
    s.error_rate = std::clamp(setting_for(options.error_rates, flag, variant, 0.01), 0.0, 1.0);
    s.median_ms = std::max(0.0, setting_for(options.latency_ms, flag, variant, 50.0) *
                                    setting_for(options.latency_factors, flag, variant, 1.0));
    if (requests_family) {
      const std::map<std::string, std::string> labels{{"feature_flag_key", flag},
                                                      {"feature_flag_variant", variant}};
      auto with_status = [&](const char* status) {
        auto l = labels;
        l["http_response_status_code"] = status;
        return l;
      };
      s.ok = &requests_family->Add(with_status("200"));
      s.failed = &requests_family->Add(with_status("500"));
      s.duration = &duration_family->Add(labels, prometheus::Histogram::BucketBoundaries(
                                                     kLatencyBounds.begin(), kLatencyBounds.end()));
    }
    return series.emplace(key, std::move(s)).first->second;
  }

  void record_failure(const std::string& flag, const std::string& reason) {
    std::lock_guard lock(stats_mutex);
    auto& f = flag_failures[flag];
    ++f.evaluation_failures;
    // Reasons are bounded: the texts our client and the server produce, cut short.
    if (f.failure_reasons.size() < 20 || f.failure_reasons.count(reason))
      ++f.failure_reasons[reason];
  }

  void handle(KeepAliveConnection& connection, const Job& job) {
    const std::string& flag = options.flags[job.flag].key;
    SimpleResponse response =
        connection.request("POST", evaluation_target(flag), auth_headers(true),
                           evaluation_body(job.user, options.accounts), options.timeout);
    if (!response.ok()) return record_failure(flag, response.error);
    auto json = nlohmann::json::parse(response.body, nullptr, false);
    if (response.status != 200) {
      std::string reason = "HTTP " + std::to_string(response.status);
      if (json.is_object() && json.contains("errorCode") && json["errorCode"].is_string()) {
        reason += " " + json["errorCode"].get<std::string>();
      }
      return record_failure(flag, reason);
    }
    if (!json.is_object() || !json.contains("variant") || !json["variant"].is_string()) {
      return record_failure(flag, "answer without a variant");
    }
    const std::string variant = json["variant"].get<std::string>();
    if (variant.empty() || variant.size() > 200)
      return record_failure(flag, "answer without a variant");

    std::lock_guard lock(stats_mutex);
    Series& s = series_for(flag, variant);
    const bool error = job.u_error < s.error_rate;
    const double ms = s.median_ms * std::exp(options.latency_sigma * job.z);
    ++s.stats.requests;
    if (error) ++s.stats.errors;
    s.stats.latency_sum_ms += ms;
    ++s.fine[fine_bucket(ms)];
    if (s.ok) {
      (error ? s.failed : s.ok)->Increment();
      s.duration->Observe(ms / 1000.0);
    }
    if (reports_events()) {
      const double seconds = ms / 1000.0;
      const auto bucket = static_cast<std::size_t>(
          std::lower_bound(kLatencyBounds.begin(), kLatencyBounds.end(), seconds) -
          kLatencyBounds.begin());
      const std::int64_t second =
          std::chrono::duration_cast<std::chrono::seconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count() +
          1;  // the second (s - 1, s] the request ended in, as the aggregator counts it
      Pending& p = pending[PendingKey{flag, variant, error, bucket, second}];
      ++p.count;
      p.latency_sum_ms += ms;
    }
  }

  void run_worker() {
    KeepAliveConnection connection(options.url);
    for (;;) {
      Job job;
      {
        std::unique_lock lock(queue_mutex);
        queue_cv.wait(lock, [this] { return stop_workers || !queue.empty(); });
        if (stop_workers) return;
        job = queue.front();
        queue.pop_front();
      }
      try {
        handle(connection, job);
      } catch (const std::exception& e) {
        record_failure(options.flags[job.flag].key, e.what());
      }
    }
  }

  // Sends what is pending as one batch. A batch that did not arrive (no answer, 429, 5xx) is
  // kept for the next one; one the server refused (4xx) is dropped and counted as failed.
  void send_events(KeepAliveConnection& connection) {
    PendingEvents batch;
    {
      std::lock_guard lock(stats_mutex);
      batch.swap(pending);
    }
    if (batch.empty()) return;
    std::uint64_t count = 0;
    const std::string body = events_body(batch, count);
    SimpleResponse response =
        connection.request("POST", "/v1/events", auth_headers(true), body, options.timeout);
    std::lock_guard lock(stats_mutex);
    if (response.ok() && response.status >= 200 && response.status < 300) {
      ++totals.event_batches_sent;
      totals.events_reported += count;
      return;
    }
    ++totals.event_batches_failed;
    totals.last_report_error = response.ok() ? "HTTP " + std::to_string(response.status) + ": " +
                                                   response.body.substr(0, 200)
                                             : response.error;
    const bool retry = !response.ok() || response.status == 429 || response.status >= 500;
    if (!retry) return;
    for (const auto& [key, p] : batch) {
      Pending& into = pending[key];
      into.count += p.count;
      into.latency_sum_ms += p.latency_sum_ms;
    }
  }

  void run_reporter() {
    KeepAliveConnection connection(options.url);
    std::unique_lock lock(report_mutex);
    while (!stop_reporter) {
      report_cv.wait_for(lock, options.report_interval, [this] { return stop_reporter; });
      lock.unlock();
      send_events(connection);
      lock.lock();
    }
    lock.unlock();
    send_events(connection);  // the last requests
  }

  TrafficStats snapshot() const {
    std::lock_guard lock(stats_mutex);
    TrafficStats out = totals;
    out.flags = flag_failures;
    for (const auto& f : options.flags)
      out.flags[f.key];
    for (const auto& [key, s] : series) {
      VariantStats v = s.stats;
      v.p50_ms = fine_percentile(s.fine, v.requests, 0.50);
      v.p95_ms = fine_percentile(s.fine, v.requests, 0.95);
      out.flags[key.first].variants[key.second] = v;
    }
    const auto end = stopped ? stopped_at : Clock::now();
    out.seconds = started ? std::chrono::duration<double>(end - started_at).count() : 0.0;
    return out;
  }
};

TrafficGenerator::TrafficGenerator(TrafficOptions options) : options_(std::move(options)) {
  check_traffic_options(options_);
  impl_ = std::make_unique<Impl>(options_);
  for (const auto& f : options_.flags)
    impl_->weights.push_back(f.weight);
}

TrafficGenerator::~TrafficGenerator() {
  stop();
}

void TrafficGenerator::start() {
  Impl& impl = *impl_;
  if (impl.started) return;
  if (impl.reports_metrics()) {
    impl.requests_family = &prometheus::BuildCounter()
                                .Name("http_server_requests_total")
                                .Help("Simulated requests by feature flag, variant and status")
                                .Register(*impl.registry);
    impl.duration_family = &prometheus::BuildHistogram()
                                .Name("http_server_request_duration_seconds")
                                .Help("Simulated request durations by feature flag and variant")
                                .Register(*impl.registry);
    impl.router.add_sync("GET", "/metrics", [this](const server::HttpRequest&) {
      server::HttpResponse response;
      response.body = metrics_text();
      response.set_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
      return response;
    });
    server::HttpServerOptions server_options;
    server_options.listen = options_.metrics_listen;
    server_options.threads = 1;
    server_options.shutdown_grace = std::chrono::seconds(2);
    impl.metrics_server = std::make_unique<server::HttpServer>(impl.router, server_options);
    impl.metrics_server->start();
  }
  {
    std::lock_guard lock(impl.stats_mutex);
    impl.started = true;
    impl.started_at = Clock::now();
  }
  for (unsigned i = 0; i < options_.connections; ++i)
    impl.workers.emplace_back([&impl] { impl.run_worker(); });
  if (impl.reports_events()) impl.reporter = std::thread([&impl] { impl.run_reporter(); });
  impl.arrivals = std::thread([&impl] { impl.run_arrivals(); });
}

void TrafficGenerator::stop() {
  Impl& impl = *impl_;
  if (!impl.started || impl.stopped) return;
  {
    std::lock_guard lock(impl.queue_mutex);
    impl.stop_arrivals = true;
  }
  impl.queue_cv.notify_all();
  if (impl.arrivals.joinable()) impl.arrivals.join();
  {
    // Requests not yet sent are not made; each one in flight finishes within the timeout.
    std::lock_guard lock(impl.queue_mutex);
    impl.queue.clear();
    impl.stop_workers = true;
  }
  impl.queue_cv.notify_all();
  for (auto& t : impl.workers)
    if (t.joinable()) t.join();
  {
    std::lock_guard lock(impl.report_mutex);
    impl.stop_reporter = true;
  }
  impl.report_cv.notify_all();
  if (impl.reporter.joinable()) impl.reporter.join();
  {
    std::lock_guard lock(impl.stats_mutex);
    impl.stopped = true;
    impl.stopped_at = Clock::now();
  }
  if (impl.metrics_server) impl.metrics_server->stop();
}

std::uint16_t TrafficGenerator::metrics_port() const {
  return impl_->metrics_server ? impl_->metrics_server->port() : 0;
}

std::string TrafficGenerator::metrics_text() const {
  return prometheus::TextSerializer().Serialize(impl_->registry->Collect());
}

TrafficStats TrafficGenerator::stats() const {
  return impl_->snapshot();
}

}  // namespace sluice::app
