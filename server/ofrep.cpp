#include "ofrep.hpp"

#include <nlohmann/json.hpp>
#include <optional>

#include "evaluation_explanation.hpp"
#include "sluice/context_json.hpp"

namespace sluice::server {
namespace {

// Reads `{"context": {...}}`; on failure fills `error` with the OFREP response to send.
std::optional<Context> read_context(std::string_view body, std::string_view key,
                                    std::optional<HttpResponse>& error,
                                    nlohmann::json* context_json = nullptr) {
  nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    error = ofrep_failure(400, key, "PARSE_ERROR", "the request body is not valid JSON");
    return std::nullopt;
  }
  if (!json.is_object() || !json.contains("context") || !json["context"].is_object()) {
    error = ofrep_failure(400, key, "INVALID_CONTEXT", "the request body needs a 'context' object");
    return std::nullopt;
  }
  std::string message;
  auto context = context_from_json(json["context"], message);
  if (!context) {
    error = ofrep_failure(400, key, "INVALID_CONTEXT", message);
    return std::nullopt;
  }
  if (context_json != nullptr) *context_json = std::move(json["context"]);
  return context;
}

void append_success(std::string& out, std::string_view key, const Evaluation& e) {
  out += "{\"key\":";
  append_json_string(out, key);
  out += ",\"value\":";
  e.value->append_json(out);
  out += ",\"reason\":\"";
  out += to_string(e.reason);
  out += "\",\"variant\":";
  append_json_string(out, e.variant);
  out += '}';
}

// The errorDetails of a failed evaluation. A missing bucketing key names the attribute, in the
// words of the admin evaluate endpoint's explanation (server/evaluation_explanation.cpp).
std::string details_of(const Snapshot& snapshot, std::string_view key, const Evaluation& e) {
  switch (e.error) {
    case ErrorCode::TargetingKeyMissing:
      // Only on this error path: a scan of the definitions, nothing on the hot path.
      for (const FlagDefinition& flag : snapshot.definitions().flags) {
        if (flag.key != key) continue;
        if (std::string text = missing_bucket_key_text(flag, e); !text.empty()) return text;
      }
      return "the context lacks the attribute this flag's split buckets by";
    case ErrorCode::FlagNotFound:
      return "flag not found";
    default:
      return "the flag could not be evaluated";
  }
}

// FNV-1a, 64 bits: the ETag needs a short stable digest, not a cryptographic one.
std::uint64_t fnv1a(std::string_view s, std::uint64_t h = 14695981039346656037ull) {
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

HttpResponse ofrep_failure(int status, std::string_view key, std::string_view code,
                           std::string_view details) {
  std::string body = "{";
  if (!key.empty()) {
    body += "\"key\":";
    append_json_string(body, key);
    body += ',';
  }
  body += "\"errorCode\":";
  append_json_string(body, code);
  body += ",\"errorDetails\":";
  append_json_string(body, details);
  body += '}';
  return HttpResponse::json(status, std::move(body));
}

HttpResponse ofrep_evaluate_flag(const Snapshot& snapshot, std::string_view key,
                                 std::string_view body, const EvaluationObserver& observe) {
  std::optional<HttpResponse> error;
  auto context = read_context(body, key, error);
  if (!context) return std::move(*error);
  auto handle = snapshot.find(key);
  if (!handle) {
    return ofrep_failure(404, key, "FLAG_NOT_FOUND",
                         "flag '" + std::string(key) + "' was not found");
  }
  PreparedContext prepared = snapshot.prepare(*context);
  Evaluation e = snapshot.evaluate(*handle, prepared);
  if (observe) observe(key, e);
  if (e.error != ErrorCode::None)
    return ofrep_failure(400, key, to_string(e.error), details_of(snapshot, key, e));
  std::string out;
  append_success(out, key, e);
  return HttpResponse::json(200, std::move(out));
}

HttpResponse ofrep_evaluate_all(const Snapshot& snapshot, std::string_view snapshot_version,
                                std::string_view body, std::string_view if_none_match,
                                const EvaluationObserver& observe) {
  std::optional<HttpResponse> error;
  nlohmann::json context_json;
  auto context = read_context(body, {}, error, &context_json);
  if (!context) return std::move(*error);

  // nlohmann::json keeps keys sorted, so equal contexts dump to equal text.
  char etag[48];
  std::snprintf(
      etag, sizeof etag, "\"%016llx\"",
      static_cast<unsigned long long>(fnv1a(context_json.dump(), fnv1a(snapshot_version))));
  if (!if_none_match.empty() && if_none_match == etag) {
    HttpResponse not_modified;
    not_modified.status = 304;
    not_modified.set_header("ETag", etag);
    return not_modified;
  }

  PreparedContext prepared = snapshot.prepare(*context);
  std::string out = "{\"flags\":[";
  for (std::size_t i = 0; i < snapshot.flag_count(); ++i) {
    FlagHandle handle{static_cast<std::uint32_t>(i)};
    std::string_view key = snapshot.flag_key(handle);
    if (i != 0) out += ',';
    Evaluation e = snapshot.evaluate(handle, prepared);
    if (observe) observe(key, e);
    if (e.error != ErrorCode::None) {
      out += "{\"key\":";
      append_json_string(out, key);
      out += ",\"errorCode\":\"";
      out += to_string(e.error);
      out += "\",\"errorDetails\":";
      append_json_string(out, details_of(snapshot, key, e));
      out += '}';
    } else {
      append_success(out, key, e);
    }
  }
  out += "],\"metadata\":{\"version\":";
  append_json_string(out, snapshot_version);
  out += "}}";
  HttpResponse response = HttpResponse::json(200, std::move(out));
  response.set_header("ETag", etag);
  return response;
}

}  // namespace sluice::server
