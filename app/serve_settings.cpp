// The list of `sluice serve` settings: names, defaults, allowed values and help. The reader
// (serve_config.cpp) checks values; tests check that this list, the reader and
// docs/operations.md agree.

#include <algorithm>
#include <cctype>

#include "serve_config.hpp"

namespace sluice::app {

const std::vector<ServeSetting>& serve_settings() {
  static const std::vector<ServeSetting> settings = {
      {"listen", "127.0.0.1:8080", "HOST:PORT (port 0: any free port)", "0.0.0.0:9000",
       "Address of the HTTP server (API, OFREP, event stream, dashboard, /metrics)"},
      {"store", "sqlite:./sluice.db",
       "sqlite:PATH or postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?PARAMETERS]",
       "sqlite:/var/lib/sluice/sluice.db",
       "Where flags, rollouts, decisions, tokens and the audit log are kept"},
      {"flags_dir", "", "a folder of flag YAML files; empty: definitions come from the store (API)",
       "/etc/sluice/flags", "Flag definitions from files (GitOps), reloaded when they change"},
      {"threads", "2", "1 to 64", "4", "Threads that run the HTTP server's event loop"},
      {"log_format", "text", "text, json", "json",
       "Log lines on standard error as text or as JSON lines"},
      {"log_level", "info", "trace, debug, info, warn, error", "debug",
       "Lowest level logged; debug adds one line per HTTP request"},
      {"body_limit", "1048576", "1024 to 67108864 (bytes)", "2097152",
       "Largest request body accepted"},
      {"heartbeat_seconds", "15", "1 to 3600", "30",
       "Seconds between keep-alive comments on the event stream (/v1/stream)"},
      {"prometheus_url", "",
       "an http:// URL (http://HOST:PORT[/PREFIX]); empty: the built-in source fed by "
       "POST /v1/events",
       "http://127.0.0.1:9090", "Where the rollout controller reads per-variant metrics"},
      {"controller", "on", "on, off", "off",
       "Run the rollout controller in this process (off: only serve and accept commands)"},
      {"controller_poll_ms", "1000", "50 to 60000", "500",
       "Milliseconds between the controller's looks for rollouts that are due"},
      {"notifications", "", "a YAML file (docs/notifications.md); empty: no notifications",
       "/etc/sluice/notifications.yaml", "Notification targets (Slack, webhooks) and delivery"},
  };
  return settings;
}

const std::vector<std::string>& serve_setting_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& setting : serve_settings())
      out.push_back(setting.name);
    return out;
  }();
  return names;
}

std::string serve_environment_name(const std::string& name) {
  std::string out = "SLUICE_";
  for (char c : name)
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string serve_flag_name(const std::string& name) {
  std::string out = "--" + name;
  std::replace(out.begin(), out.end(), '_', '-');
  return out;
}

std::string serve_setting_text(const ServeConfig& config, const std::string& name) {
  if (name == "listen") return config.listen;
  if (name == "store") return config.store;
  if (name == "flags_dir") return config.flags_dir;
  if (name == "threads") return std::to_string(config.threads);
  if (name == "log_format") return config.log_format;
  if (name == "log_level") return config.log_level;
  if (name == "body_limit") return std::to_string(config.body_limit);
  if (name == "heartbeat_seconds") return std::to_string(config.heartbeat_seconds);
  if (name == "prometheus_url") return config.prometheus_url;
  if (name == "controller") return config.controller;
  if (name == "controller_poll_ms") return std::to_string(config.controller_poll_ms);
  if (name == "notifications") return config.notifications;
  return {};
}

const std::vector<std::string>& cli_environment_names() {
  // Read by `sluice serve` itself besides the settings, and by the client subcommands
  // (app/remote_client.cpp, traffic, token, history, demo).
  static const std::vector<std::string> names = {"SLUICE_ADMIN_TOKEN", "SLUICE_SERVER",
                                                 "SLUICE_TOKEN", "SLUICE_URL", "SLUICE_STORE"};
  return names;
}

std::vector<std::string> unknown_environment_warnings(const std::vector<std::string>& present,
                                                      const std::vector<std::string>& also_known) {
  auto known = [&](const std::string& variable) {
    const auto& cli = cli_environment_names();
    if (std::find(cli.begin(), cli.end(), variable) != cli.end()) return true;
    if (std::find(also_known.begin(), also_known.end(), variable) != also_known.end()) return true;
    const auto& names = serve_setting_names();
    return std::any_of(names.begin(), names.end(), [&](const std::string& name) {
      return serve_environment_name(name) == variable;
    });
  };
  std::vector<std::string> warnings;
  for (const auto& variable : present) {
    if (!variable.starts_with("SLUICE_") || known(variable)) continue;
    warnings.push_back("unknown environment variable " + variable +
                       " (ignored; the settings' variables are upper case, e.g. SLUICE_LISTEN: "
                       "see docs/operations.md)");
  }
  return warnings;
}

}  // namespace sluice::app
