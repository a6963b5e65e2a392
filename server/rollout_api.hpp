#pragma once

#include <string_view>

#include "http_message.hpp"
#include "policy_cache.hpp"
#include "rollout_service.hpp"
#include "sluice/store/store.hpp"
#include "snapshot_loader.hpp"

namespace sluice::server {

// The rollouts API under /v1/rollouts as plain functions of the request (docs/api.md): start a
// rollout with a policy, read rollouts and their decision logs, and people's commands. Every
// method blocks on the store: call it from the worker pool. Errors are JSON `{"code", "message"}`
// like the rest of the admin API; a command that makes no sense now is 409 `invalid_transition`
// with the state machine's explanation.
class RolloutApi {
 public:
  // `loader` is reloaded after a start or a command, so the response means the split is served.
  RolloutApi(store::Store& store, controller::RolloutService& service,
             controller::PolicyCache& policies, SnapshotLoader& loader);

  HttpResponse start(const HttpRequest& request, std::string_view actor);
  HttpResponse list(const HttpRequest& request);
  HttpResponse get(const HttpRequest& request);
  HttpResponse decisions(const HttpRequest& request);
  // `command` is the last path segment: pause, resume, promote, rollback, abort, approve,
  // percent.
  HttpResponse command(const HttpRequest& request, std::string_view actor);

 private:
  template <typename Operation>
  HttpResponse guarded(Operation&& operation);

  store::Store& store_;
  controller::RolloutService& service_;
  controller::PolicyCache& policies_;
  SnapshotLoader& loader_;
};

}  // namespace sluice::server
