#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http_message.hpp"
#include "sluice/flag_definition.hpp"
#include "sluice/snapshot_publisher.hpp"
#include "sluice/store/store.hpp"
#include "snapshot_loader.hpp"

namespace sluice::server {

// The admin API under /v1/ as plain functions of the request: flags, segments, kill switch and
// audit log. Every method blocks on the store: call it from the worker pool. Errors are JSON
// `{"code", "message", "field"?}`: 400 invalid (the messages of `sluice validate`), 404, 409
// (stale If-Match, existing key, managed by files, a new default under a rollout or over a
// finished rollout's outcome: docs/api.md), 415, 503 (store unavailable).
// The notification targets of one flag event (kill_switch, revived), given the targets of the
// flag's active rollout's policy: notify::recipients over the configured settings.
using FlagEventRecipients = std::function<std::vector<std::string>(
    std::string_view event, const std::vector<std::string>& policy_targets)>;

class AdminApi {
 public:
  // The server's clock: GET /v1/flags says which flags are stale by it. Empty: the system clock.
  using WallClock = std::function<std::chrono::system_clock::time_point()>;

  AdminApi(store::Store& store, SnapshotLoader& loader, const SnapshotPublisher& publisher,
           FlagEventRecipients recipients = {}, WallClock now = {});

  HttpResponse list_flags(const HttpRequest& request);
  HttpResponse get_flag(const HttpRequest& request);
  // GET /v1/flags/{key}/served: what the flag serves and why, and the files' drift.
  HttpResponse served_flag(const HttpRequest& request);
  HttpResponse create_flag(const HttpRequest& request, std::string_view actor);
  HttpResponse replace_flag(const HttpRequest& request, std::string_view actor);
  HttpResponse patch_flag(const HttpRequest& request, std::string_view actor);
  HttpResponse archive_flag(const HttpRequest& request, std::string_view actor);
  HttpResponse set_enabled(const HttpRequest& request, bool enabled, std::string_view actor);
  HttpResponse kill_flag(const HttpRequest& request, std::string_view actor) {
    return set_enabled(request, false, actor);
  }
  HttpResponse revive_flag(const HttpRequest& request, std::string_view actor) {
    return set_enabled(request, true, actor);
  }

  HttpResponse list_segments(const HttpRequest& request);
  HttpResponse get_segment(const HttpRequest& request);
  HttpResponse create_segment(const HttpRequest& request, std::string_view actor);
  HttpResponse replace_segment(const HttpRequest& request, std::string_view actor);
  HttpResponse delete_segment(const HttpRequest& request, std::string_view actor);

  HttpResponse audit(const HttpRequest& request);

 private:
  template <typename Operation>
  HttpResponse guarded(Operation&& operation);
  HttpResponse write_flag(const HttpRequest& request, std::string_view body, bool create,
                          std::string_view actor);
  std::optional<HttpResponse> check_rollout(const FlagDefinition& flag, const std::string& json);
  HttpResponse write_segment(const HttpRequest& request, bool create, std::string_view actor);

  store::Store& store_;
  SnapshotLoader& loader_;
  const SnapshotPublisher& publisher_;
  FlagEventRecipients recipients_;
  WallClock now_;
};

}  // namespace sluice::server
