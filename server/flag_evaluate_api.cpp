#include "flag_evaluate_api.hpp"

#include <nlohmann/json.hpp>

#include "evaluation_explanation.hpp"
#include "evaluation_result_json.hpp"
#include "sluice/context_json.hpp"

namespace sluice::server {

HttpResponse evaluate_flag_explained(const Snapshot* snapshot, std::string_view key,
                                     std::string_view body) {
  if (snapshot == nullptr) return HttpResponse::error(503, "not_ready", "no flags are loaded yet");
  const FlagDefinition* flag = nullptr;
  for (const auto& candidate : snapshot->definitions().flags) {
    if (candidate.key == key) flag = &candidate;
  }
  if (flag == nullptr) {
    return HttpResponse::error(404, "flag_not_found", "no flag " + std::string(key));
  }
  nlohmann::json parsed = nlohmann::json::parse(body.empty() ? std::string_view("{}") : body,
                                                nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return HttpResponse::error(400, "invalid_json",
                               R"(the body must be a JSON object: {"context": {...}})");
  }
  // No context is an empty one: what a visitor with no attributes gets.
  const nlohmann::json& context_json =
      parsed.contains("context") ? parsed["context"] : nlohmann::json::object();
  std::string error;
  std::optional<Context> context = context_from_json(context_json, error);
  if (!context) return HttpResponse::error(400, "invalid_context", error, "context");

  const PreparedContext prepared = snapshot->prepare(*context);
  const Evaluation evaluation = snapshot->evaluate(key, prepared);
  std::string out;
  append_evaluation_json(out, key, evaluation, Value());
  out.pop_back();  // the closing brace: the explanation goes inside
  out += ",\"explanation\":";
  append_json_string(out, explain_evaluation(*snapshot, *flag, *context, prepared, evaluation));
  out += '}';
  return HttpResponse::json(200, std::move(out));
}

}  // namespace sluice::server
