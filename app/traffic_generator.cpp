#include "traffic_generator.hpp"

#include <fmt/format.h>
#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <thread>
#include <tuple>

#include "http_server.hpp"
#include "router.hpp"
#include "sluice/metrics/event_aggregator.hpp"
#include "traffic_http.hpp"

namespace sluice::app {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto& kLatencyBounds = metrics::EventAggregator::kLatencyBounds;

std::optional<double> parse_number(std::string_view text) {
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

// The most specific setting for (flag, variant), else `fallback`.
double setting_for(const std::vector<VariantSetting>& settings, const std::string& flag,
                   const std::string& variant, double fallback) {
  int best = -1;
  double value = fallback;
  for (const auto& s : settings) {
    int rank = -1;
    if (s.flag.empty())
      rank = 0;
    else if (s.flag == flag && s.variant.empty())
      rank = 1;
    else if (s.flag == flag && s.variant == variant)
      rank = 2;
    if (rank >= best && rank >= 0) {
      best = rank;
      value = s.value;
    }
  }
  return value;
}

// Fine log-scale latency histogram for the summary's percentiles: 5% wide buckets from 0.01 ms.
constexpr double kFineBase = 0.01;
constexpr double kFineGrowth = 1.05;
constexpr std::size_t kFineBuckets = 400;

std::size_t fine_bucket(double ms) {
  if (!(ms > kFineBase)) return 0;
  auto i = static_cast<std::size_t>(std::log(ms / kFineBase) / std::log(kFineGrowth));
  return std::min(i, kFineBuckets - 1);
}

double fine_percentile(const std::vector<std::uint64_t>& buckets, std::uint64_t total, double q) {
  if (total == 0) return 0;
  const auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total)));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    seen += buckets[i];
    if (seen >= rank && buckets[i] > 0) {
      // The bucket's geometric middle.
      return kFineBase * std::pow(kFineGrowth, static_cast<double>(i) + 0.5);
    }
  }
  return kFineBase * std::pow(kFineGrowth, static_cast<double>(kFineBuckets));
}

std::string percent_encode_segment(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

const char* const kPlans[] = {"free", "pro", "enterprise"};
const char* const kCountries[] = {"US", "GB", "DE", "FR", "IN", "BR", "JP", "CA"};

}  // namespace

std::string with_thousands(std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::optional<VariantSetting> parse_variant_setting(const std::string& text, std::string* why) {
  VariantSetting setting;
  std::string_view value = text;
  if (auto eq = text.rfind('='); eq != std::string::npos) {
    std::string target = text.substr(0, eq);
    value = std::string_view(text).substr(eq + 1);
    if (auto slash = target.find('/'); slash != std::string::npos) {
      setting.flag = target.substr(0, slash);
      setting.variant = target.substr(slash + 1);
      if (setting.variant.empty()) {
        if (why) *why = "'" + text + "': the variant after '/' is empty";
        return std::nullopt;
      }
    } else {
      setting.flag = target;
    }
    if (setting.flag.empty()) {
      if (why) *why = "'" + text + "': the flag before '=' is empty";
      return std::nullopt;
    }
  }
  auto number = parse_number(value);
  if (!number) {
    if (why) *why = "'" + text + "': expected [FLAG[/VARIANT]=]NUMBER";
    return std::nullopt;
  }
  setting.value = *number;
  return setting;
}

std::optional<TrafficFlag> parse_traffic_flag(const std::string& text, std::string* why) {
  TrafficFlag flag;
  flag.key = text;
  if (auto colon = text.rfind(':'); colon != std::string::npos) {
    flag.key = text.substr(0, colon);
    auto weight = parse_number(std::string_view(text).substr(colon + 1));
    if (!weight || *weight <= 0) {
      if (why) *why = "'" + text + "': the weight after ':' must be a number above 0";
      return std::nullopt;
    }
    flag.weight = *weight;
  }
  if (flag.key.empty()) {
    if (why) *why = "'" + text + "': empty flag key";
    return std::nullopt;
  }
  return flag;
}

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

  // Events waiting for the next batch, grouped so a batch stays small: per flag, variant,
  // outcome and latency bucket, with the group's mean latency (inside the bucket, so the
  // server's histogram gets the same counts as if each request were sent alone).
  struct Pending {
    std::uint64_t count = 0;
    double latency_sum_ms = 0;
  };
  // The last field is the unix second the request was made in: events carry it as `time`, so
  // the server counts each request in the interval it happened in, not the one it was reported
  // in (a stage change would otherwise mix the old split's requests into the new stage).
  using PendingKey = std::tuple<std::string, std::string, bool, std::size_t, std::int64_t>;

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
  std::map<PendingKey, Pending> pending;
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
    const std::uint32_t account = job.user % options.accounts;
    const std::string body = fmt::format(
        R"({{"context":{{"targetingKey":"user-{}","accountId":"acct-{}","plan":"{}","country":"{}"}}}})",
        job.user, account, kPlans[account % 3], kCountries[(account / 3) % 8]);
    SimpleResponse response =
        connection.request("POST", "/ofrep/v1/evaluate/flags/" + percent_encode_segment(flag),
                           auth_headers(true), body, options.timeout);
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
    std::map<PendingKey, Pending> batch;
    {
      std::lock_guard lock(stats_mutex);
      batch.swap(pending);
    }
    if (batch.empty()) return;
    nlohmann::json events = nlohmann::json::array();
    std::uint64_t count = 0;
    for (const auto& [key, p] : batch) {
      const auto& [flag, variant, error, bucket, second] = key;
      events.push_back({{"flag", flag},
                        {"variant", variant},
                        {"outcome", error ? "error" : "ok"},
                        {"latency_ms", p.latency_sum_ms / static_cast<double>(p.count)},
                        {"count", p.count},
                        {"time", second}});
      count += p.count;
    }
    const std::string body = nlohmann::json{{"events", std::move(events)}}.dump();
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
  if (options_.flags.empty()) throw std::invalid_argument("no flag to exercise (--flag KEY)");
  if (!(options_.rps > 0) || options_.rps > 1e6) {
    throw std::invalid_argument("requests per second must be above 0 and at most 1,000,000");
  }
  if (options_.accounts == 0 || options_.users == 0) {
    throw std::invalid_argument("accounts and users must be at least 1");
  }
  if (options_.connections == 0 || options_.connections > 256) {
    throw std::invalid_argument("connections must be from 1 to 256");
  }
  if (options_.timeout.count() <= 0) throw std::invalid_argument("the timeout must be above 0");
  if (options_.report_interval.count() <= 0) {
    throw std::invalid_argument("the report interval must be above 0");
  }
  if (!(options_.latency_sigma >= 0) || options_.latency_sigma > 5) {
    throw std::invalid_argument("the latency sigma must be from 0 to 5");
  }
  for (const auto& s : options_.error_rates) {
    if (!(s.value >= 0 && s.value <= 1)) {
      throw std::invalid_argument("error rates are probabilities from 0 to 1, got " +
                                  fmt::format("{}", s.value));
    }
  }
  for (const auto* list : {&options_.latency_ms, &options_.latency_factors}) {
    for (const auto& s : *list) {
      if (!(s.value >= 0) || s.value > 1e7) {
        throw std::invalid_argument("latencies and factors must be from 0 to 10,000,000, got " +
                                    fmt::format("{}", s.value));
      }
    }
  }
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

std::vector<std::string> TrafficGenerator::summary_lines(const TrafficStats& stats) {
  std::vector<std::string> lines;
  std::size_t width = 0;
  for (const auto& [flag, f] : stats.flags)
    for (const auto& [variant, v] : f.variants)
      width = std::max(width, flag.size() + 1 + variant.size());
  for (const auto& [flag, f] : stats.flags) {
    std::uint64_t total = 0;
    for (const auto& [variant, v] : f.variants)
      total += v.requests;
    for (const auto& [variant, v] : f.variants) {
      const double share =
          total ? 100.0 * static_cast<double>(v.requests) / static_cast<double>(total) : 0.0;
      const double rate =
          v.requests ? 100.0 * static_cast<double>(v.errors) / static_cast<double>(v.requests)
                     : 0.0;
      lines.push_back(
          fmt::format("{:<{}}  {:>9} requests ({:5.1f}%)  {:>7} errors ({:5.2f}%)  "
                      "p50 {:.0f} ms  p95 {:.0f} ms",
                      flag + " " + variant, width, with_thousands(v.requests), share,
                      with_thousands(v.errors), rate, v.p50_ms, v.p95_ms));
    }
    if (f.variants.empty() && f.evaluation_failures == 0) {
      lines.push_back(fmt::format("{}: no requests", flag));
    }
    if (f.evaluation_failures > 0) {
      std::string reasons;
      for (const auto& [reason, n] : f.failure_reasons)
        reasons += fmt::format("{}{}: {}", reasons.empty() ? "" : ", ", reason, with_thousands(n));
      lines.push_back(fmt::format("{}: {} evaluations failed ({})", flag,
                                  with_thousands(f.evaluation_failures), reasons));
    }
  }
  if (stats.dropped > 0) {
    lines.push_back(fmt::format("{} arrivals dropped: the server did not keep up",
                                with_thousands(stats.dropped)));
  }
  if (stats.event_batches_failed > 0) {
    lines.push_back(fmt::format("{} event batches failed (last: {})",
                                with_thousands(stats.event_batches_failed),
                                stats.last_report_error));
  }
  return lines;
}

}  // namespace sluice::app
