#include "serve_config.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

namespace sluice::app {
namespace {

// Applies one textual value to the named setting; an error message when it does not fit.
std::optional<std::string> apply(ServeConfig& config, const std::string& name,
                                 const std::string& value) {
  auto as_int = [&](auto& out, long long min, long long max) -> std::optional<std::string> {
    long long parsed = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
    if (ec != std::errc() || ptr != value.data() + value.size() || parsed < min || parsed > max) {
      return "'" + name + "' must be a whole number from " + std::to_string(min) + " to " +
             std::to_string(max) + ", got '" + value + "'";
    }
    out = static_cast<std::remove_reference_t<decltype(out)>>(parsed);
    return std::nullopt;
  };
  auto one_of = [&](std::string& out,
                    std::initializer_list<const char*> allowed) -> std::optional<std::string> {
    for (const char* a : allowed) {
      if (value == a) {
        out = value;
        return std::nullopt;
      }
    }
    std::string list;
    for (const char* a : allowed)
      list += (list.empty() ? "" : ", ") + std::string(a);
    return "'" + name + "' must be one of " + list + ", got '" + value + "'";
  };
  if (name == "listen") {
    if (value.find(':') == std::string::npos) {
      return "'listen' must be HOST:PORT, got '" + value + "'";
    }
    config.listen = value;
  } else if (name == "store") {
    if (!value.starts_with("sqlite:") && !value.starts_with("postgresql://") &&
        !value.starts_with("postgres://")) {
      return "'store' must be sqlite:PATH or a postgresql:// URL, got '" + value + "'";
    }
    config.store = value;
  } else if (name == "flags_dir") {
    config.flags_dir = value;
  } else if (name == "threads") {
    return as_int(config.threads, 1, 64);
  } else if (name == "log_format") {
    return one_of(config.log_format, {"text", "json"});
  } else if (name == "log_level") {
    return one_of(config.log_level, {"trace", "debug", "info", "warn", "error"});
  } else if (name == "body_limit") {
    return as_int(config.body_limit, 1024, 64ll << 20);
  } else if (name == "heartbeat_seconds") {
    return as_int(config.heartbeat_seconds, 1, 3600);
  } else if (name == "prometheus_url") {
    if (!value.empty() && !value.starts_with("http://")) {
      return "'prometheus_url' must be an http:// URL such as http://127.0.0.1:9090, got '" +
             value + "'";
    }
    config.prometheus_url = value;
  } else if (name == "controller") {
    return one_of(config.controller, {"on", "off"});
  } else if (name == "controller_poll_ms") {
    return as_int(config.controller_poll_ms, 50, 60000);
  } else if (name == "notifications") {
    config.notifications = value;
  } else {
    return "unknown setting '" + name + "'";
  }
  return std::nullopt;
}

std::string env_name(const std::string& name) {
  std::string out = "SLUICE_";
  for (char c : name)
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

void read_file(const std::string& file, ServeConfig& config, std::vector<std::string>& errors) {
  std::ifstream in(file);
  if (!in) {
    errors.push_back(file + ": cannot read the configuration file");
    return;
  }
  std::stringstream text;
  text << in.rdbuf();
  YAML::Node root;
  try {
    root = YAML::Load(text.str());
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp's own guard (its message is a misleading "bad file").
    errors.push_back(file + ":" + std::to_string(e.mark.line + 1) + ":" +
                     std::to_string(e.mark.column + 1) + ": nested more than " +
                     std::to_string(e.depth() - 1) + " levels deep");
    return;
  } catch (const YAML::ParserException& e) {
    errors.push_back(file + ":" + std::to_string(e.mark.line + 1) + ":" +
                     std::to_string(e.mark.column + 1) + ": YAML syntax error: " + e.msg);
    return;
  }
  if (root.IsNull()) return;
  auto where = [&](const YAML::Node& node) {
    return file + ":" + std::to_string(node.Mark().line + 1) + ":" +
           std::to_string(node.Mark().column + 1) + ": ";
  };
  if (!root.IsMap()) {
    errors.push_back(where(root) + "the configuration must be a mapping of settings");
    return;
  }
  for (const auto& entry : root) {
    const std::string name = entry.first.Scalar();
    if (!entry.second.IsScalar()) {
      errors.push_back(where(entry.second) + "'" + name + "' must be a single value");
      continue;
    }
    if (auto error = apply(config, name, entry.second.Scalar())) {
      errors.push_back(where(entry.first) + *error);
    }
  }
}

}  // namespace

const std::vector<std::string>& serve_setting_names() {
  static const std::vector<std::string> names = {
      "listen",         "store",      "flags_dir",          "threads",
      "log_format",     "log_level",  "body_limit",         "heartbeat_seconds",
      "prometheus_url", "controller", "controller_poll_ms", "notifications"};
  return names;
}

ServeConfigResult load_serve_config(const std::optional<std::string>& file,
                                    const Environment& environment,
                                    const std::map<std::string, std::string>& flags) {
  ServeConfig config;
  std::vector<std::string> errors;
  if (file) read_file(*file, config, errors);
  for (const auto& name : serve_setting_names()) {
    if (auto value = environment(env_name(name))) {
      if (auto error = apply(config, name, *value))
        errors.push_back(env_name(name) + ": " + *error);
    }
  }
  for (const auto& [name, value] : flags) {
    if (auto error = apply(config, name, value)) errors.push_back("--" + name + ": " + *error);
  }
  if (!errors.empty()) return {std::nullopt, std::move(errors)};
  return {config, {}};
}

}  // namespace sluice::app
