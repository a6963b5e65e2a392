#include "admin_api_support.hpp"

namespace sluice::server {

using namespace admin_detail;

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

}  // namespace sluice::server
