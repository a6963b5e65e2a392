#include "http_message.hpp"

#include "sluice/value.hpp"

namespace sluice::server {
namespace {

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] - 'A' + 'a') : b[i];
    if (x != y) return false;
  }
  return true;
}

std::string_view find_header(const std::vector<HttpHeader>& headers, std::string_view name) {
  for (const auto& h : headers) {
    if (equal_ignoring_case(h.name, name)) return h.value;
  }
  return {};
}

std::string_view find_pair(const std::vector<std::pair<std::string, std::string>>& pairs,
                           std::string_view name) {
  for (const auto& [key, value] : pairs) {
    if (key == name) return value;
  }
  return {};
}

}  // namespace

std::string_view HttpRequest::header(std::string_view name) const {
  return find_header(headers, name);
}

std::string_view HttpRequest::query_param(std::string_view name) const {
  return find_pair(query, name);
}

std::string_view HttpRequest::path_param(std::string_view name) const {
  return find_pair(path_params, name);
}

HttpResponse& HttpResponse::set_header(std::string name, std::string value) {
  for (auto& h : headers) {
    if (equal_ignoring_case(h.name, name)) {
      h.value = std::move(value);
      return *this;
    }
  }
  headers.push_back({std::move(name), std::move(value)});
  return *this;
}

std::string_view HttpResponse::header(std::string_view name) const {
  return find_header(headers, name);
}

HttpResponse HttpResponse::json(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  response.set_header("Content-Type", "application/json");
  return response;
}

HttpResponse HttpResponse::error(int status, std::string_view code, std::string_view message,
                                 std::string_view field) {
  std::string body = "{\"code\":";
  append_json_string(body, code);
  body += ",\"message\":";
  append_json_string(body, message);
  if (!field.empty()) {
    body += ",\"field\":";
    append_json_string(body, field);
  }
  body += '}';
  return json(status, std::move(body));
}

}  // namespace sluice::server
