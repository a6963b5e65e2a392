#include "router.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <exception>
#include <iostream>
#include <stdexcept>

#include "request_body_check.hpp"

namespace sluice::server {
namespace {

bool is_param(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

std::vector<std::string> split_pattern(std::string_view pattern) {
  if (pattern.empty() || pattern.front() != '/') {
    throw std::invalid_argument("route pattern must start with '/': " + std::string(pattern));
  }
  std::vector<std::string> segments;
  std::size_t start = 1;
  while (true) {
    std::size_t slash = pattern.find('/', start);
    std::string_view segment = pattern.substr(start, slash - start);
    if (segment.find_first_of("{}") != std::string_view::npos && !is_param(segment)) {
      throw std::invalid_argument("malformed route parameter in: " + std::string(pattern));
    }
    segments.emplace_back(segment);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return segments;
}

// The request path as segments, each percent-decoded. Decoding after splitting keeps an encoded
// "/" (%2F) inside its segment, so a flag key may contain one.
std::optional<std::vector<std::string>> request_segments(const HttpRequest& request) {
  std::vector<std::string> segments;
  if (request.target.empty()) {
    std::string_view path = request.path;
    if (path.empty() || path.front() != '/') return std::nullopt;
    std::size_t start = 1;
    while (true) {
      std::size_t slash = path.find('/', start);
      segments.emplace_back(path.substr(start, slash - start));
      if (slash == std::string_view::npos) break;
      start = slash + 1;
    }
    return segments;
  }
  auto parsed = boost::urls::parse_origin_form(request.target);
  if (!parsed) return std::nullopt;
  for (auto segment : parsed->encoded_segments())
    segments.push_back(segment.decode());
  // "/" parses as zero segments; patterns treat it as one empty segment.
  if (segments.empty()) segments.emplace_back();
  return segments;
}

bool segments_match(const Route& route, const std::vector<std::string>& path) {
  if (route.segments.size() != path.size()) return false;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (is_param(route.segments[i])) {
      if (path[i].empty()) return false;  // "/v1/flags//kill" names no flag
    } else if (route.segments[i] != path[i]) {
      return false;
    }
  }
  return true;
}

void fill_params(const Route& route, const std::vector<std::string>& path, HttpRequest& request) {
  request.path_params.clear();
  for (std::size_t i = 0; i < path.size(); ++i) {
    const std::string& segment = route.segments[i];
    if (is_param(segment)) {
      request.path_params.emplace_back(segment.substr(1, segment.size() - 2), path[i]);
    }
  }
}

}  // namespace

std::string_view RouteMatch::name() const {
  return route != nullptr ? std::string_view(route->pattern) : kUnmatchedRoute;
}

void Router::add(std::string method, std::string pattern, Handler handler) {
  Route route;
  route.segments = split_pattern(pattern);
  route.method = std::move(method);
  route.pattern = std::move(pattern);
  route.handler = std::move(handler);
  routes_.push_back(std::move(route));
}

void Router::add_sync(std::string method, std::string pattern, SyncHandler handler) {
  add(std::move(method), std::move(pattern),
      [handler = std::move(handler)](HttpRequest&& request, Respond respond) {
        respond(handler(request));
      });
}

void Router::add_stream(std::string pattern, StreamHandler handler) {
  Route route;
  route.segments = split_pattern(pattern);
  route.method = "GET";
  route.pattern = std::move(pattern);
  route.stream = std::move(handler);
  routes_.push_back(std::move(route));
}

void Router::set_fallback(std::string name, std::function<bool(std::string_view path)> accepts,
                          SyncHandler handler) {
  fallback_ = Route{};
  fallback_.method = "GET";
  fallback_.pattern = std::move(name);
  fallback_.handler = [handler = std::move(handler)](HttpRequest&& request, Respond respond) {
    respond(handler(request));
  };
  fallback_accepts_ = std::move(accepts);
}

RouteMatch Router::match(HttpRequest& request) const {
  RouteMatch result;
  auto path = request_segments(request);
  if (!path) return result;
  for (const Route& route : routes_) {
    if (!segments_match(route, *path)) continue;
    if (route.method == request.method) {
      fill_params(route, *path, request);
      result.outcome = RouteMatch::Outcome::found;
      result.route = &route;
      result.allow.clear();
      return result;
    }
    if (result.allow.find(route.method) == std::string::npos) {
      if (!result.allow.empty()) result.allow += ", ";
      result.allow += route.method;
    }
    result.outcome = RouteMatch::Outcome::method_not_allowed;
  }
  const bool get_or_head = request.method == "GET" || request.method == "HEAD";
  if (result.outcome == RouteMatch::Outcome::not_found && fallback_.handler && get_or_head &&
      fallback_accepts_(request.path)) {
    request.path_params.clear();
    result.outcome = RouteMatch::Outcome::found;
    result.route = &fallback_;
  }
  return result;
}

void Router::dispatch(HttpRequest&& request, Respond respond) const {
  RouteMatch found = match(request);
  switch (found.outcome) {
    case RouteMatch::Outcome::not_found:
      respond(not_found(request));
      return;
    case RouteMatch::Outcome::method_not_allowed:
      respond(method_not_allowed(request, std::move(found.allow)));
      return;
    case RouteMatch::Outcome::found:
      break;
  }
  if (!found.route->handler) {
    respond(HttpResponse::error(400, "bad_request", "this route is an event stream"));
    return;
  }
  invoke(*found.route, std::move(request), respond);
}

void Router::invoke(const Route& route, HttpRequest&& request, const Respond& respond) {
  if (auto refused = refuse_request_body(request)) {
    respond(std::move(*refused));
    return;
  }
  try {
    route.handler(std::move(request), respond);
  } catch (const std::exception& e) {
    std::cerr << "sluice: handler for " << route.pattern << " threw: " << e.what() << '\n';
    respond(internal_error());
  } catch (...) {
    std::cerr << "sluice: handler for " << route.pattern << " threw\n";
    respond(internal_error());
  }
}

HttpResponse Router::not_found(const HttpRequest& request) {
  return HttpResponse::error(404, "not_found",
                             "no route for " + request.method + " " + request.path);
}

HttpResponse Router::method_not_allowed(const HttpRequest& request, std::string allow) {
  HttpResponse response =
      HttpResponse::error(405, "method_not_allowed", request.method + " is not allowed here");
  response.set_header("Allow", std::move(allow));
  return response;
}

HttpResponse Router::internal_error() {
  return HttpResponse::error(500, "internal", "internal error");
}

bool parse_target(HttpRequest& request) {
  auto parsed = boost::urls::parse_origin_form(request.target);
  if (!parsed) return false;
  request.path = parsed->path();
  if (request.path.empty()) request.path = "/";
  request.query.clear();
  boost::urls::encoding_opts options;
  options.space_as_plus = true;  // form encoding: "a+b" is "a b" in a query
  for (auto param : parsed->params(options)) {
    request.query.emplace_back(param.key, param.value);
  }
  return true;
}

}  // namespace sluice::server
