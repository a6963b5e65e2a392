#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sluice::app {

// `sluice serve` settings. Each comes from, in rising precedence: its default, the YAML file
// given with --config, the environment variable SLUICE_<NAME>, the command-line flag --<name>.
struct ServeConfig {
  std::string listen = "127.0.0.1:8080";
  std::string store = "sqlite:./sluice.db";
  std::string flags_dir;  // empty: definitions come from the store (the API)
  int threads = 2;
  std::string log_format = "text";  // text | json
  std::string log_level = "info";   // trace | debug | info | warn | error
  std::size_t body_limit = 1 << 20;
  int heartbeat_seconds = 15;
  // Where the rollout controller reads per-variant metrics: a Prometheus base URL
  // (http://host:9090), or empty for the built-in source fed by POST /v1/events.
  std::string prometheus_url;
  std::string controller = "on";  // on | off: run the rollout controller loop in this process
  int controller_poll_ms = 1000;  // how often the controller looks for due rollouts
  // A YAML file of notification targets (Slack, webhooks) and delivery settings
  // (docs/notifications.md); empty: no notifications are enqueued or sent.
  std::string notifications;
};

// One setting as the operator sees it: `--help`, docs/operations.md (whose table is checked
// against this list by a test) and the unknown-key warnings are made from these.
struct ServeSetting {
  std::string name;           // the YAML key: flags_dir
  std::string default_value;  // as text; empty: none
  std::string allowed;        // what values the reader accepts, in words
  std::string example;        // a valid value other than the default (tests use it)
  std::string help;           // what it does
};

// Every setting `sluice serve` reads, in the order of its --help.
const std::vector<ServeSetting>& serve_settings();
// The setting names, as written in YAML.
const std::vector<std::string>& serve_setting_names();
// SLUICE_FLAGS_DIR for flags_dir: the environment variable of a setting.
std::string serve_environment_name(const std::string& name);
// --flags-dir for flags_dir: the command-line flag of a setting.
std::string serve_flag_name(const std::string& name);
// The value of a setting as text, as the YAML file or the environment would give it.
std::string serve_setting_text(const ServeConfig& config, const std::string& name);

// The SLUICE_* variables that the other subcommands read (SLUICE_SERVER, SLUICE_TOKEN, ...):
// known, so `sluice serve` does not warn about them.
const std::vector<std::string>& cli_environment_names();
// One warning per variable in `present` that starts with SLUICE_ and is neither a setting's,
// the CLI's nor in `also_known` (e.g. a notification target's url_env).
std::vector<std::string> unknown_environment_warnings(const std::vector<std::string>& present,
                                                      const std::vector<std::string>& also_known);

// Nothing when `path` can be opened for reading; otherwise "ABSOLUTE-PATH: cannot read WHAT: OS
// reason" (e.g. "No such file or directory").
std::optional<std::string> cannot_read(const std::string& path, const std::string& what);

struct ServeConfigResult {
  std::optional<ServeConfig> config;
  std::vector<std::string> errors;    // `file:line:column: message` or `SLUICE_X: message`
  std::vector<std::string> warnings;  // unknown keys of the file: ignored, but said
};

using Environment = std::function<std::optional<std::string>(const std::string& name)>;

// `flags`: settings given on the command line, by name. Relative paths in the file (flags_dir,
// notifications, store sqlite:PATH) are relative to the file's folder; those from the
// environment and the command line to the working directory.
ServeConfigResult load_serve_config(const std::optional<std::string>& file,
                                    const Environment& environment,
                                    const std::map<std::string, std::string>& flags);

}  // namespace sluice::app
