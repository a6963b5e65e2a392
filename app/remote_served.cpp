#include "remote_served.hpp"

#include "remote_output.hpp"

namespace sluice::app {

using Json = nlohmann::ordered_json;

Json fetch_served(const RemoteClient& client, const std::string& key) {
  const RemoteResponse response =
      client.call("GET", "/v1/flags/" + url_escape(key) + "/served", {}, {}, {404});
  if (response.status != 200) return nullptr;
  return response.json();
}

std::string serve_text(const Json& serve) {
  if (!serve.is_object()) return "-";
  if (serve.contains("variant")) return scalar_text(serve["variant"]) + " to everyone";
  if (!serve.contains("split")) return serve.dump();
  std::string text;
  for (const auto& weight : serve["split"].value("weights", Json::array())) {
    if (!text.empty()) text += " / ";
    text += scalar_text(weight.value("variant", Json())) + " " +
            scalar_text(weight.value("weight", Json(0))) + "%";
  }
  return text;
}

std::optional<std::string> drift_text(const Json& served, const Json& file_default) {
  if (!served.is_object()) return std::nullopt;
  const Json view = served.value("served", Json::object());
  if (view.value("source", std::string()) != "rollout_outcome") return std::nullopt;
  const Json serving = view.value("default", Json());
  if (serving == file_default) return std::nullopt;
  const Json rollout = view.value("rollout", Json::object());
  return "the file says " + serve_text(file_default) + "; the rollout (" +
         scalar_text(rollout.value("id", Json())) + ") " +
         scalar_text(rollout.value("phase", Json())) + " on " +
         scalar_text(rollout.value("at", Json())) + " and the flag serves " + serve_text(serving) +
         ": update the file (or apply it with --override-rollout to serve the file's default)";
}

}  // namespace sluice::app
