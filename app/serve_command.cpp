// `sluice serve`: the composition root of the service. It opens the store, publishes the first
// snapshot, wires the routes and runs the HTTP server until SIGINT or SIGTERM.

#include <fmt/format.h>

#include <cstdlib>
#include <memory>

#include "admin_api.hpp"
#include "auth.hpp"
#include "commands.hpp"
#include "event_stream.hpp"
#include "flags_dir_watcher.hpp"
#include "http_server.hpp"
#include "router.hpp"
#include "serve_config.hpp"
#include "server_log.hpp"
#include "server_metrics.hpp"
#include "service_routes.hpp"
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
  try {
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
  server::AdminApi admin(store, loader, publisher);
  server::ServiceRoutes routes(
      server::ServiceParts{store, publisher, loader, admin, auth, workers, hub, metrics.get()});
  server::Router router;
  routes.add_to(router);

  // Changes from this process and from other replicas (PostgreSQL LISTEN/NOTIFY) arrive here in
  // version order, on a store thread where blocking is allowed.
  store.subscribe([&](const store::Change& change) {
    try {
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
  try {
    http.start();
  } catch (const std::exception& e) {
    log.error("listen", fmt::format("cannot listen on {}: {}", config.listen, e.what()));
    return kExitInvalid;
  }
  log.info("serve", fmt::format("listening on {} (port {}), store {}, {} flags at version {}",
                                config.listen, http.port(), config.store,
                                publisher.current().snapshot->flag_count(), publisher.version()));
  server::run_until_signal(http);
  hub.close_all();
  watcher.reset();
  workers.join();
  log.info("serve", "stopped");
  return kExitOk;
}

}  // namespace sluice::app
