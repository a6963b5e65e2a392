// `sluice demo`: the quick start. Starts `sluice serve` (a child process of this binary, on a
// fresh SQLite store with the sample flags), starts a rollout for each demo policy (sped up by
// --speed), sends simulated traffic through the real server (app/traffic_generator.hpp) in which
// new-pdf-engine's new engine is healthy and redesigned-dashboard's new variant fails four times
// as often as the old one, prints the controller's decisions as they come, then a summary and
// where the API is. The server stays up until Ctrl-C unless --exit-when-done (or no terminal).

#include <fmt/format.h>

#include <unistd.h>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <thread>

#include "commands.hpp"
#include "demo_progress.hpp"
#include "flag_file_compiler.hpp"
#include "server_child.hpp"
#include "sluice/count_format.hpp"
#include "sluice/policy_json.hpp"
#include "sluice/policy_loader.hpp"
#include "sluice/rollout.hpp"
#include "traffic_generator.hpp"
#include "traffic_http.hpp"

namespace sluice::app {
namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

constexpr auto kApiTimeout = std::chrono::milliseconds(3000);

// The simulated application: what each variant's requests do.
void demo_traffic_model(TrafficOptions& traffic) {
  // The new PDF engine fixes the old one's failures on large invoices: a little fewer errors,
  // a little faster. The redesigned dashboard's new variant is broken: four times the errors.
  traffic.error_rates = {
      {"", "", 0.01}, {"new-pdf-engine", "on", 0.006}, {"redesigned-dashboard", "new", 0.04}};
  traffic.latency_ms = {{"", "", 60},
                        {"new-pdf-engine", "off", 180},
                        {"new-pdf-engine", "on", 150},
                        {"redesigned-dashboard", "", 40}};
  traffic.latency_sigma = 0.5;
}

// A policy with its interval, minimum durations and minimum samples divided by `speed`.
Policy sped_up(Policy policy, double speed) {
  auto seconds = [speed](PolicySeconds s) {
    return PolicySeconds(std::max<long>(1, std::lround(static_cast<double>(s.count()) / speed)));
  };
  auto samples = [speed](std::uint64_t n) {
    return std::max<std::uint64_t>(
        1, static_cast<std::uint64_t>(std::llround(static_cast<double>(n) / speed)));
  };
  policy.interval = seconds(policy.interval);
  policy.min_duration = seconds(policy.min_duration);
  policy.min_samples = samples(policy.min_samples);
  for (auto& stage : policy.stages) {
    if (stage.min_duration) stage.min_duration = seconds(*stage.min_duration);
    if (stage.min_samples) stage.min_samples = samples(*stage.min_samples);
  }
  return policy;
}

std::string stages_text(const Policy& policy) {
  std::string out;
  for (const auto& stage : policy.stages) {
    if (!out.empty()) out += " -> ";
    if (stage.segment) out += "segment " + *stage.segment;
    if (stage.basis_points) out += sluice::rollout::format_share(*stage.basis_points);
  }
  return out;
}

std::string random_token() {
  std::random_device device;
  std::string out = "demo-";
  for (int i = 0; i < 4; ++i)
    out += fmt::format("{:08x}", device());
  return out;
}

// Copies flag files (files, or folders recursively) into `to`, keeping relative paths.
void copy_flags(const std::vector<std::string>& paths, const fs::path& to) {
  fs::remove_all(to);
  fs::create_directories(to);
  for (const auto& p : paths) {
    const fs::path from(p);
    if (fs::is_directory(from)) {
      fs::copy(from, to / from.filename(), fs::copy_options::recursive);
    } else {
      fs::copy_file(from, to / from.filename(), fs::copy_options::overwrite_existing);
    }
  }
}

// What the demo runs: the sample flags (checked) and the policies, sped up, in the order of
// --policies. Nothing, after printing why, when something does not read.
struct DemoInputs {
  std::size_t flag_count = 0;
  std::vector<Tracked> rollouts;
};

std::optional<DemoInputs> read_inputs(const DemoOptions& options) {
  for (const auto& p : options.flag_paths) {
    if (!fs::exists(p)) {
      fmt::print(stderr,
                 "sluice demo: {} not found: run the demo from the repository's root folder or "
                 "pass --flags and --policies\n",
                 p);
      return std::nullopt;
    }
  }
  CompiledFlagFiles loaded = compile_flag_files(options.flag_paths);
  if (!loaded.snapshot) {
    for (const auto& d : loaded.diagnostics)
      fmt::print(stderr, "{}\n", d.format());
    return std::nullopt;
  }
  for (const auto& p : options.policy_paths) {
    if (!fs::exists(p)) {
      fmt::print(stderr, "sluice demo: {} not found (--policies)\n", p);
      return std::nullopt;
    }
  }
  // Read path by path, so the rollouts come in the order of --policies.
  PolicyLoadResult read;
  for (const auto& p : options.policy_paths) {
    PolicyLoadResult one = load_policy_paths({p});
    read.policies.insert(read.policies.end(), one.policies.begin(), one.policies.end());
    read.diagnostics.insert(read.diagnostics.end(), one.diagnostics.begin(), one.diagnostics.end());
  }
  Diagnostics problems = read.diagnostics;
  if (read.ok()) problems = check_policies(read.policies, &loaded.snapshot->definitions());
  if (!problems.empty() || read.policies.empty()) {
    for (const auto& d : problems)
      fmt::print(stderr, "{}\n", d.format());
    if (read.policies.empty()) fmt::print(stderr, "sluice demo: no policy to start\n");
    return std::nullopt;
  }
  DemoInputs inputs;
  inputs.flag_count = loaded.snapshot->definitions().flags.size();
  for (const auto& policy : read.policies)
    inputs.rollouts.push_back(
        Tracked{sped_up(policy, options.speed), 0, std::nullopt, -1, Json::object()});
  return inputs;
}

// The folder for the store, the flags and the server's log: --data-dir, else a temporary one
// that is removed at the end.
struct DataDir {
  fs::path path;
  bool temporary = false;
  DataDir() = default;
  DataDir(const DataDir&) = delete;
  DataDir& operator=(const DataDir&) = delete;
  ~DataDir() {
    std::error_code ignored;
    if (temporary && !path.empty()) fs::remove_all(path, ignored);
  }
};

bool prepare_data_dir(const DemoOptions& options, DataDir& dir) {
  dir.temporary = options.data_dir.empty();
  if (dir.temporary) {
    std::string pattern = (fs::temp_directory_path() / "sluice-demo-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      fmt::print(stderr, "sluice demo: cannot create a temporary folder\n");
      return false;
    }
    dir.path = pattern;
  } else {
    dir.path = options.data_dir;
    fs::create_directories(dir.path);
  }
  try {
    copy_flags(options.flag_paths, dir.path / "flags");
  } catch (const fs::filesystem_error& e) {
    fmt::print(stderr, "sluice demo: {}\n", e.what());
    return false;
  }
  return true;
}

// The server's base URL for clients: the --listen host (a wildcard becomes loopback) and `port`.
std::string client_url(const std::string& listen, std::uint16_t port) {
  std::string host = listen.substr(0, listen.rfind(':'));
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "[::]") host = "[::1]";
  return fmt::format("http://{}:{}", host, port);
}

bool wait_ready(KeepAliveConnection& api) {
  const auto deadline = SteadyClock::now() + std::chrono::seconds(20);
  while (SteadyClock::now() < deadline) {
    if (api.request("GET", "/readyz", {}, "", kApiTimeout).status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// Starts every rollout (aborting one left by an interrupted run in --data-dir); false, after
// printing why, when one does not start.
bool start_rollouts(KeepAliveConnection& api, const std::string& token,
                    std::vector<Tracked>& rollouts, double started_at) {
  for (auto& r : rollouts) {
    const Policy& p = r.policy;
    const std::vector<std::pair<std::string, std::string>> headers{
        {"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}};
    SimpleResponse response =
        api.request("POST", "/v1/rollouts", headers, policy_to_json(p), kApiTimeout);
    if (response.status == 409) {
      // A --data-dir of an interrupted demo still has the rollout: abort it and start over.
      fmt::print("A rollout of {} from an earlier run is still active: aborting it\n", p.flag);
      api.request("POST", "/v1/rollouts/" + p.flag + "/abort", headers,
                  R"({"reason":"sluice demo starts over"})", kApiTimeout);
      response = api.request("POST", "/v1/rollouts", headers, policy_to_json(p), kApiTimeout);
    }
    if (response.status != 201) {
      fmt::print(stderr, "sluice demo: could not start the rollout of {}: {}\n", p.flag,
                 response.ok() ? fmt::format("HTTP {} {}", response.status, response.body)
                               : response.error);
      return false;
    }
    r.started_at = started_at;
    fmt::print(
        "Rollout of {}: {} against {}, stages {}; a decision every {}s, at least {}s and {} "
        "requests per variant in a stage\n",
        p.flag, p.treatment, p.control, stages_text(p), p.interval.count(), p.min_duration.count(),
        format_count(p.min_samples));
  }
  return true;
}

// The traffic: every rollout's flag, equally, through the demo's server.
TrafficOptions demo_traffic(const DemoOptions& options, const std::string& url,
                            const std::string& token, const std::vector<Tracked>& rollouts) {
  TrafficOptions traffic;
  traffic.url = url;
  traffic.token = token;
  for (const auto& r : rollouts)
    traffic.flags.push_back({r.policy.flag, 1.0});
  traffic.rps = options.rps;
  traffic.seed = options.seed;
  demo_traffic_model(traffic);
  return traffic;
}

// What the summary shows besides the outcome.
struct SummaryView {
  KeepAliveConnection& api;
  const std::string& token;
  const std::vector<Tracked>& rollouts;
  std::size_t width;
  double timeout_seconds;
  const std::string& log_path;
};

// How the watch ended, each rollout's outcome and decisions, the simulated traffic.
void print_summary(const SummaryView& view, Watched watched, double now, ServerChild& server,
                   const TrafficGenerator& generator) {
  fmt::print("\nSummary after {}\n", elapsed_text(now));
  if (watched == Watched::interrupted)
    fmt::print("  (interrupted: the rollouts had not all ended)\n");
  if (watched == Watched::timed_out) {
    fmt::print("  (gave up after {}: the rollouts had not all ended)\n",
               elapsed_text(view.timeout_seconds));
  }
  if (watched == Watched::server_died) {
    fmt::print("  (the server stopped; its log ({}):\n{})\n", view.log_path,
               tail_lines(server.log(), 20));
  }
  print_rollout_summaries(view.api, view.token, view.rollouts, view.width, now);
  fmt::print("\nSimulated traffic ({}):\n", elapsed_text(generator.stats().seconds));
  for (const auto& line : TrafficGenerator::summary_lines(generator.stats()))
    fmt::print("  {}\n", line);
}

// SLUICE_ADMIN_TOKEN when set, else a random one.
std::string demo_token() {
  const char* chosen = std::getenv("SLUICE_ADMIN_TOKEN");
  return chosen != nullptr && *chosen != '\0' ? std::string(chosen) : random_token();
}

// Where the API is, two curl commands to try, where the server's log is.
void print_api_hints(const std::string& url, const std::string& token, const std::string& flag,
                     const std::string& log_path, bool log_removed) {
  fmt::print("\nThe API: {}  (admin token {})\n", url, token);
  fmt::print("  curl -s -H 'Authorization: Bearer {}' {}/v1/rollouts\n", token, url);
  fmt::print("  curl -s -H 'Authorization: Bearer {}' {}/v1/rollouts/{}/decisions\n", token, url,
             flag);
  fmt::print("Server log: {}{}\n", log_path, log_removed ? " (removed now)" : "");
}

}  // namespace

int run_demo(const DemoOptions& options) {
  // 1. The flags and the policies, checked here so a problem reads file:line:column.
  std::optional<DemoInputs> inputs = read_inputs(options);
  if (!inputs) return kExitInvalid;
  std::vector<Tracked>& rollouts = inputs->rollouts;
  // 2. A folder for the store, the flags and the server's log.
  DataDir dir;
  if (!prepare_data_dir(options, dir)) return kExitInvalid;
  const sigset_t signals = block_signals();

  // 3. The server. SLUICE_ADMIN_TOKEN chooses the token (so a browser keeps its login across
  // runs); the child gets it explicitly, the rest of SLUICE_* stays out.
  const std::string token = demo_token();
  const std::string log_path = (dir.path / "serve.log").string();
  const std::string store = "sqlite:" + (dir.path / "sluice.db").string();
  fmt::print("Sluice demo: starting sluice serve (store {}, flags {})\n", store,
             (dir.path / "flags").string());
  std::fflush(stdout);
  ServerChild server({"--listen", options.listen, "--store", store, "--flags-dir",
                      (dir.path / "flags").string(), "--controller-poll-ms", "250"},
                     token, log_path, signals);
  const std::uint16_t port = server.wait_for_port(std::chrono::seconds(30));
  if (port == 0) {
    fmt::print(stderr, "sluice demo: the server did not start; its log ({}):\n{}", log_path,
               tail_lines(server.log(), 20));
    return kExitInvalid;
  }
  const std::string url = client_url(options.listen, port);
  KeepAliveConnection api(url);
  if (!wait_ready(api)) {
    fmt::print(stderr, "sluice demo: the server at {} is not ready; its log ({}):\n{}", url,
               log_path, tail_lines(server.log(), 20));
    return kExitInvalid;
  }
  fmt::print("Sluice demo: the service is at {} with {} flags\n", url, inputs->flag_count);
  fmt::print("Dashboard: {}/  (log in with the admin token {})\n\n", url, token);
  std::fflush(stdout);

  // 4. The rollouts.
  const auto t0 = SteadyClock::now();
  auto elapsed = [t0] { return std::chrono::duration<double>(SteadyClock::now() - t0).count(); };
  std::size_t width = 0;
  for (const auto& r : rollouts)
    width = std::max(width, r.policy.flag.size());
  if (!start_rollouts(api, token, rollouts, elapsed())) return kExitInvalid;

  // 5. The traffic.
  const TrafficOptions traffic = demo_traffic(options, url, token, rollouts);
  TrafficGenerator generator(traffic);
  generator.start();
  fmt::print(
      "Simulated traffic: ~{} requests/s from {} users in {} accounts, each evaluating one of the "
      "flags over OFREP and reporting its outcome to /v1/events. Errors: 1% on every variant "
      "except new-pdf-engine on (0.6%) and redesigned-dashboard new (4%, the broken one).\n\n",
      options.rps, format_count(traffic.users), format_count(traffic.accounts));
  std::fflush(stdout);

  // 6. Progress: a line per decision, until every rollout has ended.
  const Watched watched = watch_rollouts(api, token, rollouts, width, server, signals,
                                         options.timeout_seconds, elapsed);
  generator.stop();

  // 7. The summary.
  print_summary({api, token, rollouts, width, options.timeout_seconds, log_path}, watched,
                elapsed(), server, generator);
  const bool all_ended = watched == Watched::all_ended;
  const bool keep_up = all_ended && !options.exit_when_done && isatty(STDIN_FILENO) == 1;
  print_api_hints(url, token, rollouts.back().policy.flag, log_path, dir.temporary && !keep_up);
  if (keep_up) {
    fmt::print("The server stays up until Ctrl-C.\n");
    std::fflush(stdout);
    while (!wait_signal(signals, std::chrono::milliseconds(1000)) && server.running()) {
    }
  }
  std::fflush(stdout);
  server.stop(std::chrono::seconds(15));
  return all_ended ? kExitOk : kExitInvalid;
}

}  // namespace sluice::app
