#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http_message.hpp"

// Routing by method and path pattern. Knows nothing about sockets: the HTTP server asks it for a
// match and calls the handler; tests call dispatch() directly.
namespace sluice::server {

class EventSink;

// Handlers are asynchronous so blocking work (database calls) can run on a worker pool and answer
// later. Respond may be called from any thread, exactly once; later calls are ignored.
using Respond = std::function<void(HttpResponse)>;
using Handler = std::function<void(HttpRequest&&, Respond)>;
using SyncHandler = std::function<HttpResponse(const HttpRequest&)>;
// A Server-Sent Events route. Return std::nullopt to accept: the server sends the stream headers
// and then whatever is sent through the sink. Return a response (401, 400, ...) to refuse.
using StreamHandler =
    std::function<std::optional<HttpResponse>(const HttpRequest&, std::shared_ptr<EventSink>)>;

struct Route {
  std::string method;
  std::string pattern;                // also the stable route name used as a metrics label
  Handler handler;                    // set for ordinary routes
  StreamHandler stream;               // set for streaming routes
  std::vector<std::string> segments;  // pattern split at '/'; "{name}" marks a parameter
};

struct RouteMatch {
  enum class Outcome { found, not_found, method_not_allowed };
  Outcome outcome = Outcome::not_found;
  const Route* route = nullptr;  // when found
  std::string allow;             // when method_not_allowed: "GET, POST"

  // The metrics label: the pattern, or a fixed name for requests that matched nothing, so label
  // cardinality stays bounded whatever paths clients send.
  std::string_view name() const;
};

// Route name used for requests that match no route (404, 405, 400).
inline constexpr std::string_view kUnmatchedRoute = "unmatched";

class Router {
 public:
  // Patterns look like "/v1/flags/{key}/kill". Throws std::invalid_argument on a malformed
  // pattern (a programmer error, found at start-up).
  void add(std::string method, std::string pattern, Handler handler);
  void add_sync(std::string method, std::string pattern, SyncHandler handler);
  // Streaming routes answer GET only.
  void add_stream(std::string pattern, StreamHandler handler);
  // Answers GET and HEAD requests that match no route and whose path `accepts` takes (the
  // dashboard serves its client-side routes this way). `name` is its metrics label.
  void set_fallback(std::string name, std::function<bool(std::string_view path)> accepts,
                    SyncHandler handler);

  // Finds the route for the request and fills request.path_params (percent-decoded) when found.
  // Matches on the raw path of request.target when set (so an encoded "/" stays inside one
  // segment), else on request.path.
  RouteMatch match(HttpRequest& request) const;

  // Routes one ordinary request without a network: 404/405 JSON when nothing matches, 500 JSON
  // when the handler throws. Streaming routes answer 400 here (they need a connection).
  void dispatch(HttpRequest&& request, Respond respond) const;

  // Calls an ordinary route's handler; an exception becomes a 500 JSON response and a log line.
  // A body nested too deep is answered 400 without calling it (request_body_check.hpp).
  static void invoke(const Route& route, HttpRequest&& request, const Respond& respond);

  // The responses for requests that match no route.
  static HttpResponse not_found(const HttpRequest& request);
  static HttpResponse method_not_allowed(const HttpRequest& request, std::string allow);
  static HttpResponse internal_error();

 private:
  std::vector<Route> routes_;
  Route fallback_;  // no handler: none
  std::function<bool(std::string_view)> fallback_accepts_;
};

// Fills request.path (decoded) and request.query (decoded, in order) from request.target.
// Returns false when the target is not a valid origin-form target (the server answers 400).
bool parse_target(HttpRequest& request);

}  // namespace sluice::server
