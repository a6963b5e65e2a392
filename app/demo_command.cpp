// `sluice demo`: the quick start. Starts `sluice serve` (a child process of this binary, on a
// fresh SQLite store with the sample flags), starts a rollout for each demo policy (sped up by
// --speed), sends simulated traffic through the real server (app/traffic_generator.hpp) in which
// new-pdf-engine's new engine is healthy and redesigned-dashboard's new variant fails four times
// as often as the old one, prints the controller's decisions as they come, then a summary and
// where the API is. The server stays up until Ctrl-C unless --exit-when-done (or no terminal).

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "commands.hpp"
#include "load_snapshot.hpp"
#include "sluice/policy_json.hpp"
#include "sluice/policy_loader.hpp"
#include "sluice/rollout.hpp"
#include "traffic_generator.hpp"
#include "traffic_http.hpp"

extern char** environ;

namespace sluice::app {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
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

std::string duration_text(double seconds) {
  const auto s = static_cast<long>(std::lround(seconds));
  if (s < 60) return fmt::format("{}s", s);
  return fmt::format("{}m{:02}s", s / 60, s % 60);
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

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string tail_lines(const std::string& text, std::size_t n) {
  std::size_t at = text.size();
  for (std::size_t i = 0; i <= n && at != std::string::npos && at > 0; ++i)
    at = text.rfind('\n', at - 1);
  return at == std::string::npos ? text : text.substr(at + 1);
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

// `sluice serve` as a child process of this binary, in its own process group (Ctrl-C reaches
// only the demo, which stops the traffic before the server), killed if the demo dies.
class ServerChild {
 public:
  ServerChild(const std::vector<std::string>& args, const std::string& token,
              const std::string& log_path, const sigset_t& blocked)
      : log_path_(log_path) {
    std::vector<std::string> argv_strings{"sluice", "serve"};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_strings)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    // The child's environment: ours without SLUICE_* (a SLUICE_PROMETHEUS_URL or SLUICE_STORE
    // of the user's must not change the demo), plus the demo's admin token.
    std::vector<std::string> env_strings;
    for (char** e = environ; *e != nullptr; ++e) {
      if (std::string_view(*e).substr(0, 7) != "SLUICE_") env_strings.emplace_back(*e);
    }
    env_strings.push_back("SLUICE_ADMIN_TOKEN=" + token);
    std::vector<char*> envp;
    for (auto& e : env_strings)
      envp.push_back(e.data());
    envp.push_back(nullptr);
    std::string exe = fs::read_symlink("/proc/self/exe").string();
    // A log left by an earlier run (--data-dir) must not be read for the new port.
    std::error_code ignored;
    fs::remove(log_path, ignored);
    const pid_t parent = getpid();

    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      setpgid(0, 0);
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (getppid() != parent) _exit(1);
      sigprocmask(SIG_UNBLOCK, &blocked, nullptr);
      int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
      }
      execve(exe.c_str(), argv.data(), envp.data());
      _exit(127);
    }
  }
  ~ServerChild() { stop(std::chrono::seconds(15)); }
  ServerChild(const ServerChild&) = delete;
  ServerChild& operator=(const ServerChild&) = delete;

  // The port from the log line "listening on ... (port N)"; 0 when it exited or took too long.
  std::uint16_t wait_for_port(std::chrono::seconds limit) {
    const auto deadline = SteadyClock::now() + limit;
    constexpr std::string_view kMarker = "(port ";
    while (SteadyClock::now() < deadline) {
      const std::string text = log();
      if (auto at = text.find(kMarker); at != std::string::npos) {
        return static_cast<std::uint16_t>(std::atoi(text.c_str() + at + kMarker.size()));
      }
      if (!running()) return 0;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return 0;
  }

  bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    return true;
  }

  // SIGTERM, then SIGKILL after `grace`. Returns true when it stopped on SIGTERM.
  bool stop(std::chrono::seconds grace) {
    if (pid_ <= 0) return true;
    kill(pid_, SIGTERM);
    const auto deadline = SteadyClock::now() + grace;
    while (SteadyClock::now() < deadline) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
    return false;
  }

  std::string log() const { return read_file(log_path_); }

 private:
  pid_t pid_ = -1;
  std::string log_path_;
};

std::optional<Json> get_json(KeepAliveConnection& api, const std::string& target,
                             const std::string& token, std::string* error = nullptr) {
  SimpleResponse response =
      api.request("GET", target, {{"Authorization", "Bearer " + token}}, "", kApiTimeout);
  if (!response.ok() || response.status != 200) {
    if (error)
      *error = response.ok() ? fmt::format("HTTP {}: {}", response.status, response.body)
                             : response.error;
    return std::nullopt;
  }
  Json j = Json::parse(response.body, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

std::string string_of(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string percent_text(double percent) {
  if (std::abs(percent - std::round(percent)) < 1e-9) return fmt::format("{:.0f}%", percent);
  return fmt::format("{}%", percent);
}

// "errors on 1.1% of 420, off 0.9% of 1,260" from the last decision's error-rate evidence.
std::string error_rates_text(const Json& rollout) {
  const Json* decision = rollout.contains("last_decision") ? &rollout["last_decision"] : nullptr;
  if (!decision || !decision->is_object()) return "";
  const Json& evidence = (*decision)["evidence"];
  if (!evidence.is_object() || !evidence.contains("checks")) return "";
  for (const auto& check : evidence["checks"]) {
    if (string_of(check, "check") != "error_rate") continue;
    auto side = [&](const char* value, const char* samples, const std::string& name) {
      const Json& v = check[value];
      const Json& n = check[samples];
      if (!n.is_number() || n.get<double>() <= 0) return fmt::format("{} -", name);
      const auto count = static_cast<std::uint64_t>(n.get<double>());
      if (!v.is_number()) return fmt::format("{} - of {}", name, with_thousands(count));
      return fmt::format("{} {:.1f}% of {}", name, 100.0 * v.get<double>(), with_thousands(count));
    };
    return "errors " + side("treatment", "treatment_samples", string_of(rollout, "treatment")) +
           ", " + side("control", "control_samples", string_of(rollout, "control"));
  }
  return "";
}

// One progress line: where the rollout is, what it serves, what the controller saw and said.
std::string progress_line(double elapsed, std::size_t width, const Json& rollout) {
  const std::string flag = string_of(rollout, "flag");
  const std::string phase = string_of(rollout, "phase");
  std::string stage = "-";
  if (rollout["stage"].is_object()) {
    stage =
        fmt::format("{}/{}", rollout["stage"].value("number", 0), rollout["stage"].value("of", 0));
  }
  const double percent =
      rollout["treatment_percent"].is_number() ? rollout["treatment_percent"].get<double>() : 0.0;
  std::string sentence;
  if (rollout["last_decision"].is_object())
    sentence = string_of(rollout["last_decision"], "sentence");
  std::string errors = error_rates_text(rollout);
  return fmt::format("{:>5} {:<{}} {:<12} stage {:<4} {} {:>4} | {}{}", duration_text(elapsed),
                     flag, width, phase, stage, string_of(rollout, "treatment"),
                     percent_text(percent), errors.empty() ? "" : errors + " | ", sentence);
}

bool terminal(const std::string& phase) {
  return phase == "completed" || phase == "rolled_back" || phase == "aborted";
}

struct Tracked {
  Policy policy;
  double started_at = 0;  // seconds since the demo's clock started
  std::optional<double> ended_at;
  std::int64_t sequence = -1;
  Json last = Json::object();
};

}  // namespace

int run_demo(const DemoOptions& options) {
  // 1. The flags and the policies, checked here so a problem reads file:line:column.
  for (const auto& p : options.flag_paths) {
    if (!fs::exists(p)) {
      fmt::print(stderr,
                 "sluice demo: {} not found: run the demo from the repository's root folder or "
                 "pass --flags and --policies\n",
                 p);
      return kExitInvalid;
    }
  }
  LoadedSnapshot loaded = load_snapshot(options.flag_paths);
  if (!loaded.snapshot) {
    for (const auto& d : loaded.diagnostics)
      fmt::print(stderr, "{}\n", d.format());
    return kExitInvalid;
  }
  for (const auto& p : options.policy_paths) {
    if (!fs::exists(p)) {
      fmt::print(stderr, "sluice demo: {} not found (--policies)\n", p);
      return kExitInvalid;
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
    return kExitInvalid;
  }
  std::vector<Tracked> rollouts;
  for (const auto& policy : read.policies)
    rollouts.push_back(
        Tracked{sped_up(policy, options.speed), 0, std::nullopt, -1, Json::object()});

  // 2. A folder for the store, the flags and the server's log.
  fs::path dir;
  const bool temporary = options.data_dir.empty();
  if (temporary) {
    std::string pattern = (fs::temp_directory_path() / "sluice-demo-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      fmt::print(stderr, "sluice demo: cannot create a temporary folder\n");
      return kExitInvalid;
    }
    dir = pattern;
  } else {
    dir = options.data_dir;
    fs::create_directories(dir);
  }
  struct Cleanup {
    fs::path dir;
    bool remove;
    ~Cleanup() {
      std::error_code ignored;
      if (remove) fs::remove_all(dir, ignored);
    }
  } cleanup{dir, temporary};
  try {
    copy_flags(options.flag_paths, dir / "flags");
  } catch (const fs::filesystem_error& e) {
    fmt::print(stderr, "sluice demo: {}\n", e.what());
    return kExitInvalid;
  }

  // Signals are waited for (sigtimedwait) by this thread; every thread started from here on,
  // and the server until it execs, has them blocked.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  auto wait_signal = [&signals](std::chrono::milliseconds wait) {
    timespec ts{};
    ts.tv_sec = static_cast<time_t>(wait.count() / 1000);
    ts.tv_nsec = static_cast<long>((wait.count() % 1000) * 1000000);
    return sigtimedwait(&signals, nullptr, &ts) > 0;
  };

  // 3. The server. SLUICE_ADMIN_TOKEN chooses the token (so a browser keeps its login across
  // runs); the child gets it explicitly, the rest of SLUICE_* stays out.
  const char* chosen_token = std::getenv("SLUICE_ADMIN_TOKEN");
  const std::string token =
      chosen_token != nullptr && *chosen_token != '\0' ? std::string(chosen_token) : random_token();
  const std::string log_path = (dir / "serve.log").string();
  const std::string store = "sqlite:" + (dir / "sluice.db").string();
  fmt::print("Sluice demo: starting sluice serve (store {}, flags {})\n", store,
             (dir / "flags").string());
  std::fflush(stdout);
  ServerChild server({"--listen", options.listen, "--store", store, "--flags-dir",
                      (dir / "flags").string(), "--controller-poll-ms", "250"},
                     token, log_path, signals);
  const std::uint16_t port = server.wait_for_port(std::chrono::seconds(30));
  if (port == 0) {
    fmt::print(stderr, "sluice demo: the server did not start; its log ({}):\n{}", log_path,
               tail_lines(server.log(), 20));
    return kExitInvalid;
  }
  std::string host = options.listen.substr(0, options.listen.rfind(':'));
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "[::]") host = "[::1]";
  const std::string url = fmt::format("http://{}:{}", host, port);
  KeepAliveConnection api(url);
  {
    bool ready = false;
    const auto deadline = SteadyClock::now() + std::chrono::seconds(20);
    while (!ready && SteadyClock::now() < deadline) {
      ready = api.request("GET", "/readyz", {}, "", kApiTimeout).status == 200;
      if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!ready) {
      fmt::print(stderr, "sluice demo: the server at {} is not ready; its log ({}):\n{}", url,
                 log_path, tail_lines(server.log(), 20));
      return kExitInvalid;
    }
  }
  fmt::print("Sluice demo: the service is at {} with {} flags\n", url,
             loaded.snapshot->definitions().flags.size());
  fmt::print("Dashboard: {}/  (log in with the admin token {})\n\n", url, token);
  std::fflush(stdout);

  // 4. The rollouts.
  const auto t0 = SteadyClock::now();
  auto elapsed = [t0] { return std::chrono::duration<double>(SteadyClock::now() - t0).count(); };
  std::size_t width = 0;
  for (auto& r : rollouts) {
    const Policy& p = r.policy;
    width = std::max(width, p.flag.size());
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
      return kExitInvalid;
    }
    r.started_at = elapsed();
    fmt::print(
        "Rollout of {}: {} against {}, stages {}; a decision every {}s, at least {}s and {} "
        "requests per variant in a stage\n",
        p.flag, p.treatment, p.control, stages_text(p), p.interval.count(), p.min_duration.count(),
        with_thousands(p.min_samples));
  }

  // 5. The traffic: every rollout's flag, equally.
  TrafficOptions traffic;
  traffic.url = url;
  traffic.token = token;
  for (const auto& r : rollouts)
    traffic.flags.push_back({r.policy.flag, 1.0});
  traffic.rps = options.rps;
  traffic.seed = options.seed;
  demo_traffic_model(traffic);
  TrafficGenerator generator(traffic);
  generator.start();
  fmt::print(
      "Simulated traffic: ~{} requests/s from {} users in {} accounts, each evaluating one of the "
      "flags over OFREP and reporting its outcome to /v1/events. Errors: 1% on every variant "
      "except new-pdf-engine on (0.6%) and redesigned-dashboard new (4%, the broken one).\n\n",
      options.rps, with_thousands(traffic.users), with_thousands(traffic.accounts));
  std::fflush(stdout);

  // 6. Progress: a line per decision, until every rollout has ended.
  bool interrupted = false;
  bool timed_out = false;
  bool server_died = false;
  for (;;) {
    if (wait_signal(std::chrono::milliseconds(1000))) {
      interrupted = true;
      break;
    }
    if (!server.running()) {
      server_died = true;
      break;
    }
    for (auto& r : rollouts) {
      if (r.ended_at) continue;
      auto view = get_json(api, "/v1/rollouts/" + r.policy.flag, token);
      if (!view) continue;
      const std::int64_t sequence = view->value("sequence", std::int64_t{0});
      if (sequence != r.sequence) {
        r.sequence = sequence;
        fmt::print("{}\n", progress_line(elapsed(), width, *view));
      }
      r.last = *view;
      if (terminal(string_of(*view, "phase"))) r.ended_at = elapsed();
    }
    std::fflush(stdout);
    bool all_ended = true;
    for (const auto& r : rollouts)
      all_ended = all_ended && r.ended_at.has_value();
    if (all_ended) break;
    if (elapsed() > options.timeout_seconds) {
      timed_out = true;
      break;
    }
  }
  generator.stop();

  // 7. The summary.
  fmt::print("\nSummary after {}\n", duration_text(elapsed()));
  if (interrupted) fmt::print("  (interrupted: the rollouts had not all ended)\n");
  if (timed_out) {
    fmt::print("  (gave up after {}: the rollouts had not all ended)\n",
               duration_text(options.timeout_seconds));
  }
  if (server_died) {
    fmt::print("  (the server stopped; its log ({}):\n{})\n", log_path,
               tail_lines(server.log(), 20));
  }
  for (const auto& r : rollouts) {
    const std::string flag = r.policy.flag;
    const std::string phase = r.last.is_object() ? string_of(r.last, "phase") : "";
    std::map<std::string, int> kinds;
    std::vector<std::string> milestones;
    std::size_t count = 0;
    if (auto list = get_json(api, "/v1/rollouts/" + flag + "/decisions?limit=1000", token)) {
      for (const auto& d : (*list)["decisions"]) {
        ++count;
        const std::string kind = string_of(d, "kind");
        ++kinds[kind];
        if (kind != "hold") milestones.push_back(string_of(d, "sentence"));
      }
    }
    std::string by_kind;
    for (const auto& [kind, n] : kinds)
      by_kind += fmt::format("{}{} {}", by_kind.empty() ? "" : ", ", n, kind);
    const double took = (r.ended_at ? *r.ended_at : elapsed()) - r.started_at;
    fmt::print("  {:<{}}  {} {} {} ({} decisions: {})\n", flag, width,
               phase.empty() ? "unknown" : phase, r.ended_at ? "after" : "still running after",
               duration_text(took), count, by_kind);
    for (const auto& m : milestones)
      fmt::print("  {:<{}}    {}\n", "", width, m);
  }
  fmt::print("\nSimulated traffic ({}):\n", duration_text(generator.stats().seconds));
  for (const auto& line : TrafficGenerator::summary_lines(generator.stats()))
    fmt::print("  {}\n", line);

  const bool all_ended = !interrupted && !timed_out && !server_died;
  const bool keep_up = all_ended && !options.exit_when_done && isatty(STDIN_FILENO) == 1;
  fmt::print("\nThe API: {}  (admin token {})\n", url, token);
  fmt::print("  curl -s -H 'Authorization: Bearer {}' {}/v1/rollouts\n", token, url);
  fmt::print("  curl -s -H 'Authorization: Bearer {}' {}/v1/rollouts/{}/decisions\n", token, url,
             rollouts.back().policy.flag);
  fmt::print("Server log: {}{}\n", log_path, temporary && !keep_up ? " (removed now)" : "");
  if (keep_up) {
    fmt::print("The server stays up until Ctrl-C.\n");
    std::fflush(stdout);
    while (!wait_signal(std::chrono::milliseconds(1000)) && server.running()) {
    }
  }
  std::fflush(stdout);
  server.stop(std::chrono::seconds(15));
  return all_ended ? kExitOk : kExitInvalid;
}

}  // namespace sluice::app
