#include "admin_api_support.hpp"

#include <charconv>

#include "diagnostics_response.hpp"

namespace sluice::server::admin_detail {

HttpResponse invalid(const Diagnostics& problems) {
  return diagnostics_response("invalid_definition", problems);
}

std::optional<HttpResponse> require_json(const HttpRequest& request, bool merge_patch) {
  const std::string_view type = media_type(request);
  if (type == "application/json" || (merge_patch && type == "application/merge-patch+json")) {
    return std::nullopt;
  }
  return HttpResponse::error(415, "unsupported_media_type",
                             merge_patch ? "send application/json or application/merge-patch+json"
                                         : "send application/json");
}

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
    case store::WriteStatus::OverridesRollout:
      return HttpResponse::error(
          409, "overrides_rollout",
          subject + " serves its rollout's outcome; the write would change it");
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

}  // namespace sluice::server::admin_detail
