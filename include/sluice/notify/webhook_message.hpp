#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "sluice/store/rollout_records.hpp"

// The generic webhook (docs/notifications.md, schema version 1). Pure: the timestamp is given.
namespace sluice::notify {

inline constexpr int kWebhookSchemaVersion = 1;

// {"schema_version":1,"id":event_id,"type","occurred_at","flag","rollout_id","actor","reason",
//  "decision","links"}.
std::string webhook_body(const store::OutboxRecord& row, const std::string& dashboard_url);

// Content-Type, User-Agent, Sluice-Event-Id, Sluice-Timestamp (unix seconds at send time) and
// Sluice-Signature ("v1=" + hex HMAC-SHA256(secret, timestamp + "." + body)).
std::map<std::string, std::string> webhook_headers(const std::string& event_id,
                                                   const std::string& body,
                                                   const std::string& secret,
                                                   std::int64_t unix_seconds);

std::string user_agent();  // "sluice/0.1.0"

}  // namespace sluice::notify
