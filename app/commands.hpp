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

int run_demo(const std::vector<std::string>& flag_paths);

struct TokenOptions {
  std::string action;  // create | list | revoke
  std::string name;
  std::string scope = "sdk";
  std::string store = "sqlite:./sluice.db";
};
int run_token(const TokenOptions& options);

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
  std::string baseline;  // empty: sluice's judge; "flagger": the Flagger-style baseline
  bool json = false;
};
int run_simulate(const SimulateOptions& options);

}  // namespace sluice::app
