#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "sluice/store/rollout_records.hpp"

// What both message formats read from an outbox row's payload_json: rollout events carry the
// decision view (controller/runtime/rollout_json.cpp), flag events carry actor, at and reason.
namespace sluice::notify::detail {

struct EventPayload {
  nlohmann::json decision;  // null for flag events
  std::string actor;
  std::string occurred_at;
  std::string reason;  // a person's reason (flag events, manual commands); "" for none
};

inline std::string string_at(const nlohmann::json& j, const char* key) {
  if (j.is_object()) {
    auto it = j.find(key);
    if (it != j.end() && it->is_string()) return it->get<std::string>();
  }
  return "";
}

inline EventPayload read_payload(const store::OutboxRecord& row) {
  EventPayload p;
  // A payload that does not parse still gets delivered: what the row itself says.
  nlohmann::json j = nlohmann::json::parse(row.payload_json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) j = nlohmann::json::object();
  if (auto it = j.find("decision"); it != j.end() && it->is_object()) p.decision = *it;
  p.actor = string_at(p.decision, "actor");
  if (p.actor.empty()) p.actor = string_at(j, "actor");
  p.occurred_at = string_at(p.decision, "at");
  if (p.occurred_at.empty()) p.occurred_at = string_at(j, "at");
  if (p.occurred_at.empty()) p.occurred_at = row.created_at;
  p.reason = string_at(j, "reason");
  // The controller's own decisions have a machine reason code; a person's command has words.
  if (p.reason.empty() && p.actor != "controller") p.reason = string_at(p.decision, "reason");
  return p;
}

// {dashboard}/rollouts/{flag}, or {dashboard}/flags/{flag} for a flag's own event; "" without a
// dashboard.
std::string dashboard_link(const std::string& dashboard_url, const store::OutboxRecord& row);

}  // namespace sluice::notify::detail
