#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

// `sluice traffic` as a library: simulated users of the scenario (accounts with users) send
// requests at Poisson arrival times; each request evaluates a flag through a real Sluice server
// over OFREP (a few kept-alive connections), draws an outcome (error or not, a latency) for the
// variant it was served, and reports it: in batches to POST /v1/events (the built-in metrics
// source) and/or as Prometheus series on its own /metrics (OpenTelemetry names, as the policy
// format's defaults expect). `sluice demo` and the tests run it in-process.
namespace sluice::app {

// A setting for (flag, variant): the most specific one applies (flag and variant, then flag,
// then every flag).
struct VariantSetting {
  std::string flag;     // empty: every flag
  std::string variant;  // empty: every variant of the flag
  double value = 0;
};

// Parses "[FLAG[/VARIANT]=]VALUE" ("0.01", "new-pdf-engine=0.02", "new-pdf-engine/on=0.04").
// Nothing (and `why` set) when it does not read.
std::optional<VariantSetting> parse_variant_setting(const std::string& text, std::string* why);

struct TrafficFlag {
  std::string key;
  double weight = 1;  // share of the requests: weight / sum of weights
};

// Parses "KEY" or "KEY:WEIGHT".
std::optional<TrafficFlag> parse_traffic_flag(const std::string& text, std::string* why);

enum class ReportTo { events, metrics, both };

struct TrafficOptions {
  std::string url = "http://127.0.0.1:8080";  // the Sluice server
  std::string token;                          // sdk (or admin) scope
  std::vector<TrafficFlag> flags;             // required: what each request evaluates (one each)
  double rps = 100;                           // mean requests per second, all flags together
  std::uint32_t accounts = 12000;             // the scenario: 12,000 accounts
  std::uint32_t users = 45000;  // ... and 45,000 users (user i is in account i % accounts)
  // Outcome model, per (flag, variant): the most specific setting wins.
  std::vector<VariantSetting> error_rates;      // probability of an error; default 0.01
  std::vector<VariantSetting> latency_ms;       // median latency in ms; default 50
  std::vector<VariantSetting> latency_factors;  // multiplier on the median; default 1
  double latency_sigma = 0.5;                   // the lognormal's shape (sigma of log latency)
  std::uint64_t seed = 1;
  unsigned connections = 4;                 // kept-alive connections (worker threads)
  std::chrono::milliseconds timeout{2000};  // every request
  ReportTo report = ReportTo::events;
  std::chrono::milliseconds report_interval{500};  // POST /v1/events batches
  std::string metrics_listen = "127.0.0.1:0";      // /metrics (report metrics or both)
  std::size_t max_queue = 2048;  // requests waiting for a connection; more are dropped, counted
};

// What one (flag, variant) saw.
struct VariantStats {
  std::uint64_t requests = 0;
  std::uint64_t errors = 0;
  double latency_sum_ms = 0;
  double p50_ms = 0;  // from a fine log-scale histogram (within 2.5%)
  double p95_ms = 0;
};

struct FlagStats {
  std::map<std::string, VariantStats> variants;
  std::uint64_t evaluation_failures = 0;
  std::map<std::string, std::uint64_t> failure_reasons;  // "HTTP 404", "timed out after 2s"
};

struct TrafficStats {
  std::map<std::string, FlagStats> flags;
  std::uint64_t dropped = 0;  // arrivals with no room in the queue (the server is too slow)
  std::uint64_t event_batches_sent = 0;
  std::uint64_t event_batches_failed = 0;
  std::uint64_t events_reported = 0;  // request outcomes the server accepted (sum of counts)
  std::string last_report_error;
  double seconds = 0;  // running time
};

class TrafficGenerator {
 public:
  // Throws std::invalid_argument on options that make no sense (no flag, rps <= 0, ...).
  explicit TrafficGenerator(TrafficOptions options);
  ~TrafficGenerator();  // stop()
  TrafficGenerator(const TrafficGenerator&) = delete;
  TrafficGenerator& operator=(const TrafficGenerator&) = delete;

  // Starts the threads (and the /metrics server when reporting metrics). Throws
  // std::system_error when /metrics cannot listen.
  void start();
  // Stops the arrivals, lets the requests in flight finish (each bounded by the timeout), sends
  // the last batch of events. Idempotent.
  void stop();

  // The /metrics port (0 when not serving metrics or before start()).
  std::uint16_t metrics_port() const;
  // /metrics in the Prometheus text format (what a scrape gets).
  std::string metrics_text() const;

  TrafficStats stats() const;
  // One line per flag and variant ("new-pdf-engine on: 1,204 requests (5.0%), 13 errors (1.08%),
  // p50 88 ms, p95 201 ms"), then failures and drops when there were any.
  static std::vector<std::string> summary_lines(const TrafficStats& stats);

  const TrafficOptions& options() const { return options_; }

 private:
  struct Impl;
  TrafficOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::app
