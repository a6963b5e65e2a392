#include "request_body_check.hpp"

#include <string>

#include "ofrep.hpp"
#include "sluice/json_text_check.hpp"

namespace sluice::server {

std::optional<HttpResponse> refuse_request_body(const HttpRequest& request) {
  const JsonTextProblem problem = check_json_text(request.body, kMaxRequestJsonDepth).problem;
  if (problem == JsonTextProblem::None) return std::nullopt;
  const std::string message = "the request body " + describe(problem, kMaxRequestJsonDepth);
  if (request.path.starts_with("/ofrep/")) {
    return ofrep_failure(400, request.path_param("key"), "PARSE_ERROR", message);
  }
  return HttpResponse::error(
      400, problem == JsonTextProblem::TooDeep ? kJsonTooDeepCode : kInvalidJsonCode, message);
}

}  // namespace sluice::server
