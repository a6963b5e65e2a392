#include "sluice/notify/webhook_message.hpp"

#include "event_payload.hpp"
#include "sluice/notify/events.hpp"
#include "sluice/notify/signature.hpp"

namespace sluice::notify {

namespace detail {
std::string dashboard_link(const std::string& dashboard_url, const store::OutboxRecord& row) {
  if (dashboard_url.empty() || row.flag.empty()) return "";
  return dashboard_url + (is_flag_event(row.event_kind) ? "/flags/" : "/rollouts/") + row.flag;
}
}  // namespace detail

std::string webhook_body(const store::OutboxRecord& row, const std::string& dashboard_url) {
  using nlohmann::json;
  const detail::EventPayload p = detail::read_payload(row);
  json links = json::object();
  if (const std::string link = detail::dashboard_link(dashboard_url, row); !link.empty()) {
    links["dashboard"] = link;
  }
  // Every field is always present (null when it does not apply), so receivers need no guesswork;
  // fields are only ever added within a schema version.
  json body{{"schema_version", kWebhookSchemaVersion},
            {"id", row.event_id},
            {"type", row.event_kind},
            {"occurred_at", p.occurred_at},
            {"flag", row.flag},
            {"rollout_id", row.rollout_id ? json(*row.rollout_id) : json(nullptr)},
            {"actor", p.actor.empty() ? json(nullptr) : json(p.actor)},
            {"reason", p.reason.empty() ? json(nullptr) : json(p.reason)},
            {"decision", p.decision},
            {"links", links}};
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string user_agent() {
  return "sluice/0.1.0";
}

std::map<std::string, std::string> webhook_headers(const std::string& event_id,
                                                   const std::string& body,
                                                   const std::string& secret,
                                                   std::int64_t unix_seconds) {
  return {{"Content-Type", "application/json"},
          {"User-Agent", user_agent()},
          {"Sluice-Event-Id", event_id},
          {"Sluice-Timestamp", std::to_string(unix_seconds)},
          {"Sluice-Signature", webhook_signature(secret, unix_seconds, body)}};
}

}  // namespace sluice::notify
