#include "notifications_api.hpp"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "sluice/store/errors.hpp"

namespace sluice::server {
namespace {

using Json = nlohmann::ordered_json;

std::optional<std::int64_t> int_param(std::string_view text) {
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

Json optional_text(const std::optional<std::string>& text) {
  return text ? Json(*text) : Json(nullptr);
}

// The one sentence a person reads: a decision's sentence, else the event's own (if any).
Json summary_of(const Json& payload) {
  if (!payload.is_object()) return nullptr;
  if (auto decision = payload.find("decision");
      decision != payload.end() && decision->is_object()) {
    if (auto sentence = decision->find("sentence"); sentence != decision->end() &&
                                                    sentence->is_string() &&
                                                    !sentence->get<std::string>().empty())
      return *sentence;
  }
  if (auto sentence = payload.find("sentence");
      sentence != payload.end() && sentence->is_string() && !sentence->get<std::string>().empty())
    return *sentence;
  return nullptr;
}

// A row as the API shows it; the payload itself only when asked (one row), never a secret.
Json view(const store::OutboxRecord& record, bool with_payload) {
  const Json payload = Json::parse(record.payload_json, nullptr, /*allow_exceptions=*/false);
  Json body = {{"id", record.id},
               {"event_id", record.event_id},
               {"event", record.event_kind},
               {"target", record.target},
               {"flag", record.flag},
               {"rollout_id", record.rollout_id ? Json(*record.rollout_id) : Json(nullptr)},
               {"status", store::to_string(store::status_of(record))},
               {"attempts", record.attempts},
               {"created_at", record.created_at},
               {"next_attempt_at", optional_text(record.next_attempt_at)},
               {"delivered_at", optional_text(record.delivered_at)},
               {"dead_at", optional_text(record.dead_at)},
               {"retried_at", optional_text(record.retried_at)},
               {"last_error", optional_text(record.last_error)},
               {"summary", payload.is_discarded() ? Json(nullptr) : summary_of(payload)}};
  if (with_payload) body["payload"] = payload.is_discarded() ? Json(record.payload_json) : payload;
  return body;
}

HttpResponse not_found(std::string_view id) {
  return HttpResponse::error(404, "not_found", "no notification '" + std::string(id) + "'");
}

template <typename Operation>
HttpResponse guarded(Operation&& operation) {
  try {
    return operation();
  } catch (const std::invalid_argument& e) {
    return HttpResponse::error(400, "invalid_argument", e.what());
  } catch (const store::StoreUnavailable& e) {
    return HttpResponse::error(503, "store_unavailable",
                               std::string("the store cannot be reached: ") + e.what());
  }
}

}  // namespace

NotificationsApi::NotificationsApi(store::Store& store, store::Clock clock)
    : store_(store), clock_(std::move(clock)) {}

HttpResponse NotificationsApi::list(const HttpRequest& request) {
  return guarded([&] {
    store::OutboxQuery query;
    if (auto text = request.query_param("status"); !text.empty()) {
      query.status = store::parse_outbox_status(text);
      if (!query.status) {
        return HttpResponse::error(400, "invalid_query",
                                   "status must be pending, delivered or dead", "status");
      }
    }
    if (auto text = request.query_param("flag"); !text.empty()) query.flag = std::string(text);
    if (auto text = request.query_param("before"); !text.empty()) {
      query.before_id = int_param(text);
      if (!query.before_id || *query.before_id < 1) {
        return HttpResponse::error(
            400, "invalid_query", "before must be a notification id (next_before of the last page)",
            "before");
      }
    }
    int limit = 100;
    if (auto text = request.query_param("limit"); !text.empty()) {
      auto parsed = int_param(text);
      if (!parsed || *parsed < 1 || *parsed > 1000) {
        return HttpResponse::error(400, "invalid_query", "limit must be 1..1000", "limit");
      }
      limit = static_cast<int>(*parsed);
    }
    // One row more than asked tells whether there is a next page (the store's cap is 1000: a
    // full page of 1000 may be followed by an empty one).
    query.limit = std::min(limit + 1, 1000);
    auto rows = store_.list_outbox(query);
    const bool more =
        rows.size() > static_cast<std::size_t>(limit) || (limit == 1000 && rows.size() == 1000);
    if (rows.size() > static_cast<std::size_t>(limit)) rows.resize(static_cast<std::size_t>(limit));
    Json list = Json::array();
    for (const auto& record : rows)
      list.push_back(view(record, /*with_payload=*/false));
    Json body = {{"notifications", std::move(list)}};
    body["next_before"] = more && !rows.empty() ? Json(rows.back().id) : Json(nullptr);
    return HttpResponse::json(200, body.dump());
  });
}

HttpResponse NotificationsApi::get(const HttpRequest& request) {
  return guarded([&] {
    const std::string_view text = request.path_param("id");
    auto id = int_param(text);
    std::optional<store::OutboxRecord> record;
    if (id && *id > 0) record = store_.get_outbox(*id);
    if (!record) return not_found(text);
    return HttpResponse::json(200, view(*record, /*with_payload=*/true).dump());
  });
}

HttpResponse NotificationsApi::retry(const HttpRequest& request, std::string_view actor) {
  return guarded([&] {
    const std::string_view text = request.path_param("id");
    auto id = int_param(text);
    if (!id || *id < 1) return not_found(text);
    store::OutboxRetryResult result = store_.retry_outbox(*id, clock_(), actor);
    switch (result.status) {
      case store::OutboxRetryStatus::NotFound:
        return not_found(text);
      case store::OutboxRetryStatus::Delivered:
        return HttpResponse::error(409, "already_delivered",
                                   "notification " + std::to_string(*id) + " was delivered" +
                                       (result.record && result.record->delivered_at
                                            ? " at " + *result.record->delivered_at
                                            : std::string()) +
                                       "; there is nothing to retry");
      case store::OutboxRetryStatus::Ok:
        break;
    }
    return HttpResponse::json(200, view(*result.record, /*with_payload=*/true).dump());
  });
}

}  // namespace sluice::server
