#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "sluice/notify/settings.hpp"
#include "sluice/run_blocking.hpp"
#include "sluice/store/store.hpp"

namespace boost::asio {
class io_context;
}

// Delivers the outbox (ARCHITECTURE decision 4): claims due rows, sends each to its target
// (Slack Block Kit or a signed webhook) over HTTPS with certificate verification, and records the
// outcome: delivered, failed (due again after exponential backoff with jitter), or dead (older
// than max_age, an unknown target, or a final refusal such as 4xx other than 408/429).
// At-least-once: a row is marked delivered only after a 2xx; a send that times out is retried.
namespace sluice::notify {

using TimePoint = std::chrono::system_clock::time_point;

struct DeliveryReport {
  std::string target;
  std::string event_kind;
  std::string outcome;  // delivered | failed | dead
  std::string error;    // "" when delivered; never a secret
  int attempts = 0;
};

// What one pass did, once every row it claimed has its outcome written.
struct PassReport {
  int claimed = 0;
  int delivered = 0;
  int failed = 0;  // due again after a backoff
  int dead = 0;
};

struct DeliveryHooks {
  std::function<void(const DeliveryReport&)> on_attempt;  // on the event loop
  std::function<void(const std::string&)> on_error;       // store trouble, on the event loop
};

class DeliveryWorker {
 public:
  DeliveryWorker(boost::asio::io_context& io, store::Store& store, RunBlocking run_blocking,
                 Settings settings, std::function<TimePoint()> clock, DeliveryHooks hooks = {});
  ~DeliveryWorker();
  DeliveryWorker(const DeliveryWorker&) = delete;
  DeliveryWorker& operator=(const DeliveryWorker&) = delete;

  // The timer loop: a pass at once, then every settings.poll, after wake(), after a full batch
  // and whenever a send slot frees up.
  void start();
  // One pass at `now`, for a caller that drives time itself (tests; start() not called): claims
  // the rows due at `now` (as many as there are free send slots), sends them and writes each
  // outcome. `done` runs on the event loop once the last outcome is written (at once when nothing
  // was due). Without start() nothing else is claimed: no timer, no follow-up pass.
  void poll_once(TimePoint now, std::function<void(const PassReport&)> done = {});
  // Stops claiming; sends in flight finish (bounded by their timeout). Blocks until then; call it
  // from outside the event loop.
  void stop();
  // Look for due rows now (something was enqueued); only once start() was called.
  void wake();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace sluice::notify
