#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "admin_api.hpp"
#include "auth.hpp"
#include "evaluation_metrics.hpp"
#include "event_stream.hpp"
#include "flag_metrics_api.hpp"
#include "notifications_api.hpp"
#include "ofrep.hpp"
#include "rollout_api.hpp"
#include "router.hpp"
#include "server_metrics.hpp"
#include "snapshot_loader.hpp"
#include "worker_pool.hpp"

namespace sluice::server {

// The parts `sluice serve` is made of; main owns them, the routes borrow them.
struct ServiceParts {
  store::Store& store;
  SnapshotPublisher& publisher;
  SnapshotLoader& loader;
  AdminApi& admin;
  Authenticator& auth;
  WorkerPool& workers;
  EventHub& hub;
  ServerMetrics* metrics = nullptr;  // null: no /metrics route
  RolloutApi* rollouts = nullptr;    // null: no /v1/rollouts routes
  // POST /v1/events (the built-in metrics source); empty: no route. Runs on the event loop.
  std::function<HttpResponse(const HttpRequest&)> ingest_events;
  NotificationsApi* notifications = nullptr;  // null: no /v1/notifications routes
};

// Every route of `sluice serve`: health, metrics, OFREP, the admin API and the event stream,
// with bearer-token checks. Evaluation runs on the event loop (snapshot reads only); everything
// that touches the store runs on the worker pool.
class ServiceRoutes {
 public:
  explicit ServiceRoutes(ServiceParts parts);

  void add_to(Router& router);

  // GET /v1/flags/{key}/metrics reads this; without it (or before) the route answers 503. Set it
  // before the server starts: it is read without a lock.
  void set_flag_metrics(FlagMetricsApi* api) { flag_metrics_ = api; }

  // A change committed to the store (here or on another replica): reload, publish the new
  // snapshot and tell stream subscribers. Blocks on the store: call it from a worker.
  void on_store_change(std::int64_t version, const std::string& kind, const std::string& key);

  // The event-stream body for a fresh subscriber: every definition with its state.
  std::string full_state_event_data() const;

 private:
  using Guarded = std::function<void(HttpRequest&&, Respond, const Principal&)>;
  Handler authorized(Access access, Guarded handler);
  Handler admin_read(HttpResponse (AdminApi::*method)(const HttpRequest&));
  Handler admin_write(HttpResponse (AdminApi::*method)(const HttpRequest&, std::string_view));
  Handler rollout_read(HttpResponse (RolloutApi::*method)(const HttpRequest&));
  Handler rollout_write(HttpResponse (RolloutApi::*method)(const HttpRequest&, std::string_view));
  // Runs `call` with the request and the token's name on the worker pool once `access` is allowed.
  Handler on_workers(Access access,
                     std::function<HttpResponse(const HttpRequest&, const std::string&)> call);
  std::optional<HttpResponse> open_stream(const HttpRequest& request,
                                          const std::shared_ptr<EventSink>& sink);
  std::string served_flag_json(const std::string& key) const;
  std::string change_event_data(std::int64_t version, const std::string& kind,
                                const std::string& key) const;

  static constexpr std::size_t kRecentChanges = 1000;

  ServiceParts parts_;
  FlagMetricsApi* flag_metrics_ = nullptr;
  std::unique_ptr<EvaluationMetrics> evaluation_metrics_;  // null without metrics
  EvaluationObserver observe_;
  std::mutex stream_mutex_;  // orders a subscriber's first events against published changes
  std::deque<std::pair<std::int64_t, std::string>> recent_;  // guarded by stream_mutex_
  // What each flag under a rollout served when subscribers last heard of it.
  std::map<std::string, std::string> rollout_served_;  // guarded by stream_mutex_
};

}  // namespace sluice::server
