#include "diagnostics_response.hpp"

#include <nlohmann/json.hpp>
#include <string>

namespace sluice::server {

HttpResponse diagnostics_response(std::string_view code, const Diagnostics& problems) {
  using Json = nlohmann::ordered_json;
  Json body = {{"code", code}};
  if (!problems.empty()) {
    body["message"] = problems.front().message;
    body["field"] = problems.front().where.path;
  }
  Json list = Json::array();
  for (const auto& d : problems)
    list.push_back({{"message", d.message}, {"field", d.where.path}});
  body["problems"] = std::move(list);
  return HttpResponse::json(400, body.dump(-1, ' ', false, Json::error_handler_t::replace));
}

std::string_view media_type(const HttpRequest& request) {
  std::string_view type = request.header("Content-Type");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ')
    type.remove_suffix(1);
  return type;
}

}  // namespace sluice::server
