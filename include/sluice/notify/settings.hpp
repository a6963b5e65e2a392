#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Where notifications go (Slack incoming webhooks, generic signed webhooks) and how hard delivery
// tries: `sluice serve --notifications FILE` (YAML; docs/notifications.md). Secrets (Slack URLs,
// signing secrets) may be written inline, or read from an environment variable or a file, and
// never appear in logs, errors or API responses.
namespace sluice::notify {

enum class TargetKind { Slack, Webhook };

struct Target {
  std::string name;  // what policies list under `notify:`; [a-z0-9._-]+
  TargetKind kind = TargetKind::Webhook;
  std::string url;     // secret for Slack (the URL is the credential)
  std::string secret;  // webhooks: the HMAC-SHA256 signing key (required)
  // The event kinds it subscribes to, for every flag (besides `defaults` and a policy's
  // `notify:`, which it also only gets these kinds from); empty: all kinds, but only through
  // `defaults` or a policy's `notify:`.
  std::vector<std::string> events;
  std::chrono::milliseconds timeout{10000};  // one attempt: connect, TLS, write, read
};

struct Settings {
  std::vector<Target> targets;
  std::vector<std::string> defaults;        // targets every event goes to, besides the policy's
  std::string dashboard_url;                // base of links in messages; "" for none
  std::string ca_file;                      // extra CA bundle (PEM) for HTTPS; "" for the system's
  std::chrono::seconds max_age{24 * 3600};  // a row older than this is dead-lettered
  std::chrono::milliseconds backoff_min{1000};
  std::chrono::milliseconds backoff_max{300000};
  std::chrono::milliseconds poll{1000};  // how often due rows are looked for
  int batch = 50;                        // rows claimed per poll
  int concurrency = 8;                   // sends in flight at once

  const Target* find(std::string_view name) const;
};

struct SettingsResult {
  std::optional<Settings> settings;
  std::vector<std::string> errors;  // `file:line:column: field 'x': what is wrong`
};

using Environment = std::function<std::optional<std::string>(const std::string& name)>;

SettingsResult load_settings(const std::string& path, const Environment& environment);

// The targets one event goes to: the defaults, then every target whose `events` lists this kind
// (a subscription, for every flag), then the policy's; each once, in that order, without the
// targets whose `events` leave this kind out. A name no target has is kept: its rows are
// dead-lettered with a clear reason rather than dropped in silence.
std::vector<std::string> recipients(const Settings& settings, std::string_view event,
                                    const std::vector<std::string>& policy_targets);

}  // namespace sluice::notify
