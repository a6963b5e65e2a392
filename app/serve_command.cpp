// `sluice serve`: the composition root of the service. It opens the store, publishes the first
// snapshot, wires the routes and runs the HTTP server until SIGINT or SIGTERM.

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <unistd.h>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string_view>

#include "admin_api.hpp"
#include "auth.hpp"
#include "commands.hpp"
#include "controller_metrics.hpp"
#include "event_stream.hpp"
#include "flag_metrics_api.hpp"
#include "flags_dir_watcher.hpp"
#include "http_server.hpp"
#include "policy_cache.hpp"
#include "rollout_api.hpp"
#include "rollout_history.hpp"
#include "rollout_json.hpp"
#include "rollout_service.hpp"
#include "router.hpp"
#include "scheduler.hpp"
#include "serve_config.hpp"
#include "server_log.hpp"
#include "server_metrics.hpp"
#include "service_routes.hpp"
#include "sluice/metrics/builtin_source.hpp"
#include "sluice/metrics/event_aggregator.hpp"
#include "sluice/metrics/events_json.hpp"
#include "sluice/metrics/prometheus_source.hpp"
#include "sluice/net/url.hpp"
#include "sluice/notify/delivery_worker.hpp"
#include "sluice/notify/settings.hpp"
#include "sluice/store/errors.hpp"
#include "snapshot_loader.hpp"
#include "timed_store.hpp"
#include "worker_pool.hpp"

namespace sluice::app {
namespace {

std::optional<std::string> from_environment(const std::string& name) {
  if (const char* value = std::getenv(name.c_str())) return std::string(value);
  return std::nullopt;
}

// The names of this process's environment variables.
std::vector<std::string> environment_names() {
  std::vector<std::string> names;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    names.emplace_back(text.substr(0, text.find('=')));
  }
  return names;
}

}  // namespace

int run_serve(const ServeOptions& options) {
  ServeConfigResult loaded =
      load_serve_config(options.config_file, from_environment, options.flags);
  if (!loaded.config) {
    for (const auto& error : loaded.errors)
      fmt::print(stderr, "sluice serve: {}\n", error);
    return kExitInvalid;
  }
  const ServeConfig& config = *loaded.config;
  ServerLog log(config.log_format == "json", config.log_level);
  for (const auto& warning : loaded.warnings)
    log.warn("config", warning);

  // Without a notifications file nothing is enqueued: a policy's `notify:` names mean nothing
  // until targets are configured.
  std::optional<notify::Settings> notification_settings;
  std::vector<std::string> variables_read;  // by the notifications file (url_env, secret_env)
  if (!config.notifications.empty()) {
    if (auto error = cannot_read(config.notifications, "the notification settings")) {
      fmt::print(stderr, "sluice serve: {}\n", *error);
      return kExitInvalid;
    }
    notify::SettingsResult settings =
        notify::load_settings(config.notifications, [&variables_read](const std::string& name) {
          variables_read.push_back(name);
          return from_environment(name);
        });
    if (!settings.settings) {
      for (const auto& error : settings.errors)
        fmt::print(stderr, "sluice serve: {}\n", error);
      return kExitInvalid;
    }
    notification_settings = std::move(settings.settings);
  }
  for (const auto& warning : unknown_environment_warnings(environment_names(), variables_read))
    log.warn("config", warning);
  const auto notification_recipients = [&notification_settings](
                                           std::string_view event,
                                           const std::vector<std::string>& policy_targets) {
    if (!notification_settings) return std::vector<std::string>{};
    return notify::recipients(*notification_settings, event, policy_targets);
  };

  std::unique_ptr<store::Store> opened_store;
  try {
    opened_store = store::open_store(config.store);
    opened_store->migrate();
  } catch (const store::StoreError& e) {
    log.error("store", e.what());
    return kExitInvalid;
  }

  // Every store call below is timed for /metrics.
  auto metrics = std::make_shared<server::ServerMetrics>();
  server::TimedStore timed_store(*opened_store, *metrics->registry());
  store::Store& store = timed_store;

  SnapshotPublisher publisher;
  std::vector<std::string> flag_paths;
  if (!config.flags_dir.empty()) flag_paths.push_back(config.flags_dir);
  server::SnapshotLoader loader(store, publisher, flag_paths);

  // The rollout controller: the service starts rollouts and applies people's commands; the
  // scheduler (started below, once the event loop runs) decides every interval.
  const auto wall_clock = [] { return std::chrono::system_clock::now(); };
  controller::PolicyCache policies;
  std::function<void()> wake_controller;  // set once the scheduler exists
  // What decisions write besides themselves: the history row of a finished rollout (the anomaly
  // model's training data, docs/history.md).
  controller::DecisionWriteHooks decision_writes;
  decision_writes.history = controller::history_hook();
  decision_writes.recipients = [notification_recipients](std::string_view event,
                                                         const Policy& policy) {
    return notification_recipients(event, policy.notify);
  };
  controller::RolloutService rollouts(
      store, policies, [&loader] { return loader.definitions(); }, wall_clock,
      [&wake_controller] {
        if (wake_controller) wake_controller();
      },
      decision_writes);
  loader.set_log([&log](const std::string& line) { log.info("flags", line); });
  loader.set_rollouts(
      [&rollouts](const std::vector<store::FlagRecord>& flags) { return rollouts.splits(flags); },
      [&rollouts, &log](const std::vector<Policy>& folder_policies) {
        for (const auto& line : rollouts.sync_policies(folder_policies))
          log.info("rollout", line);
      });
  try {
    for (const auto& line : rollouts.adopt_finished_rollouts())
      log.info("rollout", line);
    if (auto problems = loader.reload(); !problems.empty()) {
      for (const auto& d : problems)
        log.error("flags", d.format());
      return kExitInvalid;
    }
  } catch (const store::StoreError& e) {
    log.error("store", e.what());
    return kExitInvalid;
  }

  server::Authenticator auth(store, from_environment("SLUICE_ADMIN_TOKEN"));
  auth.load_all_tokens();
  server::WorkerPool workers(4);
  server::EventHub hub;
  server::AdminApi admin(store, loader, publisher, notification_recipients, wall_clock);
  server::RolloutApi rollout_api(store, rollouts, policies, loader);
  server::NotificationsApi notifications_api(store);
  auto aggregator = std::make_shared<metrics::EventAggregator>(wall_clock);
  server::ServiceParts parts{store,   publisher, loader,        admin,        auth,
                             workers, hub,       metrics.get(), &rollout_api, {}};
  parts.ingest_events = [aggregator](const server::HttpRequest& request) {
    metrics::ParsedEvents parsed = metrics::parse_events_json(request.body);
    if (!parsed.ok()) {
      nlohmann::json body = {{"code", "invalid_events"},
                             {"message", parsed.problems.front()},
                             {"problems", parsed.problems}};
      return server::HttpResponse::json(
          400, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
    const metrics::IngestResult result = aggregator->ingest(parsed.events);
    return server::HttpResponse::json(
        202, nlohmann::json{{"accepted", result.accepted}, {"rejected", result.rejected}}.dump());
  };
  parts.notifications = &notifications_api;
  server::ServiceRoutes routes(parts);
  server::Router router;
  routes.add_to(router);

  // Changes from this process and from other replicas (PostgreSQL LISTEN/NOTIFY) arrive here in
  // version order, on a store thread where blocking is allowed.
  // The delivery worker (started below) looks for new outbox rows when a write may have made
  // some: a decision, a kill switch, a person's retry, on this replica or another.
  std::atomic<notify::DeliveryWorker*> delivery_to_wake{nullptr};
  store.subscribe([&](const store::Change& change) {
    try {
      if (change.kind == "rollout" || change.kind == "decision" || change.kind == "state" ||
          change.kind == "notification") {
        if (notify::DeliveryWorker* delivery = delivery_to_wake.load()) delivery->wake();
      }
      routes.on_store_change(change.version, change.kind, change.key);
      log.info("change",
               fmt::format("{} '{}' at version {}", change.kind, change.key, change.version));
    } catch (const std::exception& e) {
      log.error("change", e.what());
    }
  });

  std::unique_ptr<FlagsDirWatcher> watcher;
  if (!flag_paths.empty()) {
    watcher = std::make_unique<FlagsDirWatcher>(flag_paths, std::chrono::seconds(1), [&] {
      try {
        auto problems = loader.reload();
        for (const auto& d : problems)
          log.error("flags", d.format() + " (kept the last good set)");
        if (problems.empty()) log.info("flags", "reloaded " + config.flags_dir);
      } catch (const std::exception& e) {
        log.error("flags", e.what());
      }
    });
  }

  server::HttpServerOptions server_options;
  server_options.listen = config.listen;
  server_options.threads = static_cast<std::size_t>(config.threads);
  server_options.body_limit = config.body_limit;
  server_options.sse_heartbeat = std::chrono::seconds(config.heartbeat_seconds);
  server_options.metrics = metrics;
  if (log.debug_enabled()) {
    server_options.request_log = [&log](std::string_view method, std::string_view route, int status,
                                        double seconds) {
      log.debug("http", fmt::format("{} {} {} {:.3f} ms", method, route, status, seconds * 1000));
    };
  }
  server::HttpServer http(router, server_options);
  // The controller and GET /v1/flags/{key}/metrics read the same source.
  std::unique_ptr<metrics::MetricsSource> source;
  if (config.prometheus_url.empty()) {
    source = std::make_unique<metrics::BuiltinSource>(http.io_context(), aggregator);
  } else {
    source = std::make_unique<metrics::PrometheusSource>(http.io_context(), config.prometheus_url);
  }
  server::FlagMetricsApi flag_metrics(source.get(), http.io_context(), publisher, wall_clock);
  routes.set_flag_metrics(&flag_metrics);
  try {
    http.start();
  } catch (const std::exception& e) {
    log.error("listen", e.what());
    return kExitInvalid;
  }
  log.info("serve", fmt::format("listening on {} (port {}), store {}, {} flags at version {}",
                                config.listen, http.port(), net::redact_credentials(config.store),
                                publisher.current().snapshot->flag_count(), publisher.version()));

  std::unique_ptr<controller::RolloutScheduler> scheduler;
  if (config.controller == "on") {
    controller::SchedulerHooks hooks;
    auto controller_metrics = std::make_shared<server::ControllerMetrics>(*metrics->registry());
    hooks.on_decision = [&log, controller_metrics](const store::DecisionRecord& decision) {
      controller_metrics->observe_decision(decision.kind);
      log.decision(controller::decision_view(decision).dump(), decision.sentence);
    };
    hooks.on_tick = [controller_metrics](const controller::TickReport& report) {
      controller_metrics->observe_tick(report);
    };
    hooks.on_error = [&log](const std::string& message) { log.error("controller", message); };
    hooks.on_leadership = [&log](bool leading) {
      log.info("controller", leading ? "this replica leads the rollout controller"
                                     : "another replica leads the rollout controller; standing by");
    };
    controller::SchedulerOptions scheduler_options;
    scheduler_options.poll = std::chrono::milliseconds(config.controller_poll_ms);
    scheduler_options.writes = decision_writes;
    scheduler = std::make_unique<controller::RolloutScheduler>(
        http.io_context(), store,
        [&workers](std::function<void()> task) { workers.post(std::move(task)); }, *source,
        policies, wall_clock, scheduler_options, std::move(hooks));
    wake_controller = [s = scheduler.get()] { s->wake(); };
    scheduler->start();
    log.info("controller", "rollout controller on, metrics from " + source->name());
  }
  std::unique_ptr<notify::DeliveryWorker> delivery;
  if (notification_settings) {
    notify::DeliveryHooks delivery_hooks;
    delivery_hooks.on_attempt = [&log](const notify::DeliveryReport& report) {
      // Targets by name, errors without URLs: no secret reaches the log.
      const std::string line = fmt::format("{} to '{}': {} (attempt {}){}", report.event_kind,
                                           report.target, report.outcome, report.attempts,
                                           report.error.empty() ? "" : ": " + report.error);
      if (report.outcome == "delivered") {
        log.info("notify", line);
      } else {
        log.warn("notify", line);
      }
    };
    delivery_hooks.on_error = [&log](const std::string& message) { log.error("notify", message); };
    delivery = std::make_unique<notify::DeliveryWorker>(
        http.io_context(), store,
        [&workers](std::function<void()> task) { workers.post(std::move(task)); },
        *notification_settings, wall_clock, std::move(delivery_hooks));
    delivery->start();
    delivery_to_wake.store(delivery.get());
    log.info("notify", fmt::format("delivering notifications to {} target(s) from {}",
                                   notification_settings->targets.size(), config.notifications));
  }
  server::run_until_signal(http, [&] {
    wake_controller = nullptr;
    if (scheduler) scheduler->stop();
    delivery_to_wake.store(nullptr);
    if (delivery) delivery->stop();
  });
  hub.close_all();
  watcher.reset();
  workers.join();
  // The store's change thread calls back into the routes, the loader and the log, which are
  // destroyed when this function returns: close the store (joining that thread, and waiting for
  // a callback in flight) while they still exist.
  opened_store.reset();
  log.info("serve", "stopped");
  return kExitOk;
}

}  // namespace sluice::app
