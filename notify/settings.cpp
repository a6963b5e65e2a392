// The notification settings file: YAML to Settings, every problem with file:line:column and field.
#include "sluice/notify/settings.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "sluice/net/url.hpp"
#include "sluice/notify/events.hpp"
#include "sluice/policy.hpp"

namespace sluice::notify {
namespace {

class Reader {
 public:
  Reader(std::string path, const Environment& environment)
      : path_(std::move(path)), environment_(environment) {}

  std::vector<std::string> errors;

  void error(const YAML::Node& node, const std::string& field, const std::string& what) {
    const YAML::Mark mark = node.Mark();
    std::string where = path_;
    if (mark.line >= 0) {
      where += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
    }
    errors.push_back(where + ": field '" + field + "': " + what);
  }

  // Rejects keys outside `allowed` (a typo would otherwise be ignored in silence).
  void only(const YAML::Node& map, std::initializer_list<std::string_view> allowed,
            const std::string& prefix) {
    for (const auto& item : map) {
      const std::string key = item.first.as<std::string>("");
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        error(item.first, prefix + key, "unknown field");
      }
    }
  }

  std::optional<std::string> text(const YAML::Node& node, const std::string& field) {
    if (!node.IsScalar()) {
      error(node, field, "must be a string");
      return std::nullopt;
    }
    return node.Scalar();
  }

  // "24h", "30s", "1h30m" (policy durations) or "250ms" (for short test settings).
  std::optional<std::chrono::milliseconds> duration(const YAML::Node& node,
                                                    const std::string& field) {
    auto value = text(node, field);
    if (!value) return std::nullopt;
    if (value->size() > 2 && value->ends_with("ms")) {
      long long ms = 0;
      const char* end = value->data() + value->size() - 2;
      auto [ptr, ec] = std::from_chars(value->data(), end, ms);
      if (ec == std::errc() && ptr == end && ms > 0) return std::chrono::milliseconds(ms);
    } else if (auto parsed = parse_duration(*value); parsed && parsed->count() > 0) {
      return std::chrono::duration_cast<std::chrono::milliseconds>(*parsed);
    }
    error(node, field,
          "must be a positive duration such as 250ms, 30s, 5m or 24h, got '" + *value + "'");
    return std::nullopt;
  }

  std::optional<int> whole(const YAML::Node& node, const std::string& field, int min, int max) {
    auto value = text(node, field);
    if (!value) return std::nullopt;
    int parsed = 0;
    auto [ptr, ec] = std::from_chars(value->data(), value->data() + value->size(), parsed);
    if (ec != std::errc() || ptr != value->data() + value->size() || parsed < min || parsed > max) {
      error(node, field,
            "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
      return std::nullopt;
    }
    return parsed;
  }

  std::vector<std::string> names(const YAML::Node& node, const std::string& field) {
    std::vector<std::string> out;
    if (!node.IsSequence()) {
      error(node, field, "must be a list");
      return out;
    }
    for (const auto& item : node) {
      if (auto value = text(item, field)) out.push_back(*value);
    }
    return out;
  }

  // A path relative to the settings file's folder, like every path in a config file should be.
  std::string relative(const std::string& file) const {
    const std::filesystem::path p(file);
    if (p.is_absolute()) return file;
    return (std::filesystem::path(path_).parent_path() / p).string();
  }

  // One of `field`, `field_env`, `field_file`: the secret's value (never echoed in errors).
  std::optional<std::string> secret(const YAML::Node& target, const std::string& field,
                                    const std::string& prefix, bool required) {
    const std::string env_field = field + "_env";
    const std::string file_field = field + "_file";
    int given = 0;
    for (const auto* name : {&field, &env_field, &file_field}) {
      if (target[*name]) ++given;
    }
    if (given == 0) {
      if (required) {
        error(target, prefix + field,
              "missing: give one of " + field + ", " + env_field + " or " + file_field);
      }
      return std::nullopt;
    }
    if (given > 1) {
      error(target, prefix + field,
            "give only one of " + field + ", " + env_field + " or " + file_field);
      return std::nullopt;
    }
    std::optional<std::string> value;
    if (const auto node = target[field]) {
      value = text(node, prefix + field);
    } else if (const auto env = target[env_field]) {
      auto name = text(env, prefix + env_field);
      if (!name) return std::nullopt;
      value = environment_ ? environment_(*name) : std::nullopt;
      if (!value) {
        error(env, prefix + env_field, "environment variable " + *name + " is not set");
        return std::nullopt;
      }
    } else {
      const auto file = target[file_field];
      auto name = text(file, prefix + file_field);
      if (!name) return std::nullopt;
      std::ifstream in(relative(*name), std::ios::binary);
      if (!in) {
        error(file, prefix + file_field, "cannot read " + relative(*name));
        return std::nullopt;
      }
      std::ostringstream content;
      content << in.rdbuf();
      value = content.str();
      // Files written by editors and `echo` end with a newline that is not part of the secret.
      while (!value->empty() && (value->back() == '\n' || value->back() == '\r' ||
                                 value->back() == ' ' || value->back() == '\t')) {
        value->pop_back();
      }
    }
    if (value && value->empty()) {
      error(target, prefix + field, "is empty");
      return std::nullopt;
    }
    return value;
  }

  void events(const YAML::Node& node, const std::string& field, std::vector<std::string>& out) {
    for (const std::string& name : names(node, field)) {
      if (!is_event_kind(name)) {
        error(node, field, "unknown event '" + name + "' (known: " + event_kinds_text() + ")");
      } else {
        out.push_back(name);
      }
    }
  }

  std::optional<Target> target(const YAML::Node& node, std::size_t index) {
    const std::string prefix = "targets[" + std::to_string(index) + "].";
    if (!node.IsMap()) {
      error(node, "targets[" + std::to_string(index) + "]", "must be a map");
      return std::nullopt;
    }
    only(node,
         {"name", "type", "url", "url_env", "url_file", "secret", "secret_env", "secret_file",
          "events", "timeout"},
         prefix);
    const std::size_t before = errors.size();
    Target t;
    if (const auto name = node["name"]) {
      if (auto value = text(name, prefix + "name")) {
        const bool valid = !value->empty() && std::all_of(value->begin(), value->end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                 c == '-';
        });
        if (!valid) error(name, prefix + "name", "must match [a-z0-9._-]+, got '" + *value + "'");
        t.name = *value;
      }
    } else {
      error(node, prefix + "name", "missing");
    }
    if (const auto type = node["type"]) {
      auto value = text(type, prefix + "type");
      if (value == "slack") {
        t.kind = TargetKind::Slack;
      } else if (value == "webhook") {
        t.kind = TargetKind::Webhook;
      } else if (value) {
        error(type, prefix + "type", "must be slack or webhook, got '" + *value + "'");
      }
    } else {
      error(node, prefix + "type", "missing: slack or webhook");
    }
    if (auto url = secret(node, "url", prefix, true)) {
      std::string why;
      if (!net::parse_http_url(*url, &why)) {
        // `why` never repeats the URL: it may be a secret. The mark is the URL's own line.
        const YAML::Node given = node["url"] ? node["url"] : node;
        error(given, prefix + "url", why);
      }
      t.url = *url;
    }
    if (t.kind == TargetKind::Webhook) {
      if (auto key = secret(node, "secret", prefix, true)) t.secret = *key;
    } else if (node["secret"] || node["secret_env"] || node["secret_file"]) {
      error(node, prefix + "secret", "only webhooks are signed; a Slack URL is its own secret");
    }
    if (const auto list = node["events"]) events(list, prefix + "events", t.events);
    if (const auto timeout = node["timeout"]) {
      if (auto value = duration(timeout, prefix + "timeout")) t.timeout = *value;
    }
    if (errors.size() != before) return std::nullopt;
    return t;
  }

  Settings settings(const YAML::Node& root) {
    Settings s;
    std::set<std::string> declared;  // every target's name, valid or not
    only(root,
         {"dashboard_url", "ca_file", "max_age", "backoff_min", "backoff_max", "poll", "batch",
          "concurrency", "defaults", "targets"},
         "");
    if (const auto node = root["dashboard_url"]) {
      if (auto value = text(node, "dashboard_url")) {
        while (value->ends_with('/'))
          value->pop_back();  // links append "/rollouts/..."
        if (!value->empty() && !value->starts_with("http://") && !value->starts_with("https://")) {
          error(node, "dashboard_url", "must be an http:// or https:// URL");
        }
        s.dashboard_url = *value;
      }
    }
    if (const auto node = root["ca_file"]) {
      if (auto value = text(node, "ca_file")) {
        s.ca_file = relative(*value);
        if (!std::ifstream(s.ca_file)) error(node, "ca_file", "cannot read " + s.ca_file);
      }
    }
    if (const auto node = root["max_age"]) {
      if (auto value = duration(node, "max_age")) {
        s.max_age = std::chrono::duration_cast<std::chrono::seconds>(*value);
        if (s.max_age.count() < 1) error(node, "max_age", "must be at least 1s");
      }
    }
    if (const auto node = root["backoff_min"]) {
      if (auto value = duration(node, "backoff_min")) s.backoff_min = *value;
    }
    if (const auto node = root["backoff_max"]) {
      if (auto value = duration(node, "backoff_max")) s.backoff_max = *value;
    }
    if (s.backoff_max < s.backoff_min) {
      error(root["backoff_max"] ? root["backoff_max"] : root, "backoff_max",
            "must not be less than backoff_min");
    }
    if (const auto node = root["poll"]) {
      if (auto value = duration(node, "poll")) s.poll = *value;
    }
    if (const auto node = root["batch"]) {
      if (auto value = whole(node, "batch", 1, 1000)) s.batch = *value;
    }
    if (const auto node = root["concurrency"]) {
      if (auto value = whole(node, "concurrency", 1, 256)) s.concurrency = *value;
    }
    if (const auto node = root["targets"]) {
      if (!node.IsSequence()) {
        error(node, "targets", "must be a list");
      } else {
        std::set<std::string> seen;
        for (std::size_t i = 0; i < node.size(); ++i) {
          if (node[i].IsMap() && node[i]["name"] && node[i]["name"].IsScalar()) {
            declared.insert(node[i]["name"].Scalar());
          }
          auto t = target(node[i], i);
          if (!t) continue;
          if (!seen.insert(t->name).second) {
            error(node[i], "targets[" + std::to_string(i) + "].name",
                  "a target named '" + t->name + "' is already defined");
            continue;
          }
          s.targets.push_back(std::move(*t));
        }
      }
    }
    if (const auto node = root["defaults"]) {
      const auto list = names(node, "defaults");
      for (std::size_t i = 0; i < list.size(); ++i) {
        // A target with mistakes of its own is still declared: no second error for it here.
        if (!declared.contains(list[i])) {
          error(node[i], "defaults", "no target named '" + list[i] + "'");
        }
        s.defaults.push_back(list[i]);
      }
    }
    return s;
  }

 private:
  std::string path_;
  const Environment& environment_;
};

}  // namespace

SettingsResult load_settings(const std::string& path, const Environment& environment) {
  SettingsResult result;
  Reader reader(path, environment);
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    result.errors.push_back(path + ": cannot read the notification settings");
    return result;
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp's own guard (its message is a misleading "bad file").
    result.errors.push_back(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                            std::to_string(e.mark.column + 1) + ": nested more than " +
                            std::to_string(e.depth() - 1) + " levels deep");
    return result;
  } catch (const YAML::ParserException& e) {
    result.errors.push_back(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                            std::to_string(e.mark.column + 1) + ": " + e.msg);
    return result;
  }
  if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);  // an empty file: no targets
  if (!root.IsMap()) {
    result.errors.push_back(path + ": the notification settings must be a map");
    return result;
  }
  Settings settings = reader.settings(root);
  result.errors = std::move(reader.errors);
  if (result.errors.empty()) result.settings = std::move(settings);
  return result;
}

}  // namespace sluice::notify
