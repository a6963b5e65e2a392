#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

// Plain request and response values: the request logic (routes, OFREP, the admin API) is a
// function from one to the other and knows nothing about sockets, so it is tested without a
// network. Only server/http_server.cpp knows Boost.Beast.
namespace sluice::server {

struct HttpHeader {
  std::string name;  // as received; looked up case-insensitively
  std::string value;
};

struct HttpRequest {
  std::string method;                                      // "GET", "POST", ...
  std::string target;                                      // path and query as received
  std::string path;                                        // percent-decoded path without the query
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  std::vector<HttpHeader> headers;
  std::string body;
  std::vector<std::pair<std::string, std::string>> path_params;  // filled by the router
  std::string remote;  // the peer as "address:port", set by the server (logs, limits)

  // First header with this name (case-insensitive), or empty.
  std::string_view header(std::string_view name) const;
  std::string_view query_param(std::string_view name) const;
  std::string_view path_param(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::vector<HttpHeader> headers;
  std::string body;

  HttpResponse& set_header(std::string name, std::string value);
  std::string_view header(std::string_view name) const;

  // A JSON body with Content-Type application/json.
  static HttpResponse json(int status, std::string body);
  // The error body every API route uses: {"code", "message", "field"?}.
  static HttpResponse error(int status, std::string_view code, std::string_view message,
                            std::string_view field = {});
};

}  // namespace sluice::server
