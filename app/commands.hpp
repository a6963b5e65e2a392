#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sluice::app {

// Exit codes every subcommand keeps (docs/cli.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalid = 1;  // invalid definitions or input
inline constexpr int kExitUsage = 2;    // bad command line

int run_validate(const std::vector<std::string>& paths);

struct EvalOptions {
  std::vector<std::string> flag_paths;
  std::optional<std::string> flag;           // all flags when absent
  std::optional<std::string> context;        // JSON object
  std::optional<std::string> contexts_file;  // JSON lines; "-" for standard input
  std::string default_value = "null";        // JSON: the caller's default
};
int run_eval(const EvalOptions& options);

struct DemoOptions {
  std::vector<std::string> flag_paths{"examples/flags"};
  std::vector<std::string> policy_paths{"examples/policies", "examples/demo"};
  double speed = 10;  // policy durations and minimum samples are divided by this
  double rps = 400;   // simulated requests per second, both flags together
  unsigned long long seed = 1;
  std::string listen = "127.0.0.1:0";  // the server's address (port 0: any free port)
  std::string data_dir;                // empty: a temporary folder, removed at the end
  double timeout_seconds = 300;        // give up when the rollouts have not ended by then
  bool exit_when_done = false;         // else the server stays up until Ctrl-C
};
int run_demo(const DemoOptions& options);

// `sluice traffic`: the command line's raw settings; app/traffic_command.cpp reads them into
// TrafficOptions (app/traffic_generator.hpp).
struct TrafficCommandOptions {
  std::string url = "http://127.0.0.1:8080";
  std::string token;               // else SLUICE_TOKEN, else SLUICE_ADMIN_TOKEN
  std::vector<std::string> flags;  // KEY[:WEIGHT]
  double rps = 100;
  unsigned accounts = 12000;
  unsigned users = 45000;
  std::vector<std::string> error_rates;      // [FLAG[/VARIANT]=]P
  std::vector<std::string> latency_ms;       // [FLAG[/VARIANT]=]MS
  std::vector<std::string> latency_factors;  // [FLAG[/VARIANT]=]X
  double latency_sigma = 0.5;
  double duration_seconds = 0;  // 0: until SIGINT or SIGTERM
  unsigned long long seed = 1;
  unsigned connections = 4;
  unsigned timeout_ms = 2000;
  std::string report = "events";  // events | metrics | both
  std::string metrics_listen = "127.0.0.1:0";
  unsigned report_interval_ms = 500;
};
int run_traffic(const TrafficCommandOptions& options);

struct TokenOptions {
  std::string action;  // create | list | revoke
  std::string name;
  std::string scope;  // create: required (no default: the operator chooses the privilege)
  std::string store = "sqlite:./sluice.db";
};
int run_token(const TokenOptions& options);

// `sluice history import FILE | export`: the anomaly model's deployment history (docs/history.md).
struct HistoryOptions {
  std::string action;  // import | export
  std::string file;    // import: the file to read
  std::string format;  // json | csv; import: empty = by the file's extension (.csv), else json
  std::string store = "sqlite:./sluice.db";
};
int run_history(const HistoryOptions& options);

struct ServeOptions {
  std::optional<std::string> config_file;
  std::map<std::string, std::string> flags;  // settings given on the command line
};
int run_serve(const ServeOptions& options);

struct SimulateOptions {
  std::string policy_path;
  double traffic = 1000;     // requests per second, both variants
  double base_error = 0.01;  // the control's error rate
  double error_multiplier = 1;
  double latency_multiplier = 1;
  unsigned runs = 1000;
  unsigned long long seed = 1;
  std::string baseline;         // empty: sluice's judge; "flagger": the Flagger-style baseline
  std::string shape = "none";   // none | latency-creep | error-1.6x | business-drop
  std::string anomaly = "off";  // on | off: score ticks with a model trained on --history
  unsigned history = 0;         // past rollouts generated to train the anomaly model
  bool json = false;
};
int run_simulate(const SimulateOptions& options);

}  // namespace sluice::app
