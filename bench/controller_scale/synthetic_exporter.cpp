// sluice_synthetic_exporter: a Prometheus target with synthetic request counters for the
// controller scale benchmark (bench/run_controller_scale.sh). For N flags and two variants each
// it serves, on GET /metrics,
//
//   http_server_requests_total{feature_flag_key="f0",feature_flag_variant="on",
//                              http_response_status_code="200"} 1234
//
// for status codes 200 and 500, as counters growing at a steady rate from the exporter's start:
// each flag sees --rps requests per second, --treatment-share of them on the treatment variant
// and the rest on the control, --error-rate of each variant's requests answered 500. With
// --histogram it adds http_server_request_duration_seconds (OpenTelemetry's default buckets, a
// fixed latency distribution), which quadruples the series.
//
// The value of every counter is a pure function of the elapsed time (floor(rate * t)), so the
// numbers Prometheus scrapes are exact and reproducible; no state, no randomness.
//
//   sluice_synthetic_exporter --flags 10000 [--prefix f] [--listen 127.0.0.1:0] [--rps 20]
//       [--treatment-share 0.05] [--error-rate 0.01] [--treatment on] [--control off]
//       [--histogram]
//
// Prints "listening on 127.0.0.1:P (port P)" on stderr once it serves; stops on SIGINT/SIGTERM.

#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "http_server.hpp"
#include "router.hpp"

namespace {

struct Options {
  long flags = 1000;
  std::string prefix = "f";
  std::string listen = "127.0.0.1:0";
  double rps = 20;
  double treatment_share = 0.05;
  double error_rate = 0.01;
  std::string treatment = "on";
  std::string control = "off";
  bool histogram = false;
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "sluice_synthetic_exporter: %s\n"
               "usage: sluice_synthetic_exporter --flags N [--prefix f] [--listen HOST:PORT] "
               "[--rps R] [--treatment-share S] [--error-rate E] [--treatment on] "
               "[--control off] [--histogram]\n",
               why.c_str());
  std::exit(2);
}

double to_double(std::string_view name, const char* text) {
  char* end = nullptr;
  const double value = std::strtod(text, &end);
  if (end == text || *end != '\0' || !std::isfinite(value) || value < 0) {
    usage(std::string(name) + " wants a non-negative number, got '" + text + "'");
  }
  return value;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--histogram") {
      o.histogram = true;
      continue;
    }
    if (i + 1 >= argc) usage("missing value after " + std::string(arg));
    const char* value = argv[++i];
    if (arg == "--flags") {
      o.flags = static_cast<long>(to_double(arg, value));
      if (o.flags < 1 || o.flags > 1000000) usage("--flags wants 1 to 1,000,000");
    } else if (arg == "--prefix") {
      o.prefix = value;
    } else if (arg == "--listen") {
      o.listen = value;
    } else if (arg == "--rps") {
      o.rps = to_double(arg, value);
    } else if (arg == "--treatment-share") {
      o.treatment_share = to_double(arg, value);
      if (o.treatment_share > 1) usage("--treatment-share wants 0 to 1");
    } else if (arg == "--error-rate") {
      o.error_rate = to_double(arg, value);
      if (o.error_rate > 1) usage("--error-rate wants 0 to 1");
    } else if (arg == "--treatment") {
      o.treatment = value;
    } else if (arg == "--control") {
      o.control = value;
    } else {
      usage("unknown option " + std::string(arg));
    }
  }
  if (o.treatment == o.control) usage("--treatment and --control must differ");
  return o;
}

// OpenTelemetry's default boundaries in seconds, and the share of requests at or below each one
// (a fixed distribution around 50 ms).
constexpr std::array<double, 14> kBounds = {0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25,
                                            0.5,   0.75, 1,     2.5,  5,     7.5, 10};
constexpr std::array<double, 14> kCumulativeShare = {0.0,  0.01,  0.10,  0.50,   0.75, 0.85, 0.97,
                                                     0.99, 0.995, 0.998, 0.9995, 1.0,  1.0,  1.0};

void append_number(std::string& out, double value) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  if (ec != std::errc()) return;
  out.append(buffer, end);
}

class Exposition {
 public:
  explicit Exposition(const Options& o) : options_(o), start_(std::chrono::steady_clock::now()) {
    // Label sets are built once; a scrape only appends numbers.
    for (long f = 0; f < o.flags; ++f) {
      const std::string key = o.prefix + std::to_string(f);
      for (int side = 0; side < 2; ++side) {
        Series s;
        s.rate = o.rps * (side == 0 ? o.treatment_share : 1 - o.treatment_share);
        s.labels = "feature_flag_key=\"" + key + "\",feature_flag_variant=\"" +
                   (side == 0 ? o.treatment : o.control) + "\"";
        series_.push_back(std::move(s));
      }
    }
  }

  std::string render() const {
    const double t =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    std::string out;
    out.reserve(series_.size() * (options_.histogram ? 1400 : 220));
    out +=
        "# HELP http_server_requests_total Synthetic requests by feature flag, variant and "
        "status\n# TYPE http_server_requests_total counter\n";
    for (const auto& s : series_) {
      const double requests = std::floor(s.rate * t);
      const double errors = std::floor(s.rate * options_.error_rate * t);
      for (int status = 0; status < 2; ++status) {
        out += "http_server_requests_total{";
        out += s.labels;
        out += status == 0 ? ",http_response_status_code=\"200\"} "
                           : ",http_response_status_code=\"500\"} ";
        append_number(out, status == 0 ? requests - errors : errors);
        out += '\n';
      }
    }
    if (!options_.histogram) return out;
    out +=
        "# HELP http_server_request_duration_seconds Synthetic request durations\n"
        "# TYPE http_server_request_duration_seconds histogram\n";
    for (const auto& s : series_) {
      const double requests = std::floor(s.rate * t);
      for (std::size_t b = 0; b <= kBounds.size(); ++b) {
        out += "http_server_request_duration_seconds_bucket{";
        out += s.labels;
        out += ",le=\"";
        if (b == kBounds.size()) {
          out += "+Inf\"} ";
          append_number(out, requests);
        } else {
          append_number(out, kBounds[b]);
          out += "\"} ";
          append_number(out, std::floor(requests * kCumulativeShare[b]));
        }
        out += '\n';
      }
      out += "http_server_request_duration_seconds_sum{" + s.labels + "} ";
      append_number(out, requests * 0.06);
      out += "\nhttp_server_request_duration_seconds_count{" + s.labels + "} ";
      append_number(out, requests);
      out += '\n';
    }
    return out;
  }

 private:
  struct Series {
    std::string labels;
    double rate = 0;  // requests per second
  };
  Options options_;
  std::chrono::steady_clock::time_point start_;
  std::vector<Series> series_;
};

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  const Exposition exposition(options);
  sluice::server::Router router;
  router.add_sync("GET", "/metrics", [&exposition](const sluice::server::HttpRequest&) {
    sluice::server::HttpResponse response;
    response.body = exposition.render();
    response.set_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    return response;
  });
  sluice::server::HttpServerOptions server_options;
  server_options.listen = options.listen;
  server_options.threads = 1;
  server_options.shutdown_grace = std::chrono::seconds(1);
  sluice::server::HttpServer server(router, server_options);
  try {
    server.start();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sluice_synthetic_exporter: cannot listen on %s: %s\n",
                 options.listen.c_str(), e.what());
    return 1;
  }
  std::fprintf(stderr, "listening on %s (port %u), %ld flags, %zu series\n", options.listen.c_str(),
               static_cast<unsigned>(server.port()), options.flags,
               static_cast<std::size_t>(options.flags) * (options.histogram ? 38 : 4));
  sluice::server::run_until_signal(server);
  return 0;
}
