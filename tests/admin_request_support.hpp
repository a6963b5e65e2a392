#pragma once

#include <string>
#include <utility>
#include <vector>

#include "http_message.hpp"

// A JSON request for calling the admin API's handlers directly (no network, no router).
namespace sluice::server::test_support {

inline HttpRequest request(std::string method, std::string body = {},
                           std::vector<std::pair<std::string, std::string>> params = {}) {
  HttpRequest r;
  r.method = std::move(method);
  r.body = std::move(body);
  r.path_params = std::move(params);
  r.headers.push_back({"Content-Type", "application/json"});
  return r;
}

}  // namespace sluice::server::test_support
