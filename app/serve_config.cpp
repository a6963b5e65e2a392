#include "serve_config.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sluice/net/url.hpp"

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
      return "'store' must be sqlite:PATH or a postgresql:// URL, got '" +
             net::redact_credentials(value) + "'";
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
             net::redact_credentials(value) + "'";
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

// A path in the file is relative to the file's folder, so the file works from any directory.
std::string resolve_path(const std::string& name, const std::string& value,
                         const std::filesystem::path& folder) {
  constexpr std::string_view kSqlite = "sqlite:";
  if (name == "store" && value.starts_with(kSqlite)) {
    const std::string path = value.substr(kSqlite.size());
    if (path.empty() || std::filesystem::path(path).is_absolute()) return value;
    return std::string(kSqlite) + (folder / path).lexically_normal().string();
  }
  if ((name != "flags_dir" && name != "notifications") || value.empty() ||
      std::filesystem::path(value).is_absolute()) {
    return value;
  }
  return (folder / value).lexically_normal().string();
}

void read_file(const std::string& file, ServeConfig& config, ServeConfigResult& result) {
  auto& errors = result.errors;
  const std::filesystem::path absolute = std::filesystem::absolute(file).lexically_normal();
  if (auto error = cannot_read(file, "the configuration file")) {
    errors.push_back(*error);
    return;
  }
  std::ifstream in(absolute);
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
    errors.push_back(absolute.string() + ":" + std::to_string(e.mark.line + 1) + ":" +
                     std::to_string(e.mark.column + 1) + ": YAML syntax error: " + e.msg);
    return;
  }
  if (root.IsNull()) return;
  auto where = [&](const YAML::Node& node) {
    return absolute.string() + ":" + std::to_string(node.Mark().line + 1) + ":" +
           std::to_string(node.Mark().column + 1) + ": ";
  };
  if (!root.IsMap()) {
    errors.push_back(where(root) + "the configuration must be a mapping of settings");
    return;
  }
  for (const auto& entry : root) {
    const std::string name = entry.first.Scalar();
    const auto& names = serve_setting_names();
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      result.warnings.push_back(where(entry.first) + "unknown setting '" + name +
                                "' (ignored; the settings are in docs/operations.md)");
      continue;
    }
    if (!entry.second.IsScalar()) {
      errors.push_back(where(entry.second) + "'" + name + "' must be a single value");
      continue;
    }
    const std::string value = resolve_path(name, entry.second.Scalar(), absolute.parent_path());
    if (auto error = apply(config, name, value)) {
      errors.push_back(where(entry.first) + *error);
    }
  }
}

}  // namespace

std::optional<std::string> cannot_read(const std::string& path, const std::string& what) {
  const std::string absolute = std::filesystem::absolute(path).lexically_normal().string();
  std::error_code ec;
  if (std::filesystem::is_directory(absolute, ec)) {
    return absolute + ": cannot read " + what + ": " + std::strerror(EISDIR);
  }
  errno = 0;
  std::ifstream in(absolute);
  if (in) return std::nullopt;
  const int reason = errno;
  return absolute + ": cannot read " + what +
         (reason != 0 ? std::string(": ") + std::strerror(reason) : "");
}

ServeConfigResult load_serve_config(const std::optional<std::string>& file,
                                    const Environment& environment,
                                    const std::map<std::string, std::string>& flags) {
  ServeConfig config;
  ServeConfigResult result;
  if (file) read_file(*file, config, result);
  for (const auto& name : serve_setting_names()) {
    const std::string variable = serve_environment_name(name);
    if (auto value = environment(variable)) {
      if (auto error = apply(config, name, *value))
        result.errors.push_back(variable + ": " + *error);
    }
  }
  for (const auto& [name, value] : flags) {
    if (auto error = apply(config, name, value))
      result.errors.push_back(serve_flag_name(name) + ": " + *error);
  }
  if (result.errors.empty()) result.config = config;
  return result;
}

}  // namespace sluice::app
