#include "rollout_api.hpp"

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "diagnostics_response.hpp"
#include "rollout_json.hpp"
#include "sluice/policy_json.hpp"
#include "sluice/policy_loader.hpp"
#include "sluice/store/errors.hpp"

namespace sluice::server {
namespace {

using Json = nlohmann::ordered_json;

bool is_json(const HttpRequest& request) {
  return media_type(request) == "application/json";
}

HttpResponse invalid_policy(const Diagnostics& problems) {
  return diagnostics_response("invalid_policy", problems);
}

std::optional<std::int64_t> int_param(std::string_view text) {
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

RolloutApi::RolloutApi(store::Store& store, controller::RolloutService& service,
                       controller::PolicyCache& policies, SnapshotLoader& loader)
    : store_(store), service_(service), policies_(policies), loader_(loader) {}

template <typename Operation>
HttpResponse RolloutApi::guarded(Operation&& operation) {
  try {
    return operation();
  } catch (const std::invalid_argument& e) {
    return HttpResponse::error(400, "invalid_argument", e.what());
  } catch (const store::StoreUnavailable& e) {
    return HttpResponse::error(503, "store_unavailable",
                               std::string("the store cannot be reached: ") + e.what());
  }
}

HttpResponse RolloutApi::start(const HttpRequest& request, std::string_view actor) {
  return guarded([&] {
    if (!is_json(request)) {
      return HttpResponse::error(415, "unsupported_media_type", "send application/json");
    }
    PolicyLoadResult read = read_single_policy_json(request.body);
    if (!read.ok()) return invalid_policy(read.diagnostics);
    if (read.policies.size() != 1) {
      return HttpResponse::error(400, "invalid_policy", "send exactly one policy");
    }
    const Policy& policy = read.policies.front();
    controller::StartOutcome outcome = service_.start(policy, actor);
    using Status = controller::StartOutcome::Status;
    switch (outcome.status) {
      case Status::invalid:
        return invalid_policy(outcome.problems);
      case Status::flag_not_found:
        return HttpResponse::error(404, "flag_not_found",
                                   "no flag '" + policy.flag + "' to roll out", "flag");
      case Status::active_exists:
        return HttpResponse::error(409, "rollout_active",
                                   "flag '" + policy.flag + "' already has an active rollout (" +
                                       std::to_string(outcome.rollout ? outcome.rollout->id : 0) +
                                       "); abort or finish it first");
      case Status::started:
        break;
    }
    loader_.reload();
    const auto& record = *outcome.rollout;
    Json body =
        controller::rollout_view(record, policy, controller::state_from_json(record.state_json));
    body["policy"] = Json::parse(policy_to_json(policy));
    auto response = HttpResponse::json(201, body.dump());
    response.headers.emplace_back("Location", "/v1/rollouts/" + policy.flag);
    return response;
  });
}

HttpResponse RolloutApi::list(const HttpRequest& request) {
  return guarded([&] {
    const bool all = request.query_param("all") == "true";
    Json rollouts = Json::array();
    for (const auto& record : store_.list_rollouts(all)) {
      try {
        rollouts.push_back(controller::rollout_view(
            record, *policies_.policy_of(record), controller::state_from_json(record.state_json)));
      } catch (const std::runtime_error& e) {
        rollouts.push_back({{"id", record.id}, {"flag", record.flag}, {"error", e.what()}});
      }
    }
    return HttpResponse::json(200, Json{{"rollouts", std::move(rollouts)}}.dump());
  });
}

HttpResponse RolloutApi::get(const HttpRequest& request) {
  return guarded([&] {
    const std::string flag(request.path_param("flag"));
    auto record = store_.latest_rollout(flag);
    if (!record) {
      return HttpResponse::error(404, "rollout_not_found", "flag '" + flag + "' has no rollout");
    }
    const auto policy = policies_.policy_of(*record);
    Json body =
        controller::rollout_view(*record, *policy, controller::state_from_json(record->state_json));
    body["policy"] = Json::parse(policy_to_json(*policy));
    auto last = store_.decisions(record->id, std::max<std::int64_t>(0, record->sequence - 1), 1);
    body["last_decision"] = last.empty() ? Json(nullptr) : controller::decision_view(last.back());
    return HttpResponse::json(200, body.dump());
  });
}

HttpResponse RolloutApi::decisions(const HttpRequest& request) {
  return guarded([&] {
    const std::string flag(request.path_param("flag"));
    std::optional<store::RolloutRecord> record;
    if (auto id = request.query_param("rollout"); !id.empty()) {
      auto parsed = int_param(id);
      if (!parsed)
        return HttpResponse::error(400, "invalid_query", "rollout must be an id", "rollout");
      record = store_.get_rollout(*parsed);
      if (record && record->flag != flag) record.reset();
    } else {
      record = store_.latest_rollout(flag);
    }
    if (!record) {
      return HttpResponse::error(404, "rollout_not_found", "flag '" + flag + "' has no rollout");
    }
    std::int64_t after = 0;
    int limit = 100;
    if (auto text = request.query_param("after"); !text.empty()) {
      auto parsed = int_param(text);
      if (!parsed || *parsed < 0) {
        return HttpResponse::error(400, "invalid_query", "after must be a sequence number",
                                   "after");
      }
      after = *parsed;
    }
    if (auto text = request.query_param("limit"); !text.empty()) {
      auto parsed = int_param(text);
      if (!parsed || *parsed < 1 || *parsed > 1000) {
        return HttpResponse::error(400, "invalid_query", "limit must be 1..1000", "limit");
      }
      limit = static_cast<int>(*parsed);
    }
    Json list = Json::array();
    std::int64_t last = after;
    for (const auto& d : store_.decisions(record->id, after, limit)) {
      list.push_back(controller::decision_view(d));
      last = d.sequence;
    }
    Json body = {{"rollout_id", record->id}, {"flag", flag}, {"decisions", std::move(list)}};
    body["next_after"] = last < record->sequence ? Json(last) : Json(nullptr);
    return HttpResponse::json(200, body.dump());
  });
}

HttpResponse RolloutApi::command(const HttpRequest& request, std::string_view actor) {
  return guarded([&] {
    const std::string flag(request.path_param("flag"));
    const std::string name(request.path_param("command"));
    rollout::Command command;
    command.actor = std::string(actor);
    if (name == "percent") {
      command.kind = rollout::CommandKind::set_percent;
    } else if (auto kind = rollout::parse_command_kind(name);
               kind && *kind != rollout::CommandKind::set_percent) {
      command.kind = *kind;
    } else {
      return HttpResponse::error(
          404, "unknown_command",
          "no command '" + name +
              "'; use pause, resume, promote, rollback, abort, approve or percent");
    }
    Json body = Json::object();
    if (!request.body.empty()) {
      if (!is_json(request)) {
        return HttpResponse::error(415, "unsupported_media_type", "send application/json");
      }
      body = Json::parse(request.body, nullptr, false);
      if (body.is_discarded() || !body.is_object()) {
        return HttpResponse::error(400, "invalid_json", "the body must be a JSON object");
      }
    }
    if (auto it = body.find("reason"); it != body.end()) {
      if (!it->is_string()) {
        return HttpResponse::error(400, "invalid_field", "reason must be text", "reason");
      }
      command.reason = it->get<std::string>();
    }
    if (command.reason.empty()) {
      return HttpResponse::error(400, "reason_required",
                                 "say why in \"reason\": it goes into the decision log", "reason");
    }
    if (command.kind == rollout::CommandKind::set_percent) {
      auto it = body.find("percent");
      if (it == body.end() || !it->is_number() || it->get<double>() < 0 ||
          it->get<double>() > 100) {
        return HttpResponse::error(400, "invalid_field", "percent must be a number from 0 to 100",
                                   "percent");
      }
      const double bp = it->get<double>() * 100.0;
      if (std::fabs(bp - std::round(bp)) > 1e-6) {
        return HttpResponse::error(400, "invalid_field",
                                   "percent has at most two decimals (0.01% steps)", "percent");
      }
      command.basis_points = static_cast<std::uint32_t>(std::lround(bp));
    }
    controller::CommandOutcome outcome = service_.command(flag, command);
    using Status = controller::CommandOutcome::Status;
    switch (outcome.status) {
      case Status::no_rollout:
        return HttpResponse::error(404, "rollout_not_found", outcome.error);
      case Status::refused:
        return HttpResponse::error(409, "invalid_transition", outcome.error);
      case Status::busy:
        return HttpResponse::error(409, "rollout_busy", outcome.error);
      case Status::ok:
        break;
    }
    loader_.reload();
    return HttpResponse::json(
        200, Json{{"decision", controller::decision_view(*outcome.decision)}}.dump());
  });
}

}  // namespace sluice::server
