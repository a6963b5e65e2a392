#pragma once

// What the admin and rollout APIs answer about a request's definition or policy.

#include <string_view>

#include "http_message.hpp"
#include "sluice/source_location.hpp"

namespace sluice::server {

// 400 {code, message, field, problems: [{message, field}]}: every problem of the body at once,
// the first one also at the top level. Invalid UTF-8 in a message is replaced, so the body is
// always JSON.
HttpResponse diagnostics_response(std::string_view code, const Diagnostics& problems);

// The media type of the request's Content-Type, without its parameters ("application/json" of
// "application/json; charset=utf-8").
std::string_view media_type(const HttpRequest& request);

}  // namespace sluice::server
