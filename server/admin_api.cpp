#include "admin_api.hpp"

#include <charconv>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "flag_event_outbox.hpp"
#include "flag_staleness.hpp"
#include "sluice/flag_loader.hpp"
#include "sluice/store/errors.hpp"

namespace sluice::server {
namespace {

using Json = nlohmann::ordered_json;

HttpResponse invalid(const Diagnostics& problems) {
  Json body = {{"code", "invalid_definition"},
               {"message", problems.front().message},
               {"field", problems.front().where.path}};
  Json list = Json::array();
  for (const auto& d : problems)
    list.push_back({{"message", d.message}, {"field", d.where.path}});
  body["problems"] = std::move(list);
  return HttpResponse::json(400, body.dump(-1, ' ', false, Json::error_handler_t::replace));
}

std::optional<HttpResponse> require_json(const HttpRequest& request, bool merge_patch = false) {
  std::string_view type = request.header("Content-Type");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ')
    type.remove_suffix(1);
  if (type == "application/json" || (merge_patch && type == "application/merge-patch+json")) {
    return std::nullopt;
  }
  return HttpResponse::error(415, "unsupported_media_type",
                             merge_patch ? "send application/json or application/merge-patch+json"
                                         : "send application/json");
}

// If-Match: "12", W/"12" or 12 → 12; absent or * → no precondition.
std::optional<HttpResponse> expected_version(const HttpRequest& request,
                                             std::optional<std::int64_t>& out) {
  std::string_view tag = request.header("If-Match");
  if (tag.empty() || tag == "*") return std::nullopt;
  if (tag.starts_with("W/")) tag.remove_prefix(2);
  if (tag.size() >= 2 && tag.front() == '"' && tag.back() == '"')
    tag = tag.substr(1, tag.size() - 2);
  std::int64_t version = 0;
  auto [ptr, ec] = std::from_chars(tag.data(), tag.data() + tag.size(), version);
  if (ec != std::errc() || ptr != tag.data() + tag.size()) {
    return HttpResponse::error(400, "invalid_if_match",
                               "If-Match must be a version ETag such as \"12\"", "If-Match");
  }
  out = version;
  return std::nullopt;
}

std::string etag(std::int64_t version) {
  return "\"" + std::to_string(version) + "\"";
}

HttpResponse refused(store::WriteStatus status, std::string_view kind, std::string_view key,
                     std::int64_t current_version) {
  const std::string subject = std::string(kind) + " '" + std::string(key) + "'";
  switch (status) {
    case store::WriteStatus::NotFound:
      return HttpResponse::error(404, "not_found", subject + " does not exist");
    case store::WriteStatus::AlreadyExists:
      return HttpResponse::error(409, "already_exists", subject + " already exists", "key");
    case store::WriteStatus::Conflict:
      return HttpResponse::error(409, "version_conflict",
                                 subject + " is at version " + std::to_string(current_version) +
                                     "; read it again and retry",
                                 "If-Match");
    case store::WriteStatus::Archived:
      return HttpResponse::error(409, "archived", subject + " is archived");
    case store::WriteStatus::Ok:
      break;
  }
  return HttpResponse::error(500, "internal", "unexpected store status");
}

HttpResponse managed_by_files(const SnapshotLoader& loader) {
  std::string where;
  for (const auto& path : loader.flag_paths())
    where += (where.empty() ? "" : ", ") + path;
  return HttpResponse::error(409, "managed_by_files",
                             "definitions are managed by files (" + where +
                                 "); change them there. The kill switch still works.");
}

// The definition as GET returns it and PUT accepts it back: the stored definition with the
// current runtime state.
std::optional<std::string> flag_body(const store::FlagRecord& record) {
  LoadResult read = read_single_flag_json(record.definition_json);
  if (!read.ok() || read.definitions.flags.size() != 1) return std::nullopt;
  FlagDefinition flag = std::move(read.definitions.flags[0]);
  flag.enabled = record.enabled;
  return flag_to_json(flag);
}

HttpResponse flag_response(int status, const store::FlagRecord& record) {
  auto body = flag_body(record);
  if (!body) return HttpResponse::error(500, "internal", "the stored definition is unreadable");
  HttpResponse response = HttpResponse::json(status, std::move(*body));
  response.set_header("ETag", etag(record.version));
  return response;
}

template <typename Definition>
void replace_by_key(std::vector<Definition>& list, Definition item) {
  for (auto& existing : list) {
    if (existing.key == item.key) {
      existing = std::move(item);
      return;
    }
  }
  list.push_back(std::move(item));
}

template <typename Definition>
void remove_by_key(std::vector<Definition>& list, std::string_view key) {
  std::erase_if(list, [&](const Definition& d) { return d.key == key; });
}

FlagSet current_definitions(const SnapshotPublisher& publisher) {
  const auto& published = publisher.current();
  return published.snapshot ? published.snapshot->definitions() : FlagSet{};
}

int limit_of(const HttpRequest& request, int fallback, int max) {
  std::string_view text = request.query_param("limit");
  int limit = fallback;
  if (!text.empty()) std::from_chars(text.data(), text.data() + text.size(), limit);
  return std::clamp(limit, 1, max);
}

Json json_or_null(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  Json parsed = Json::parse(*text, nullptr, false);
  return parsed.is_discarded() ? Json(*text) : parsed;
}

}  // namespace

AdminApi::AdminApi(store::Store& store, SnapshotLoader& loader, const SnapshotPublisher& publisher,
                   FlagEventRecipients recipients, WallClock now)
    : store_(store),
      loader_(loader),
      publisher_(publisher),
      recipients_(std::move(recipients)),
      now_(now ? std::move(now) : [] { return std::chrono::system_clock::now(); }) {}

template <typename Operation>
HttpResponse AdminApi::guarded(Operation&& operation) {
  try {
    return operation();
  } catch (const std::invalid_argument& e) {
    // The store refuses arguments no database could accept (an empty key, say).
    return HttpResponse::error(400, "invalid_argument", e.what());
  } catch (const store::StoreUnavailable& e) {
    return HttpResponse::error(503, "store_unavailable",
                               std::string("the store cannot be reached; evaluation continues "
                                           "from the last snapshot: ") +
                                   e.what());
  }
}

HttpResponse AdminApi::list_flags(const HttpRequest& request) {
  return guarded([&] {
    const std::string_view tag = request.query_param("tag");
    const std::string_view kind = request.query_param("kind");
    const std::string_view owner = request.query_param("owner");
    const bool archived = request.query_param("archived") == "true";
    Json flags = Json::array();
    std::set<std::string> in_rollout;
    for (const auto& rollout : store_.list_rollouts(/*include_finished=*/false))
      in_rollout.insert(rollout.flag);
    const auto now = now_();
    for (const auto& record : store_.list_flags(archived)) {
      auto body = flag_body(record);
      if (!body) continue;
      Json definition = Json::parse(*body);
      if (!kind.empty() && definition.value("kind", "release") != kind) continue;
      if (!owner.empty() && definition.value("owner", "") != owner) continue;
      if (!tag.empty()) {
        const auto& tags = definition.contains("tags") ? definition["tags"] : Json::array();
        if (std::find(tags.begin(), tags.end(), Json(tag)) == tags.end()) continue;
      }
      LoadResult parsed = read_single_flag_json(*body);
      const bool stale = parsed.ok() && !parsed.definitions.flags.empty() &&
                         is_stale(parsed.definitions.flags.front(), record.enabled,
                                  record.updated_at, in_rollout.contains(record.key), now);
      flags.push_back({{"key", record.key},
                       {"enabled", record.enabled},
                       {"archived", record.archived},
                       {"version", record.version},
                       {"updatedAt", record.updated_at},
                       {"updatedBy", record.updated_by},
                       {"stale", stale},
                       {"definition", std::move(definition)}});
    }
    return HttpResponse::json(200, Json{{"flags", std::move(flags)}}.dump());
  });
}

HttpResponse AdminApi::get_flag(const HttpRequest& request) {
  return guarded([&] {
    std::string_view key = request.path_param("key");
    auto record = store_.get_flag(key);
    if (!record || record->archived) {
      return HttpResponse::error(404, "not_found",
                                 "flag '" + std::string(key) + "' does not exist");
    }
    return flag_response(200, *record);
  });
}

HttpResponse AdminApi::write_flag(const HttpRequest& request, std::string_view body, bool create,
                                  std::string_view actor) {
  if (loader_.files_managed()) return managed_by_files(loader_);
  std::optional<std::int64_t> expected;
  if (auto error = expected_version(request, expected)) return std::move(*error);
  LoadResult read = read_single_flag_json(body);
  if (!read.ok()) return invalid(read.diagnostics);
  FlagDefinition flag = std::move(read.definitions.flags.at(0));
  if (!create && flag.key != request.path_param("key")) {
    return HttpResponse::error(400, "key_mismatch",
                               "the body's key '" + flag.key + "' differs from the URL's '" +
                                   std::string(request.path_param("key")) + "'",
                               "key");
  }
  FlagSet candidate = current_definitions(publisher_);
  replace_by_key(candidate.flags, flag);
  CompileResult compiled = compile_snapshot(std::move(candidate));
  if (!compiled.snapshot) return invalid(compiled.diagnostics);

  const std::string json = flag_to_json(flag);
  store::WriteResult result = create ? store_.create_flag(flag.key, json, flag.enabled, actor)
                                     : store_.update_flag(flag.key, json, expected, actor);
  if (result.status != store::WriteStatus::Ok) {
    return refused(result.status, "flag", flag.key, result.version);
  }
  loader_.reload();
  auto record = store_.get_flag(flag.key);
  if (!record) return HttpResponse::error(404, "not_found", "flag '" + flag.key + "' vanished");
  return flag_response(create ? 201 : 200, *record);
}

HttpResponse AdminApi::create_flag(const HttpRequest& request, std::string_view actor) {
  if (auto error = require_json(request)) return std::move(*error);
  return guarded([&] { return write_flag(request, request.body, true, actor); });
}

HttpResponse AdminApi::replace_flag(const HttpRequest& request, std::string_view actor) {
  if (auto error = require_json(request)) return std::move(*error);
  return guarded([&] { return write_flag(request, request.body, false, actor); });
}

// JSON Merge Patch (RFC 7396) on the stored definition, then the same checks as a replace. Without
// If-Match the version read here is the precondition, so a concurrent change is not overwritten.
HttpResponse AdminApi::patch_flag(const HttpRequest& request, std::string_view actor) {
  if (auto error = require_json(request, /*merge_patch=*/true)) return std::move(*error);
  return guarded([&] {
    if (loader_.files_managed()) return managed_by_files(loader_);
    std::string_view key = request.path_param("key");
    auto record = store_.get_flag(key);
    if (!record || record->archived) {
      return HttpResponse::error(404, "not_found",
                                 "flag '" + std::string(key) + "' does not exist");
    }
    nlohmann::json patch = nlohmann::json::parse(request.body, nullptr, false);
    if (patch.is_discarded() || !patch.is_object()) {
      return HttpResponse::error(400, "invalid_json", "a merge patch must be a JSON object");
    }
    nlohmann::ordered_json definition = nlohmann::ordered_json::parse(record->definition_json);
    definition.merge_patch(nlohmann::ordered_json(patch));
    HttpRequest conditional = request;
    if (conditional.header("If-Match").empty()) {
      conditional.headers.push_back({"If-Match", etag(record->version)});
    }
    return write_flag(conditional, definition.dump(), false, actor);
  });
}

HttpResponse AdminApi::archive_flag(const HttpRequest& request, std::string_view actor) {
  return guarded([&] {
    if (loader_.files_managed()) return managed_by_files(loader_);
    std::optional<std::int64_t> expected;
    if (auto error = expected_version(request, expected)) return std::move(*error);
    std::string_view key = request.path_param("key");
    FlagSet candidate = current_definitions(publisher_);
    remove_by_key(candidate.flags, key);
    CompileResult compiled = compile_snapshot(std::move(candidate));
    if (!compiled.snapshot) {
      return HttpResponse::error(409, "in_use",
                                 "flag '" + std::string(key) + "' cannot be archived: " +
                                     compiled.diagnostics.front().message);
    }
    store::WriteResult result = store_.archive_flag(key, expected, actor);
    if (result.status != store::WriteStatus::Ok) {
      return refused(result.status, "flag", key, result.version);
    }
    loader_.reload();
    return HttpResponse::json(
        200, Json{{"key", key}, {"archived", true}, {"version", result.version}}.dump());
  });
}

HttpResponse AdminApi::set_enabled(const HttpRequest& request, bool enabled,
                                   std::string_view actor) {
  return guarded([&] {
    std::string_view key = request.path_param("key");
    // An optional {"reason": "..."} goes into the notification; an empty body is fine.
    std::string reason;
    if (!request.body.empty()) {
      const Json body = Json::parse(request.body, nullptr, /*allow_exceptions=*/false);
      if (!body.is_object()) {
        return HttpResponse::error(400, "invalid_json", "the body must be a JSON object");
      }
      if (auto it = body.find("reason"); it != body.end()) {
        if (!it->is_string()) {
          return HttpResponse::error(400, "invalid_field", "reason must be text", "reason");
        }
        reason = it->get<std::string>();
      }
    }
    store::FlagOutbox outbox;
    if (recipients_) {
      std::vector<std::string> policy_targets;
      if (auto rollout = store_.latest_rollout(key); rollout && rollout->active)
        policy_targets = policy_notify_targets(rollout->policy_json);
      outbox = flag_event_outbox(recipients_(flag_event_kind(enabled), policy_targets),
                                 std::string(actor), std::move(reason));
    }
    store::WriteResult result = store_.set_enabled(key, enabled, actor, outbox);
    if (result.status != store::WriteStatus::Ok) {
      return refused(result.status, "flag", key, result.version);
    }
    loader_.reload();
    HttpResponse response = HttpResponse::json(
        200, Json{{"key", key}, {"enabled", enabled}, {"version", result.version}}.dump());
    response.set_header("ETag", etag(result.version));
    return response;
  });
}

HttpResponse AdminApi::list_segments(const HttpRequest&) {
  return guarded([&] {
    Json segments = Json::array();
    for (const auto& record : store_.list_segments()) {
      Json definition = Json::parse(record.definition_json, nullptr, false);
      segments.push_back({{"key", record.key},
                          {"version", record.version},
                          {"updatedAt", record.updated_at},
                          {"updatedBy", record.updated_by},
                          {"definition", std::move(definition)}});
    }
    return HttpResponse::json(200, Json{{"segments", std::move(segments)}}.dump());
  });
}

HttpResponse AdminApi::get_segment(const HttpRequest& request) {
  return guarded([&] {
    std::string_view key = request.path_param("key");
    auto record = store_.get_segment(key);
    if (!record) {
      return HttpResponse::error(404, "not_found",
                                 "segment '" + std::string(key) + "' does not exist");
    }
    HttpResponse response = HttpResponse::json(200, record->definition_json);
    response.set_header("ETag", etag(record->version));
    return response;
  });
}

HttpResponse AdminApi::write_segment(const HttpRequest& request, bool create,
                                     std::string_view actor) {
  if (auto error = require_json(request)) return std::move(*error);
  return guarded([&] {
    if (loader_.files_managed()) return managed_by_files(loader_);
    std::optional<std::int64_t> expected;
    if (auto error = expected_version(request, expected)) return std::move(*error);
    LoadResult read = read_single_segment_json(request.body);
    if (!read.ok()) return invalid(read.diagnostics);
    SegmentDefinition segment = std::move(read.definitions.segments.at(0));
    if (!create && segment.key != request.path_param("key")) {
      return HttpResponse::error(400, "key_mismatch",
                                 "the body's key '" + segment.key + "' differs from the URL's",
                                 "key");
    }
    FlagSet candidate = current_definitions(publisher_);
    replace_by_key(candidate.segments, segment);
    CompileResult compiled = compile_snapshot(std::move(candidate));
    if (!compiled.snapshot) return invalid(compiled.diagnostics);
    const std::string json = segment_to_json(segment);
    store::WriteResult result = create ? store_.create_segment(segment.key, json, actor)
                                       : store_.update_segment(segment.key, json, expected, actor);
    if (result.status != store::WriteStatus::Ok) {
      return refused(result.status, "segment", segment.key, result.version);
    }
    loader_.reload();
    HttpResponse response = HttpResponse::json(create ? 201 : 200, json);
    response.set_header("ETag", etag(result.version));
    return response;
  });
}

HttpResponse AdminApi::create_segment(const HttpRequest& request, std::string_view actor) {
  return write_segment(request, true, actor);
}

HttpResponse AdminApi::replace_segment(const HttpRequest& request, std::string_view actor) {
  return write_segment(request, false, actor);
}

HttpResponse AdminApi::delete_segment(const HttpRequest& request, std::string_view actor) {
  return guarded([&] {
    if (loader_.files_managed()) return managed_by_files(loader_);
    std::optional<std::int64_t> expected;
    if (auto error = expected_version(request, expected)) return std::move(*error);
    std::string_view key = request.path_param("key");
    FlagSet candidate = current_definitions(publisher_);
    remove_by_key(candidate.segments, key);
    CompileResult compiled = compile_snapshot(std::move(candidate));
    if (!compiled.snapshot) {
      return HttpResponse::error(409, "in_use",
                                 "segment '" + std::string(key) +
                                     "' is still used: " + compiled.diagnostics.front().message);
    }
    store::WriteResult result = store_.delete_segment(key, expected, actor);
    if (result.status != store::WriteStatus::Ok) {
      return refused(result.status, "segment", key, result.version);
    }
    loader_.reload();
    HttpResponse response;
    response.status = 204;
    return response;
  });
}

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
