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

// The setting names, as written in YAML and (upper-cased, `SLUICE_` prefixed) in the environment.
const std::vector<std::string>& serve_setting_names();

struct ServeConfigResult {
  std::optional<ServeConfig> config;
  std::vector<std::string> errors;  // `file:line:column: message` or `SLUICE_X: message`
};

using Environment = std::function<std::optional<std::string>(const std::string& name)>;

// `flags`: settings given on the command line, by name.
ServeConfigResult load_serve_config(const std::optional<std::string>& file,
                                    const Environment& environment,
                                    const std::map<std::string, std::string>& flags);

}  // namespace sluice::app
