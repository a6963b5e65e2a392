#pragma once

#include <string_view>

#include "http_message.hpp"
#include "sluice/store/clock.hpp"
#include "sluice/store/store.hpp"

namespace sluice::server {

// The notifications API under /v1/notifications (docs/api.md): the outbox rows the delivery
// worker sends, one per event and target, with their status (pending, delivered, dead), and a
// person's retry of a dead letter. Every method blocks on the store: call it from the worker
// pool. Errors are the API's `{"code", "message", "field"?}` bodies.
class NotificationsApi {
 public:
  // `clock` stamps a retry (the row is due again at that time).
  explicit NotificationsApi(store::Store& store, store::Clock clock = store::system_clock());

  // GET /v1/notifications?status=&flag=&before=&limit=: newest first, paged by id.
  HttpResponse list(const HttpRequest& request);
  // GET /v1/notifications/{id}: one row with its payload.
  HttpResponse get(const HttpRequest& request);
  // POST /v1/notifications/{id}/retry: due again now, attempts back to 0; audited.
  HttpResponse retry(const HttpRequest& request, std::string_view actor);

 private:
  store::Store& store_;
  store::Clock clock_;
};

}  // namespace sluice::server
