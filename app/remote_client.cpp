#include "remote_client.hpp"

#include <boost/asio/io_context.hpp>
#include <cctype>
#include <cstdlib>
#include <optional>

#include "sluice/net/http_client.hpp"

namespace sluice::app {

using Json = nlohmann::ordered_json;

Json RemoteResponse::json() const {
  return Json::parse(body, nullptr, /*allow_exceptions=*/false);
}

RemoteClient::RemoteClient(RemoteOptions options) : options_(std::move(options)) {
  if (options_.server.empty()) {
    const char* env = std::getenv("SLUICE_SERVER");
    options_.server = env && *env ? env : "http://127.0.0.1:8080";
  }
  while (!options_.server.empty() && options_.server.back() == '/')
    options_.server.pop_back();
  if (options_.token.empty()) {
    if (const char* env = std::getenv("SLUICE_TOKEN")) options_.token = env;
  }
}

RemoteResponse RemoteClient::send(const std::string& method, const std::string& path,
                                  const std::string& body,
                                  const std::map<std::string, std::string>& headers) const {
  net::HttpRequest request;
  request.method = method;
  request.url = options_.server + path;
  request.headers = headers;
  if (!options_.token.empty()) request.headers["Authorization"] = "Bearer " + options_.token;
  if (!body.empty()) request.headers.emplace("Content-Type", "application/json");
  request.headers.emplace("Accept", "application/json");
  request.body = body;
  request.timeout = std::chrono::milliseconds(static_cast<long long>(options_.timeout * 1000));

  boost::asio::io_context io;
  net::HttpClient client(io);
  std::optional<net::HttpResult> result;
  client.send(std::move(request), [&](net::HttpResult r) { result = std::move(r); });
  io.run();
  if (!result || !result->ok()) {
    const std::string why = result ? result->error : "no answer";
    throw RemoteError("cannot reach the server at " + options_.server + ": " + why,
                      kExitUnreachable);
  }
  RemoteResponse response;
  response.status = result->response->status;
  response.headers = std::move(result->response->headers);
  response.body = std::move(result->response->body);
  return response;
}

RemoteResponse RemoteClient::call(const std::string& method, const std::string& path,
                                  const std::string& body,
                                  const std::map<std::string, std::string>& headers,
                                  std::initializer_list<int> accepted) const {
  RemoteResponse response = send(method, path, body, headers);
  if (response.status >= 200 && response.status < 300) return response;
  for (int status : accepted)
    if (status == response.status) return response;
  std::string message = error_message(response);
  if (response.status == 401 && options_.token.empty())
    message += "\n  no token was sent: give --token or set SLUICE_TOKEN";
  throw RemoteError(message, exit_code_for_status(response.status));
}

int exit_code_for_status(int status) {
  switch (status) {
    case 404:
      return kExitNotFound;
    case 401:
    case 403:
      return kExitDenied;
    case 409:
      return kExitConflict;
    default:
      return kExitServer;
  }
}

std::string error_message(const RemoteResponse& response) {
  const Json body = response.json();
  if (!body.is_object() || !body.contains("message")) {
    std::string text = "the server answered " + std::to_string(response.status);
    if (!response.body.empty() && response.body.size() < 300) text += ": " + response.body;
    return text;
  }
  std::string text = body.value("message", std::string());
  if (body.contains("code") && body["code"].is_string())
    text += " (" + body["code"].get<std::string>() + ")";
  const auto field = body.find("field");
  if (field != body.end() && field->is_string() && !field->get<std::string>().empty())
    text += "\n  field: " + field->get<std::string>();
  const auto problems = body.find("problems");
  if (problems != body.end() && problems->is_array() && problems->size() > 1) {
    for (const auto& p : *problems) {
      if (p.is_string()) {
        text += "\n  " + p.get<std::string>();
      } else if (p.is_object()) {
        std::string line = p.value("field", std::string());
        if (!line.empty()) line += ": ";
        text += "\n  " + line + p.value("message", std::string());
      }
    }
  }
  return text;
}

std::string url_escape(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace sluice::app
