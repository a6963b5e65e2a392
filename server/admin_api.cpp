#include "admin_api.hpp"

#include <algorithm>
#include <map>

#include "admin_api_support.hpp"
#include "flag_event_outbox.hpp"
#include "flag_serving.hpp"
#include "flag_staleness.hpp"

namespace sluice::server {

using namespace admin_detail;

AdminApi::AdminApi(store::Store& store, SnapshotLoader& loader, const SnapshotPublisher& publisher,
                   FlagEventRecipients recipients, WallClock now)
    : store_(store),
      loader_(loader),
      publisher_(publisher),
      recipients_(std::move(recipients)),
      now_(now ? std::move(now) : [] { return std::chrono::system_clock::now(); }) {}

HttpResponse AdminApi::list_flags(const HttpRequest& request) {
  return guarded([&] {
    const std::string_view tag = request.query_param("tag");
    const std::string_view kind = request.query_param("kind");
    const std::string_view owner = request.query_param("owner");
    const bool archived = request.query_param("archived") == "true";
    Json flags = Json::array();
    std::map<std::string, store::RolloutRecord, std::less<>> in_rollout;
    for (auto& rollout : store_.list_rollouts(/*include_finished=*/false))
      in_rollout[rollout.flag] = std::move(rollout);
    const auto published = publisher_.current().snapshot;
    std::map<std::string_view, const FlagDefinition*, std::less<>> served_flags;
    if (published) {
      for (const auto& flag : published->definitions().flags)
        served_flags[flag.key] = &flag;
    }
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
      const auto active = in_rollout.find(record.key);
      const auto served = served_flags.find(record.key);
      ServedView view = served_view(record, served == served_flags.end() ? nullptr : served->second,
                                    active == in_rollout.end() ? nullptr : &active->second,
                                    loader_.files_managed());
      flags.back()["served"] = std::move(view.served);
      flags.back()["drift"] = std::move(view.drift);
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

HttpResponse AdminApi::served_flag(const HttpRequest& request) {
  return guarded([&] {
    std::string_view key = request.path_param("key");
    auto record = store_.get_flag(key);
    if (!record || record->archived) {
      return HttpResponse::error(404, "not_found",
                                 "flag '" + std::string(key) + "' does not exist");
    }
    auto active = store_.latest_rollout(key);
    if (active && !active->active) active.reset();
    ServedView view =
        served_view(*record, find_served_flag(publisher_.current().snapshot.get(), key),
                    active ? &*active : nullptr, loader_.files_managed());
    Json body = {{"key", record->key}, {"enabled", record->enabled}};
    body["served"] = std::move(view.served);
    body["drift"] = std::move(view.drift);
    return HttpResponse::json(200, body.dump());
  });
}

// A write that changes the default (variant or split) of a flag whose rollout is running is
// refused: the rollout owns the default until it ends. Of a flag whose rollout finished, it must
// say so (?override_rollout=true): the store refuses it otherwise, with the outcome read in the
// write's own transaction.
std::optional<HttpResponse> AdminApi::check_rollout(const FlagDefinition& flag,
                                                    const std::string& json) {
  auto stored = store_.get_flag(flag.key);
  if (!stored || !changes_default(stored->definition_json, json)) return std::nullopt;
  if (auto rollout = store_.latest_rollout(flag.key); rollout && rollout->active) {
    return HttpResponse::error(409, "rollout_active",
                               "flag '" + flag.key + "' has an active rollout (" +
                                   std::to_string(rollout->id) + ", " + rollout->phase +
                                   ") that owns its default; wait for it to end or abort it "
                                   "before changing the default",
                               "default");
  }
  return std::nullopt;
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
  const std::string_view override_param = request.query_param("override_rollout");
  if (!override_param.empty() && override_param != "true" && override_param != "false") {
    return HttpResponse::error(400, "invalid_query", "override_rollout must be true or false",
                               "override_rollout");
  }
  if (!create) {
    if (auto refusal = check_rollout(flag, json)) return std::move(*refusal);
  }
  store::FlagWriteGuard guard;
  guard.overrides = [&](const store::FlagRecord& before) {
    return changes_default(before.definition_json, json);
  };
  guard.override_rollout = override_param == "true";
  store::WriteResult result = create ? store_.create_flag(flag.key, json, flag.enabled, actor)
                                     : store_.update_flag(flag.key, json, expected, actor, guard);
  if (result.status == store::WriteStatus::OverridesRollout) {
    if (auto record = store_.get_flag(flag.key); record && record->rollout_outcome) {
      const ServedView view =
          served_view(*record, find_served_flag(publisher_.current().snapshot.get(), flag.key),
                      nullptr, loader_.files_managed());
      return HttpResponse::error(
          409, "overrides_rollout",
          overrides_rollout_message(flag.key, *record->rollout_outcome, view.served["default"]),
          "default");
    }
  }
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

}  // namespace sluice::server
