#include "service_routes.hpp"

#include <charconv>
#include <nlohmann/json.hpp>

#include "dashboard_assets.hpp"
#include "flag_evaluate_api.hpp"
#include "sluice/flag_loader.hpp"
#include "sluice/store/errors.hpp"

namespace sluice::server {
namespace {

using Json = nlohmann::ordered_json;

Json flag_json(const FlagDefinition& flag) {
  return Json::parse(flag_to_json(flag));
}

const FlagDefinition* find_flag(const FlagSet& set, std::string_view key) {
  for (const auto& flag : set.flags) {
    if (flag.key == key) return &flag;
  }
  return nullptr;
}

const SegmentDefinition* find_segment(const FlagSet& set, std::string_view key) {
  for (const auto& segment : set.segments) {
    if (segment.key == key) return &segment;
  }
  return nullptr;
}

}  // namespace

ServiceRoutes::ServiceRoutes(ServiceParts parts) : parts_(parts) {
  if (parts_.metrics != nullptr) {
    evaluation_metrics_ = std::make_unique<EvaluationMetrics>(*parts_.metrics->registry());
    evaluation_metrics_->set_snapshot_version(parts_.publisher.version());
    observe_ = [metrics = evaluation_metrics_.get()](std::string_view key, const Evaluation& e) {
      metrics->observe(key, e);
    };
  }
}

Handler ServiceRoutes::authorized(Access access, Guarded handler) {
  return [this, access, handler = std::move(handler)](HttpRequest&& request, Respond respond) {
    const std::string authorization(request.header("Authorization"));
    bool needs_store = false;
    auto principal = parts_.auth.authenticate(authorization, /*cache_only=*/true, &needs_store);
    auto finish = [access, handler](HttpRequest&& r, Respond done,
                                    const std::optional<Principal>& who) {
      if (!who) return done(unauthorized());
      if (!scope_allows(who->scope, access)) return done(forbidden());
      handler(std::move(r), std::move(done), *who);
    };
    if (principal || !needs_store) return finish(std::move(request), std::move(respond), principal);
    // Not in the cache and the cache is not authoritative: ask the store off the event loop.
    auto shared = std::make_shared<HttpRequest>(std::move(request));
    parts_.workers.post([this, shared, respond, finish, authorization] {
      try {
        auto who = parts_.auth.authenticate(authorization, /*cache_only=*/false);
        finish(std::move(*shared), respond, who);
      } catch (const store::StoreUnavailable&) {
        respond(HttpResponse::error(503, "store_unavailable", "cannot check the token now"));
      }
    });
  };
}

Handler ServiceRoutes::admin_read(HttpResponse (AdminApi::*method)(const HttpRequest&)) {
  return authorized(
      Access::Read, [this, method](HttpRequest&& request, Respond respond, const Principal&) {
        auto shared = std::make_shared<HttpRequest>(std::move(request));
        parts_.workers.post(
            [this, method, shared, respond] { respond((parts_.admin.*method)(*shared)); });
      });
}

Handler ServiceRoutes::admin_write(HttpResponse (AdminApi::*method)(const HttpRequest&,
                                                                    std::string_view)) {
  return authorized(Access::Write,
                    [this, method](HttpRequest&& request, Respond respond, const Principal& who) {
                      auto shared = std::make_shared<HttpRequest>(std::move(request));
                      parts_.workers.post([this, method, shared, respond, actor = who.name] {
                        respond((parts_.admin.*method)(*shared, actor));
                      });
                    });
}

Handler ServiceRoutes::rollout_read(HttpResponse (RolloutApi::*method)(const HttpRequest&)) {
  return authorized(
      Access::Read, [this, method](HttpRequest&& request, Respond respond, const Principal&) {
        auto shared = std::make_shared<HttpRequest>(std::move(request));
        parts_.workers.post(
            [this, method, shared, respond] { respond((parts_.rollouts->*method)(*shared)); });
      });
}

Handler ServiceRoutes::rollout_write(HttpResponse (RolloutApi::*method)(const HttpRequest&,
                                                                        std::string_view)) {
  return authorized(Access::Write,
                    [this, method](HttpRequest&& request, Respond respond, const Principal& who) {
                      auto shared = std::make_shared<HttpRequest>(std::move(request));
                      parts_.workers.post([this, method, shared, respond, actor = who.name] {
                        respond((parts_.rollouts->*method)(*shared, actor));
                      });
                    });
}

Handler ServiceRoutes::on_workers(
    Access access, std::function<HttpResponse(const HttpRequest&, const std::string&)> call) {
  return authorized(access, [this, call = std::move(call)](HttpRequest&& request, Respond respond,
                                                           const Principal& who) {
    auto shared = std::make_shared<HttpRequest>(std::move(request));
    parts_.workers.post(
        [call, shared, respond, actor = who.name] { respond(call(*shared, actor)); });
  });
}

void ServiceRoutes::add_to(Router& router) {
  router.add_sync("GET", "/healthz",
                  [](const HttpRequest&) { return HttpResponse::json(200, R"({"status":"ok"})"); });
  router.add("GET", "/readyz", [this](HttpRequest&&, Respond respond) {
    parts_.workers.post([this, respond] {
      Json checks = Json::object();
      bool ready = true;
      const auto& published = parts_.publisher.current();
      checks["snapshot"] = published.snapshot
                               ? "loaded at version " + std::to_string(published.version)
                               : std::string("not loaded");
      ready = ready && published.snapshot != nullptr;
      try {
        checks["store"] = "reachable at version " + std::to_string(parts_.store.store_version());
      } catch (const store::StoreError& e) {
        checks["store"] = std::string("unreachable: ") + e.what();
        ready = false;
      }
      respond(HttpResponse::json(
          ready ? 200 : 503,
          Json{{"status", ready ? "ready" : "not ready"}, {"checks", checks}}.dump()));
    });
  });
  if (parts_.metrics != nullptr) {
    router.add_sync("GET", "/metrics",
                    [metrics = parts_.metrics](const HttpRequest& r) { return metrics->serve(r); });
  }

  router.add(
      "POST", "/ofrep/v1/evaluate/flags/{key}",
      authorized(Access::Evaluate, [this](HttpRequest&& request, Respond respond,
                                          const Principal&) {
        const auto& published = parts_.publisher.current();
        if (!published.snapshot) {
          return respond(HttpResponse::json(500, R"({"errorDetails":"no flags are loaded yet"})"));
        }
        respond(ofrep_evaluate_flag(*published.snapshot, request.path_param("key"), request.body,
                                    observe_));
      }));
  router.add(
      "POST", "/ofrep/v1/evaluate/flags",
      authorized(Access::Evaluate, [this](HttpRequest&& request, Respond respond,
                                          const Principal&) {
        const auto& published = parts_.publisher.current();
        if (!published.snapshot) {
          return respond(HttpResponse::json(500, R"({"errorDetails":"no flags are loaded yet"})"));
        }
        respond(ofrep_evaluate_all(*published.snapshot, std::to_string(published.version),
                                   request.body, request.header("If-None-Match"), observe_));
      }));

  // Who the token is: the dashboard checks a token at log-in and hides what its scope forbids.
  router.add(
      "GET", "/v1/whoami",
      authorized(Access::Evaluate, [](HttpRequest&&, Respond respond, const Principal& who) {
        respond(HttpResponse::json(
            200,
            Json{{"name", who.name}, {"scope", std::string(store::to_string(who.scope))}}.dump()));
      }));
  router.add(
      "POST", "/v1/flags/{key}/evaluate",
      authorized(Access::Read, [this](HttpRequest&& request, Respond respond, const Principal&) {
        const auto& published = parts_.publisher.current();
        respond(evaluate_flag_explained(published.snapshot.get(), request.path_param("key"),
                                        request.body));
      }));
  router.add(
      "GET", "/v1/flags/{key}/metrics",
      authorized(Access::Read, [this](HttpRequest&& request, Respond respond, const Principal&) {
        if (flag_metrics_ == nullptr) {
          return respond(
              HttpResponse::error(503, "metrics_unavailable", "this server has no metrics source"));
        }
        flag_metrics_->handle(request, std::move(respond));
      }));
  router.add("GET", "/v1/flags", admin_read(&AdminApi::list_flags));
  router.add("POST", "/v1/flags", admin_write(&AdminApi::create_flag));
  router.add("GET", "/v1/flags/{key}", admin_read(&AdminApi::get_flag));
  router.add("GET", "/v1/flags/{key}/served", admin_read(&AdminApi::served_flag));
  router.add("PUT", "/v1/flags/{key}", admin_write(&AdminApi::replace_flag));
  router.add("PATCH", "/v1/flags/{key}", admin_write(&AdminApi::patch_flag));
  router.add("DELETE", "/v1/flags/{key}", admin_write(&AdminApi::archive_flag));
  router.add("POST", "/v1/flags/{key}/kill", admin_write(&AdminApi::kill_flag));
  router.add("POST", "/v1/flags/{key}/revive", admin_write(&AdminApi::revive_flag));
  router.add("GET", "/v1/segments", admin_read(&AdminApi::list_segments));
  router.add("POST", "/v1/segments", admin_write(&AdminApi::create_segment));
  router.add("GET", "/v1/segments/{key}", admin_read(&AdminApi::get_segment));
  router.add("PUT", "/v1/segments/{key}", admin_write(&AdminApi::replace_segment));
  router.add("DELETE", "/v1/segments/{key}", admin_write(&AdminApi::delete_segment));
  router.add("GET", "/v1/audit", admin_read(&AdminApi::audit));

  if (parts_.rollouts != nullptr) {
    router.add("POST", "/v1/rollouts", rollout_write(&RolloutApi::start));
    router.add("GET", "/v1/rollouts", rollout_read(&RolloutApi::list));
    router.add("GET", "/v1/rollouts/{flag}", rollout_read(&RolloutApi::get));
    router.add("GET", "/v1/rollouts/{flag}/decisions", rollout_read(&RolloutApi::decisions));
    router.add("POST", "/v1/rollouts/{flag}/{command}", rollout_write(&RolloutApi::command));
  }
  if (NotificationsApi* api = parts_.notifications) {
    router.add("GET", "/v1/notifications",
               on_workers(Access::Read, [api](const HttpRequest& r, const std::string&) {
                 return api->list(r);
               }));
    router.add("GET", "/v1/notifications/{id}",
               on_workers(Access::Read,
                          [api](const HttpRequest& r, const std::string&) { return api->get(r); }));
    router.add("POST", "/v1/notifications/{id}/retry",
               on_workers(Access::Write, [api](const HttpRequest& r, const std::string& actor) {
                 return api->retry(r, actor);
               }));
  }
  if (parts_.ingest_events) {
    // Applications report outcomes with an sdk token, like they evaluate.
    router.add("POST", "/v1/events",
               authorized(Access::Evaluate,
                          [this](HttpRequest&& request, Respond respond, const Principal&) {
                            respond(parts_.ingest_events(request));
                          }));
  }

  router.add_stream("/v1/stream",
                    [this](const HttpRequest& request, std::shared_ptr<EventSink> sink) {
                      return open_stream(request, sink);
                    });
  // Every other GET outside the API is the dashboard's (its files, or index.html for its routes).
  router.set_fallback(
      "dashboard", [](std::string_view path) { return !is_api_path(path); }, serve_dashboard);
}

std::string ServiceRoutes::full_state_event_data() const {
  const auto& published = parts_.publisher.current();
  Json flags = Json::array();
  Json segments = Json::array();
  if (published.snapshot) {
    for (const auto& flag : published.snapshot->definitions().flags)
      flags.push_back(flag_json(flag));
    for (const auto& segment : published.snapshot->definitions().segments) {
      segments.push_back(Json::parse(segment_to_json(segment)));
    }
  }
  return Json{{"version", published.version}, {"flags", flags}, {"segments", segments}}.dump();
}

std::string ServiceRoutes::served_flag_json(const std::string& key) const {
  const auto& published = parts_.publisher.current();
  if (!published.snapshot) return {};
  const FlagDefinition* flag = find_flag(published.snapshot->definitions(), key);
  return flag ? flag_to_json(*flag) : std::string();
}

std::string ServiceRoutes::change_event_data(std::int64_t version, const std::string& kind,
                                             const std::string& key) const {
  const auto& published = parts_.publisher.current();
  Json data = {{"version", version}, {"kind", kind}, {"key", key}};
  if (published.snapshot) {
    const FlagSet& set = published.snapshot->definitions();
    if (kind == "segment") {
      const SegmentDefinition* segment = find_segment(set, key);
      data["segment"] = segment ? Json::parse(segment_to_json(*segment)) : Json(nullptr);
    } else {
      const FlagDefinition* flag = find_flag(set, key);
      data["flag"] = flag ? flag_json(*flag) : Json(nullptr);  // null: archived or gone
    }
  }
  return data.dump();
}

// The stream (an sdk token is enough): the full state on connect, then one event per change with
// the store version as id. With Last-Event-ID the subscriber gets only what it missed, when the
// change feed still has it.
std::optional<HttpResponse> ServiceRoutes::open_stream(const HttpRequest& request,
                                                       const std::shared_ptr<EventSink>& sink) {
  bool needs_store = false;
  auto who = parts_.auth.authenticate(std::string(request.header("Authorization")),
                                      /*cache_only=*/true, &needs_store);
  if (!who) return unauthorized();
  if (!scope_allows(who->scope, Access::Evaluate)) return forbidden();

  std::lock_guard lock(stream_mutex_);
  const std::int64_t version = parts_.publisher.current().version;
  std::int64_t last_seen = -1;
  if (auto header = request.header("Last-Event-ID"); !header.empty()) {
    std::from_chars(header.data(), header.data() + header.size(), last_seen);
  }
  // Resume from the recent changes kept in memory (never the store: this runs on the event loop).
  bool resumed = false;
  if (last_seen >= 0 && last_seen <= version) {
    const bool nothing_missed = last_seen == version;
    const bool all_kept = !recent_.empty() && recent_.front().first <= last_seen + 1;
    if (nothing_missed || all_kept) {
      for (const auto& [change_version, data] : recent_) {
        if (change_version > last_seen) sink->send(std::to_string(change_version), "change", data);
      }
      resumed = true;
    }
  }
  if (!resumed) sink->send(std::to_string(version), "snapshot", full_state_event_data());
  parts_.hub.subscribe(sink);
  return std::nullopt;
}

void ServiceRoutes::on_store_change(std::int64_t version, const std::string& kind,
                                    const std::string& key) {
  if (kind == "token") {
    parts_.auth.load_all_tokens();
    return;
  }
  if (kind == "decision") return;  // a rollout decision that changed nothing served
  // One reload covers every change committed before it began: a tick that persists 10,000
  // decisions in one transaction reloads once, not 10,000 times.
  if (version > parts_.publisher.version()) parts_.loader.reload();
  if (evaluation_metrics_) evaluation_metrics_->set_snapshot_version(parts_.publisher.version());
  std::lock_guard lock(stream_mutex_);
  std::string data = change_event_data(version, kind, key);
  if (kind == "rollout") {
    // Most decisions (hold) leave the split alone: subscribers hear of a rollout only when what
    // the flag serves changed.
    const std::string served = served_flag_json(key);
    auto [it, inserted] = rollout_served_.try_emplace(key, served);
    if (!inserted && it->second == served) return;
    it->second = served;
  }
  parts_.hub.publish(std::to_string(version), "change", data);
  recent_.emplace_back(version, std::move(data));
  if (recent_.size() > kRecentChanges) recent_.pop_front();
}

}  // namespace sluice::server
