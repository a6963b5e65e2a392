// `sluice traffic`: the traffic generator (app/traffic_generator.hpp) from the command line. Runs
// for --duration seconds or until SIGINT/SIGTERM, then prints one line per flag and variant.

#include <fmt/format.h>
#include <signal.h>

#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <stdexcept>
#include <system_error>

#include "commands.hpp"
#include "sluice/count_format.hpp"
#include "traffic_generator.hpp"

namespace sluice::app {
namespace {

bool read_settings(const std::vector<std::string>& texts, std::vector<VariantSetting>& into,
                   const char* option) {
  for (const auto& text : texts) {
    std::string why;
    auto setting = parse_variant_setting(text, &why);
    if (!setting) {
      fmt::print(stderr, "sluice traffic: {} {}\n", option, why);
      return false;
    }
    into.push_back(*setting);
  }
  return true;
}

// Waits for SIGINT or SIGTERM (blocked in every thread) for at most `seconds` (0: no limit).
// Returns true when a signal came.
bool wait_for_signal(const sigset_t& signals, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  for (;;) {
    auto left = std::chrono::duration<double>(deadline - std::chrono::steady_clock::now()).count();
    if (seconds > 0 && left <= 0) return false;
    const double step = seconds > 0 ? std::min(left, 1.0) : 1.0;
    timespec wait{};
    wait.tv_sec = static_cast<time_t>(step);
    wait.tv_nsec = static_cast<long>((step - static_cast<double>(wait.tv_sec)) * 1e9);
    if (sigtimedwait(&signals, nullptr, &wait) > 0) return true;
  }
}

}  // namespace

int run_traffic(const TrafficCommandOptions& command) {
  TrafficOptions options;
  options.url = command.url;
  options.token = command.token;
  if (options.token.empty()) {
    if (const char* t = std::getenv("SLUICE_TOKEN"))
      options.token = t;
    else if (const char* admin = std::getenv("SLUICE_ADMIN_TOKEN"))
      options.token = admin;
  }
  for (const auto& text : command.flags) {
    std::string why;
    auto flag = parse_traffic_flag(text, &why);
    if (!flag) {
      fmt::print(stderr, "sluice traffic: --flag {}\n", why);
      return kExitUsage;
    }
    options.flags.push_back(*flag);
  }
  if (!read_settings(command.error_rates, options.error_rates, "--error-rate") ||
      !read_settings(command.latency_ms, options.latency_ms, "--latency-ms") ||
      !read_settings(command.latency_factors, options.latency_factors, "--latency-factor")) {
    return kExitUsage;
  }
  options.rps = command.rps;
  options.accounts = command.accounts;
  options.users = command.users;
  options.latency_sigma = command.latency_sigma;
  options.seed = command.seed;
  options.connections = command.connections;
  options.timeout = std::chrono::milliseconds(command.timeout_ms);
  options.report = command.report == "metrics" ? ReportTo::metrics
                   : command.report == "both"  ? ReportTo::both
                                               : ReportTo::events;
  options.metrics_listen = command.metrics_listen;
  options.report_interval = std::chrono::milliseconds(command.report_interval_ms);

  // Signals wait in sigtimedwait below; every thread started from here on inherits the block.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::unique_ptr<TrafficGenerator> generator;
  try {
    generator = std::make_unique<TrafficGenerator>(options);
    generator->start();
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "sluice traffic: {}\n", e.what());
    return kExitUsage;
  } catch (const std::exception& e) {
    fmt::print(stderr, "sluice traffic: cannot listen on {}: {}\n", options.metrics_listen,
               e.what());
    return kExitInvalid;
  }
  std::string flags;
  for (const auto& f : options.flags)
    flags += (flags.empty() ? "" : ", ") + f.key;
  fmt::print("sluice traffic: ~{} requests/s to {} ({}), {} users in {} accounts, {}\n",
             options.rps, options.url, flags, format_count(options.users),
             format_count(options.accounts),
             command.duration_seconds > 0 ? fmt::format("for {}s", command.duration_seconds)
                                          : std::string("until Ctrl-C"));
  if (generator->metrics_port() != 0) {
    fmt::print("sluice traffic: metrics on {} (port {})\n", options.metrics_listen,
               generator->metrics_port());
  }
  std::fflush(stdout);
  wait_for_signal(signals, command.duration_seconds);
  generator->stop();
  const TrafficStats stats = generator->stats();
  fmt::print("sluice traffic: ran {:.1f} s\n", stats.seconds);
  for (const auto& line : TrafficGenerator::summary_lines(stats))
    fmt::print("{}\n", line);
  if (options.report != ReportTo::metrics) {
    fmt::print("reported {} outcomes in {} batches to {}/v1/events\n",
               format_count(stats.events_reported), format_count(stats.event_batches_sent),
               options.url);
  }
  return kExitOk;
}

}  // namespace sluice::app
