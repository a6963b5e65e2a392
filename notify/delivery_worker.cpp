// The outbox delivery loop. Everything it owns lives in Impl, shared by every pending callback
// (timer, store task, HTTP send), and all its state is touched on one strand: stop() only has to
// stop new work and wait until nothing is in flight (as controller/runtime/scheduler.cpp does).
#include "sluice/notify/delivery_worker.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <random>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "delivery_text.hpp"
#include "sluice/net/http_client.hpp"
#include "sluice/net/retry.hpp"
#include "sluice/net/url.hpp"
#include "sluice/notify/slack_message.hpp"
#include "sluice/notify/webhook_message.hpp"
#include "sluice/store/clock.hpp"

namespace sluice::notify {
namespace {

using detail::format_age;
using detail::parse_time;
using detail::redact;

namespace asio = boost::asio;

// A claimed row's lease outlasts the send by this much, so the row is not claimed again (by
// this or another replica) while its outcome is being written.
constexpr std::chrono::seconds kLeaseMargin{5};
// A response body quoted in an error is cut to this many bytes (Slack answers "invalid_payload").
constexpr std::size_t kQuotedBodyBytes = 120;

enum class Outcome { Delivered, Failed, Dead };

int PassReport::*count_of(Outcome outcome) {
  switch (outcome) {
    case Outcome::Delivered:
      return &PassReport::delivered;
    case Outcome::Failed:
      return &PassReport::failed;
    case Outcome::Dead:
      return &PassReport::dead;
  }
  return &PassReport::failed;
}

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::Delivered:
      return "delivered";
    case Outcome::Failed:
      return "failed";
    case Outcome::Dead:
      return "dead";
  }
  return "failed";
}

}  // namespace

struct DeliveryWorker::Impl : std::enable_shared_from_this<Impl> {
  // One pass: done when its claim and every claimed row's outcome write have finished.
  struct Pass {
    PassReport report;
    int open = 1;  // the claim, then one per claimed row
    std::function<void(const PassReport&)> done;
  };

  Impl(asio::io_context& context, store::Store& s, RunBlocking run, Settings config,
       std::function<TimePoint()> now, DeliveryHooks callbacks)
      : io(context),
        strand(asio::make_strand(context)),
        timer(strand),
        store(s),
        run_blocking(std::move(run)),
        settings(std::move(config)),
        clock(std::move(now)),
        hooks(std::move(callbacks)),
        client(std::make_shared<net::HttpClient>(context,
                                                 net::ClientOptions{.ca_file = settings.ca_file})),
        random(std::random_device{}()) {
    settings.batch = std::max(settings.batch, 1);
    settings.concurrency = std::max(settings.concurrency, 1);
    for (const auto& t : settings.targets)
      longest_timeout = std::max(longest_timeout, t.timeout);
  }

  asio::io_context& io;
  asio::strand<asio::io_context::executor_type> strand;
  asio::steady_timer timer;
  store::Store& store;
  RunBlocking run_blocking;
  Settings settings;
  std::function<TimePoint()> clock;
  DeliveryHooks hooks;
  std::shared_ptr<net::HttpClient> client;
  std::mt19937_64 random;  // on the strand
  std::chrono::milliseconds longest_timeout{0};

  // On the strand.
  bool looping = false;  // start() was called: the timer and the finished sends poll again
  bool claiming = false;
  bool claim_again = false;  // wake() or a full batch while a claim was running
  bool timer_armed = false;
  int in_flight = 0;  // sends (and their outcome writes) not finished

  // Work in flight of any kind (claims, sends, writes, the timer), for stop().
  std::mutex stop_mutex;
  std::condition_variable stopped_cv;
  bool stopping = false;  // guarded by stop_mutex
  int outstanding = 0;    // guarded by stop_mutex

  bool is_stopping() {
    std::lock_guard lock(stop_mutex);
    return stopping;
  }
  // Counts a piece of work; false when stopping (then it must not start).
  // `finishing`: work that completes something already started (an outcome write) goes ahead.
  bool begin_work(bool finishing = false) {
    std::lock_guard lock(stop_mutex);
    if (stopping && !finishing) return false;
    ++outstanding;
    return true;
  }
  void end_work() {
    std::lock_guard lock(stop_mutex);
    --outstanding;
    stopped_cv.notify_all();
  }

  void arm_timer() {
    if (timer_armed || !begin_work()) return;
    timer_armed = true;
    timer.expires_after(settings.poll);
    timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      self->timer_armed = false;
      self->end_work();
      if (!ec) self->poll();  // cancelled only by stop()
    });
  }

  // On the strand: the loop's pass, at the clock's time.
  void poll() {
    if (!looping) return;
    if (claiming) {
      claim_again = true;
      return;
    }
    pass(clock(), std::make_shared<Pass>());
  }

  // On the strand: one pass at `now`; claims as many due rows as there are free send slots.
  void pass(TimePoint now, const std::shared_ptr<Pass>& p) {
    const int slots = settings.concurrency - in_flight;
    // A finishing send polls again when looping.
    if (is_stopping() || claiming || slots <= 0 || !begin_work()) return close(p);
    claiming = true;
    claim_again = false;
    const int limit = std::min(settings.batch, slots);
    const std::string at = store::format_rfc3339_ms(now);
    const std::string lease = store::format_rfc3339_ms(now + longest_timeout + kLeaseMargin);
    run_blocking([self = shared_from_this(), at, lease, limit, p] {
      std::vector<store::OutboxRecord> rows;
      std::string failure;
      try {
        rows = self->store.claim_outbox(at, lease, limit);
      } catch (const std::exception& e) {
        failure = e.what();
      }
      asio::post(self->strand, [self, rows = std::move(rows), failure, limit, p]() mutable {
        self->claimed(std::move(rows), failure, limit, p);
        self->end_work();
      });
    });
  }

  // On the strand: one of the pass's parts (its claim, a row's outcome) is finished.
  static void close(const std::shared_ptr<Pass>& p) {
    if (--p->open == 0 && p->done) p->done(p->report);
  }

  void claimed(std::vector<store::OutboxRecord> rows, const std::string& failure, int limit,
               const std::shared_ptr<Pass>& p) {
    claiming = false;
    if (!failure.empty() && hooks.on_error) {
      hooks.on_error("notifications: cannot claim due rows: " + failure);
    }
    const bool full = failure.empty() && static_cast<int>(rows.size()) >= limit;
    p->report.claimed = static_cast<int>(rows.size());
    for (auto& row : rows) {
      ++p->open;
      deliver(std::move(row), p);
    }
    if (looping) {
      if (full || claim_again) poll();  // more may be due right now
      arm_timer();                      // no-op when already armed: one timer at most
    }
    close(p);
  }

  // On the strand: one attempt for one claimed row.
  void deliver(store::OutboxRecord row, const std::shared_ptr<Pass>& p) {
    const TimePoint now = clock();
    const Target* target = settings.find(row.target);
    if (!target) {
      return record(std::move(row), Outcome::Dead,
                    "no notification target named '" + row.target + "' is configured", now, p);
    }
    const std::string& since = row.retried_at ? *row.retried_at : row.created_at;
    if (auto origin = parse_time(since); origin && now - *origin > settings.max_age) {
      return record(std::move(row), Outcome::Dead,
                    "older than max_age " + format_age(settings.max_age) + " after " +
                        std::to_string(row.attempts - 1) + " attempts; gave up",
                    now, p);
    }
    net::HttpRequest request;
    request.method = "POST";
    request.url = target->url;
    request.timeout = target->timeout;
    request.max_response_bytes = 64 << 10;  // receivers answer briefly; more is not read
    if (target->kind == TargetKind::Slack) {
      request.body = slack_message(row, settings.dashboard_url);
      request.headers = {{"Content-Type", "application/json"}, {"User-Agent", user_agent()}};
    } else {
      request.body = webhook_body(row, settings.dashboard_url);
      const auto seconds =
          std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
      request.headers = webhook_headers(row.event_id, request.body, target->secret, seconds);
    }
    std::string where = target->name;
    if (auto url = net::parse_http_url(target->url)) {
      where += " (" + url->host + ":" + std::to_string(url->port) + ")";
    }
    ++in_flight;
    if (!begin_work()) {
      --in_flight;
      return close(p);  // stopping: the lease runs out and the row is due again
    }
    client->send(std::move(request), [self = shared_from_this(), row = std::move(row), where,
                                      p](net::HttpResult result) mutable {
      asio::post(self->strand,
                 [self, row = std::move(row), where, p, result = std::move(result)]() mutable {
                   self->sent(std::move(row), where, result, p);
                   self->end_work();
                 });
    });
  }

  void sent(store::OutboxRecord row, const std::string& where, const net::HttpResult& result,
            const std::shared_ptr<Pass>& p) {
    --in_flight;
    const TimePoint now = clock();
    const Target* target = settings.find(row.target);
    std::string error;
    Outcome outcome = Outcome::Delivered;
    std::chrono::milliseconds at_least{0};
    if (!result.ok()) {
      outcome = Outcome::Failed;
      error = "target '" + where + "': " + result.error;
    } else if (const int status = result.response->status; status < 200 || status > 299) {
      // 408 and 429 are "later", 5xx the receiver's trouble; any other status is its final word.
      const bool later = status == 408 || status == 429 || (status >= 500 && status <= 599);
      outcome = later ? Outcome::Failed : Outcome::Dead;
      error = "target '" + where + "': HTTP " + std::to_string(status);
      std::string body = result.response->body.substr(0, kQuotedBodyBytes);
      std::replace_if(
          body.begin(), body.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
      if (!body.empty()) error += ": " + body;
      // A receiver that says when to come back (Slack's rate limit does) is asked no sooner.
      const auto& headers = result.response->headers;
      if (auto it = headers.find("retry-after");
          it != headers.end() && (status == 429 || status == 503)) {
        if (auto delay = net::retry_after_delay(it->second, now)) {
          at_least = *delay;
          error += " (Retry-After " + net::format_timeout(*delay) + ")";
        }
      }
    }
    if (target) error = redact(error, *target);
    record(std::move(row), outcome, error, now, p, at_least);
  }

  // On the strand: writes the outcome (on the worker pool) and reports it.
  void record(store::OutboxRecord row, Outcome outcome, std::string error, TimePoint now,
              const std::shared_ptr<Pass>& p,
              std::chrono::milliseconds at_least = std::chrono::milliseconds(0)) {
    std::string next;
    if (outcome == Outcome::Failed) {
      // attempts counts this one (claimed rows are incremented): the first failure waits about
      // backoff_min, each next one twice as long, up to backoff_max, with jitter.
      net::RetryPolicy policy;
      policy.backoff_min = settings.backoff_min;
      policy.backoff_max = settings.backoff_max;
      const double unit = std::uniform_real_distribution<double>(0.0, 1.0)(random);
      const int attempt = static_cast<int>(std::min<std::int64_t>(row.attempts, 1000)) + 1;
      next = store::format_rfc3339_ms(
          now + std::max(net::backoff_delay(policy, attempt, unit), at_least));
    }
    const std::string at = store::format_rfc3339_ms(now);
    DeliveryReport report{row.target, row.event_kind, std::string(to_string(outcome)), error,
                          static_cast<int>(row.attempts)};
    // Even when stopping: a send that got its answer has its outcome written (no duplicate).
    begin_work(true);
    ++in_flight;  // the outcome write holds the send slot
    run_blocking([self = shared_from_this(), id = row.id, outcome, error, next, at, p,
                  report = std::move(report)]() mutable {
      std::string failure;
      try {
        switch (outcome) {
          case Outcome::Delivered:
            self->store.mark_outbox_delivered(id, at);
            break;
          case Outcome::Failed:
            self->store.mark_outbox_failed(id, error, next);
            break;
          case Outcome::Dead:
            self->store.mark_outbox_dead(id, error, at);
            break;
        }
      } catch (const std::exception& e) {
        failure = e.what();
      }
      asio::post(self->strand, [self, report = std::move(report), failure, outcome, p] {
        --self->in_flight;
        if (!failure.empty() && self->hooks.on_error) {
          self->hooks.on_error("notifications: cannot record an outcome: " + failure);
        } else if (failure.empty() && self->hooks.on_attempt) {
          self->hooks.on_attempt(report);
        }
        if (failure.empty()) ++(p->report.*count_of(outcome));
        self->poll();  // a slot is free; rows may be due (a short backoff, a full batch)
        close(p);
        self->end_work();
      });
    });
  }
};

DeliveryWorker::DeliveryWorker(asio::io_context& io, store::Store& store, RunBlocking run_blocking,
                               Settings settings, std::function<TimePoint()> clock,
                               DeliveryHooks hooks)
    : impl_(std::make_shared<Impl>(io, store, std::move(run_blocking), std::move(settings),
                                   std::move(clock), std::move(hooks))) {}

DeliveryWorker::~DeliveryWorker() {
  stop();
}

void DeliveryWorker::start() {
  asio::post(impl_->strand, [self = impl_] {
    self->looping = true;
    self->poll();
  });
}

void DeliveryWorker::poll_once(TimePoint now, std::function<void(const PassReport&)> done) {
  auto pass = std::make_shared<Impl::Pass>();
  pass->done = std::move(done);
  asio::post(impl_->strand, [self = impl_, now, pass] { self->pass(now, pass); });
}

void DeliveryWorker::wake() {
  asio::post(impl_->strand, [self = impl_] { self->poll(); });
}

void DeliveryWorker::stop() {
  {
    std::lock_guard lock(impl_->stop_mutex);
    if (impl_->stopping) return;
    impl_->stopping = true;
  }
  asio::post(impl_->strand, [self = impl_] { self->timer.cancel(); });
  // Sends in flight end within their timeout; the store calls after them are quick.
  const auto bound = impl_->longest_timeout + std::chrono::seconds(30);
  std::unique_lock lock(impl_->stop_mutex);
  impl_->stopped_cv.wait_for(lock, bound, [&] { return impl_->outstanding == 0; });
}

}  // namespace sluice::notify
