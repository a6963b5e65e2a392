#pragma once

#include <optional>
#include <string_view>

#include "http_message.hpp"

// Checks every request body gets before its route's handler runs, so that no handler (and no
// route added later) meets a body that would crash it or make its error unprintable.
namespace sluice::server {

// The stable codes of the 400s below.
inline constexpr std::string_view kJsonTooDeepCode = "json_too_deep";
inline constexpr std::string_view kInvalidJsonCode = "invalid_json";

// A 400 when the body nests arrays or objects deeper than kMaxRequestJsonDepth
// (sluice/json_text_check.hpp) or is not UTF-8, else nullopt. OFREP routes (/ofrep/...) answer
// in OFREP's shape with errorCode PARSE_ERROR; the others {"code": "json_too_deep"} or
// {"code": "invalid_json"}.
std::optional<HttpResponse> refuse_request_body(const HttpRequest& request);

}  // namespace sluice::server
