#include <charconv>

#include "admin_api_support.hpp"

namespace sluice::server {

using namespace admin_detail;

HttpResponse AdminApi::audit(const HttpRequest& request) {
  return guarded([&] {
    store::AuditQuery query;
    auto optional = [&](std::string_view name) -> std::optional<std::string> {
      std::string_view v = request.query_param(name);
      if (v.empty()) return std::nullopt;
      return std::string(v);
    };
    query.flag = optional("flag");
    query.actor = optional("actor");
    query.since = optional("since");
    query.until = optional("until");
    auto id_param = [&](std::string_view name, std::int64_t& out) {
      std::string_view v = request.query_param(name);
      if (v.empty()) return true;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
      return ec == std::errc{} && end == v.data() + v.size() && out >= 0;
    };
    const std::string_view order = request.query_param("order");
    if (!order.empty() && order != "asc" && order != "desc") {
      return HttpResponse::error(400, "invalid_query", "order must be asc or desc", "order");
    }
    query.newest_first = order == "desc";
    if (!id_param("after", query.after_id)) {
      return HttpResponse::error(400, "invalid_query", "after must be an entry id", "after");
    }
    if (!id_param("before", query.before_id)) {
      return HttpResponse::error(400, "invalid_query", "before must be an entry id", "before");
    }
    query.limit = limit_of(request, 100, 1000);
    auto entries = store_.audit(query);
    Json list = Json::array();
    for (const auto& e : entries) {
      list.push_back({{"id", e.id},
                      {"at", e.at},
                      {"actor", e.actor},
                      {"action", e.action},
                      {"targetKind", e.target_kind},
                      {"targetKey", e.target_key},
                      {"before", json_or_null(e.before_json)},
                      {"after", json_or_null(e.after_json)}});
    }
    Json body = {{"entries", std::move(list)}};
    body["next"] =
        static_cast<int>(entries.size()) == query.limit ? Json(entries.back().id) : Json(nullptr);
    return HttpResponse::json(200, body.dump());
  });
}

}  // namespace sluice::server
