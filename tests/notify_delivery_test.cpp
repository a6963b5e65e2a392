// The delivery worker against a real SQLite outbox, the real HTTP(S) client, and a real receiver
// on 127.0.0.1 that fails, stalls, hangs up or refuses as scripted. Time is the test's: the
// worker and the store read a clock the test moves, the test calls one pass at a time
// (poll_once) and runs the event loop on its own thread until the pass is done, so "nothing was
// sent before the backoff" is checked at a chosen instant, not after a sleep. Only the HTTP
// client's own timeouts (150-300 ms) run on the wall clock.
#include "sluice/notify/delivery_worker.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <future>
#include <optional>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "net_test_support.hpp"
#include "notify_receiver.hpp"
#include "run_command.hpp"
#include "sluice/notify/signature.hpp"
#include "sluice/store/clock.hpp"
#include "sluice/store/store.hpp"

namespace sluice::notify {
namespace {

using namespace std::chrono_literals;
using testing::Receiver;
using testing::ReceiverMode;

constexpr const char* kDefinition = R"({"variants":{"on":true,"off":false},"default":"off"})";
constexpr const char* kSecret = "whsec-test-7f3a9c";

// A first retry is due between backoff_min / 2 and backoff_min after the failure (jitter).
constexpr std::chrono::milliseconds kBackoffMin = 1s;
constexpr std::chrono::milliseconds kBackoffMax = 4s;

class NotifyDeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    now_ = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
    store::StoreOptions options;
    options.clock = [this] { return store::format_rfc3339_ms(now()); };
    store_ = store::open_store("sqlite:" + dir_.path() + "/sluice.db", options);
    store_->migrate();
    ASSERT_EQ(store_->create_flag("checkout", kDefinition, true, "alice").status,
              store::WriteStatus::Ok);
  }

  void TearDown() override {
    run_loop();       // stop() waits for sends in flight: the loop must run for them
    worker_.reset();  // stop() first
    guard_.reset();
    loop_.join();
  }

  TimePoint now() const { return now_.load(); }
  void advance(std::chrono::milliseconds by) { now_ = now_.load() + by; }

  // Runs the event loop on a thread of its own (for stop() and the timer loop's tests).
  void run_loop() {
    if (!loop_.joinable()) loop_ = std::thread([this] { io_.run(); });
  }

  // The worker's settings; the poll interval matters only to the timer loop (start()).
  static Settings quick(std::vector<Target> targets) {
    Settings s;
    s.targets = std::move(targets);
    s.poll = 1h;
    s.backoff_min = kBackoffMin;
    s.backoff_max = kBackoffMax;
    s.max_age = 1h;
    return s;
  }

  static Target webhook(const std::string& url, std::chrono::milliseconds timeout = 2s) {
    Target t;
    t.name = "hook";
    t.kind = TargetKind::Webhook;
    t.url = url;
    t.secret = kSecret;
    t.timeout = timeout;
    return t;
  }

  static Target slack(const std::string& url) {
    Target t;
    t.name = "ops";
    t.kind = TargetKind::Slack;
    t.url = url;
    return t;
  }

  // A worker on the test's clock whose store calls run inline; start() is not called.
  void make(Settings settings) {
    DeliveryHooks hooks;
    hooks.on_attempt = [this](const DeliveryReport& r) {
      std::lock_guard lock(mutex_);
      reports_.push_back(r);
    };
    hooks.on_error = [this](const std::string& e) {
      std::lock_guard lock(mutex_);
      errors_.push_back(e);
    };
    worker_ = std::make_unique<DeliveryWorker>(
        io_, *store_, [](const std::function<void()>& task) { task(); }, std::move(settings),
        [this] { return now(); }, hooks);
  }

  // One pass at the test's `now`, with the event loop run here until every outcome is written.
  PassReport step() {
    std::optional<PassReport> report;
    worker_->poll_once(now(), [&](const PassReport& r) { report = r; });
    run_until([&] { return report.has_value(); });
    return report.value_or(PassReport{.claimed = -1});
  }

  // Runs the event loop on this thread until `done`; fails when no handler is ready for 10 s.
  void run_until(const std::function<bool()>& done) {
    while (!done()) {
      if (io_.run_one_for(10s) == 0) {
        ADD_FAILURE() << "the event loop had nothing to run for 10 s";
        return;
      }
    }
  }

  // Kills (or revives) the flag with one notification per target, as the flags API does; returns
  // the rows' ids in target order.
  std::vector<std::int64_t> enqueue(const std::vector<std::string>& targets) {
    enabled_ = !enabled_;
    const std::string kind = enabled_ ? "revived" : "kill_switch";
    auto result = store_->set_enabled(
        "checkout", enabled_, "alice",
        [&](const store::FlagRecord&, const store::FlagRecord& after) {
          std::vector<store::OutboxRecord> rows;
          const std::string event_id =
              "flag/checkout/version/" + std::to_string(after.version) + "/" + kind;
          for (const auto& target : targets) {
            store::OutboxRecord row;
            row.idempotency_key = event_id + "#" + target;
            row.event_id = event_id;
            row.target = target;
            row.event_kind = kind;
            row.flag = "checkout";
            row.payload_json = nlohmann::json{{"event", kind},
                                              {"flag", "checkout"},
                                              {"actor", "alice"},
                                              {"at", after.updated_at},
                                              {"reason", "payments failing"}}
                                   .dump();
            rows.push_back(row);
          }
          return rows;
        });
    EXPECT_EQ(result.status, store::WriteStatus::Ok);
    std::vector<std::int64_t> ids;
    store::OutboxQuery query;
    query.flag = "checkout";
    query.limit = 1000;
    auto rows = store_->list_outbox(query);
    for (const auto& target : targets) {
      for (const auto& row : rows) {
        if (row.target == target && row.event_kind == kind &&
            row.event_id.find("/version/") != std::string::npos) {
          ids.push_back(row.id);
          break;
        }
      }
    }
    return ids;
  }

  store::OutboxRecord row(std::int64_t id) { return *store_->get_outbox(id); }

  std::vector<DeliveryReport> reports() {
    std::lock_guard lock(mutex_);
    return reports_;
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_{
      io_.get_executor()};
  std::thread loop_;  // only when run_loop() was called; else the test runs the loop
  std::atomic<TimePoint> now_{};
  std::unique_ptr<DeliveryWorker> worker_;
  bool enabled_ = true;
  std::mutex mutex_;
  std::vector<DeliveryReport> reports_;
  std::vector<std::string> errors_;
};

TEST_F(NotifyDeliveryTest, DeliveredAfterFailuresWithAttemptsCountedAndSigned) {
  Receiver receiver;
  receiver.script({ReceiverMode::Fail500, ReceiverMode::Fail500});
  make(quick({webhook(receiver.url("/hooks/sluice"))}));
  const auto id = enqueue({"hook"}).at(0);
  for (std::size_t attempt = 1; attempt <= 3; ++attempt) {
    const PassReport pass = step();
    EXPECT_EQ(pass.claimed, 1) << "attempt " << attempt;
    EXPECT_EQ(pass.delivered, attempt == 3 ? 1 : 0) << "attempt " << attempt;
    EXPECT_EQ(receiver.requests().size(), attempt);
    advance(kBackoffMax);  // past any jitter of the next retry
  }
  const auto row = this->row(id);
  EXPECT_TRUE(row.delivered_at);
  EXPECT_EQ(row.attempts, 3);
  const auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 3u);
  for (const auto& r : requests) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.target, "/hooks/sluice");
    EXPECT_EQ(r.headers.at("sluice-event-id"), row.event_id);
    EXPECT_EQ(r.headers.at("content-type"), "application/json");
    // What a receiver checks: HMAC-SHA256(secret, timestamp "." body), and a recent timestamp.
    const std::string timestamp = r.headers.at("sluice-timestamp");
    EXPECT_EQ(r.headers.at("sluice-signature"),
              "v1=" + hmac_sha256_hex(kSecret, timestamp + "." + r.body));
    const auto age =
        std::chrono::system_clock::now() -
        std::chrono::system_clock::time_point(std::chrono::seconds(std::stoll(timestamp)));
    EXPECT_LT(std::chrono::abs(age), 60s);
    const auto body = nlohmann::json::parse(r.body);
    EXPECT_EQ(body["schema_version"], 1);
    EXPECT_EQ(body["id"], row.event_id);
    EXPECT_EQ(body["type"], "kill_switch");
    EXPECT_EQ(body["reason"], "payments failing");
  }
  const auto seen = reports();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].outcome, "failed");
  EXPECT_NE(seen[0].error.find("HTTP 500"), std::string::npos) << seen[0].error;
  EXPECT_EQ(seen[2].outcome, "delivered");
  EXPECT_EQ(seen[2].attempts, 3);
}

TEST_F(NotifyDeliveryTest, ARetryIsSentOnlyOnceTheClockPassesItsBackoff) {
  Receiver receiver;
  receiver.script({ReceiverMode::Fail500});
  make(quick({webhook(receiver.url("/hook"))}));
  const auto id = enqueue({"hook"}).at(0);
  const TimePoint failed_at = now();
  EXPECT_EQ(step().failed, 1);
  ASSERT_EQ(receiver.requests().size(), 1u);
  // The first retry waits backoff_min, less up to half of it for jitter.
  const auto next = row(id).next_attempt_at;
  ASSERT_TRUE(next);
  EXPECT_GE(*next, store::format_rfc3339_ms(failed_at + kBackoffMin / 2));
  EXPECT_LE(*next, store::format_rfc3339_ms(failed_at + kBackoffMin));

  advance(kBackoffMin / 2 - 1ms);
  EXPECT_EQ(step().claimed, 0) << "sent before its earliest backoff";
  EXPECT_EQ(receiver.requests().size(), 1u);
  EXPECT_EQ(step().claimed, 0) << "a second pass at the same instant sends nothing either";
  EXPECT_EQ(receiver.requests().size(), 1u);

  advance(kBackoffMin / 2 + 1ms);  // backoff_min after the failure: due whatever the jitter
  const PassReport retry = step();
  EXPECT_EQ(retry.claimed, 1);
  EXPECT_EQ(retry.delivered, 1);
  EXPECT_EQ(receiver.requests().size(), 2u);
  EXPECT_TRUE(row(id).delivered_at);
}

TEST_F(NotifyDeliveryTest, A429WithRetryAfterIsNotRetriedSooner) {
  Receiver receiver;
  receiver.script({ReceiverMode::RateLimited});
  make(quick({webhook(receiver.url("/hook"))}));  // backoff 0.5-1 s
  const auto id = enqueue({"hook"}).at(0);
  const PassReport first = step();
  EXPECT_EQ(first.claimed, 1);
  EXPECT_EQ(first.failed, 1);
  ASSERT_EQ(reports().size(), 1u);
  EXPECT_NE(reports()[0].error.find("HTTP 429"), std::string::npos) << reports()[0].error;
  EXPECT_NE(reports()[0].error.find("(Retry-After 30s)"), std::string::npos) << reports()[0].error;
  const auto row = this->row(id);
  ASSERT_TRUE(row.last_error);
  ASSERT_TRUE(row.next_attempt_at);
  const std::string earliest = store::format_rfc3339_ms(now() + 29s);
  EXPECT_GT(*row.next_attempt_at, earliest);  // canonical RFC 3339 strings order as times
  EXPECT_EQ(receiver.requests().size(), 1u);

  advance(29s);  // well past the backoff, not past the receiver's Retry-After
  EXPECT_EQ(step().claimed, 0) << "retried before the receiver's Retry-After";
  EXPECT_EQ(receiver.requests().size(), 1u);

  advance(2s);  // the worker's clock passes the receiver's Retry-After
  const PassReport retry = step();
  EXPECT_EQ(retry.claimed, 1);
  EXPECT_TRUE(this->row(id).delivered_at);
  EXPECT_EQ(receiver.requests().size(), 2u);
}

TEST_F(NotifyDeliveryTest, AStallTimesOutAndIsRetriedWithTheSameEventId) {
  Receiver receiver;
  receiver.script({ReceiverMode::Stall});
  make(quick({webhook(receiver.url("/hook"), 200ms)}));
  const auto id = enqueue({"hook"}).at(0);
  EXPECT_EQ(step().failed, 1);
  advance(kBackoffMax);
  EXPECT_EQ(step().delivered, 1);
  const auto row = this->row(id);
  EXPECT_TRUE(row.delivered_at);
  EXPECT_EQ(row.attempts, 2);
  // At-least-once: the receiver got (and maybe acted on) the first one; it dedupes on the id.
  const auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].headers.at("sluice-event-id"), requests[1].headers.at("sluice-event-id"));
  const auto seen = reports();
  ASSERT_FALSE(seen.empty());
  EXPECT_NE(seen[0].error.find("timed out after 200ms"), std::string::npos) << seen[0].error;
}

TEST_F(NotifyDeliveryTest, AHangUpIsRetried) {
  Receiver receiver;
  receiver.script({ReceiverMode::Close});
  make(quick({webhook(receiver.url("/hook"))}));
  const auto id = enqueue({"hook"}).at(0);
  EXPECT_EQ(step().failed, 1);
  advance(kBackoffMax);
  EXPECT_EQ(step().delivered, 1);
  const auto row = this->row(id);
  EXPECT_TRUE(row.delivered_at);
  EXPECT_EQ(row.attempts, 2);
}

TEST_F(NotifyDeliveryTest, A400IsDeadAtOnceAndSecretsStayOutOfLastError) {
  Receiver receiver;
  receiver.answer_all(ReceiverMode::Reject400);
  make(quick({webhook(receiver.url("/services/T0/SECRETPATH"))}));
  const auto id = enqueue({"hook"}).at(0);
  EXPECT_EQ(step().dead, 1);
  advance(kBackoffMax);
  EXPECT_EQ(step().claimed, 0) << "a dead row is never sent again";
  const auto row = this->row(id);
  EXPECT_TRUE(row.dead_at);
  EXPECT_EQ(row.attempts, 1);
  ASSERT_TRUE(row.last_error);
  EXPECT_NE(row.last_error->find("HTTP 400: invalid_payload"), std::string::npos)
      << *row.last_error;
  EXPECT_NE(row.last_error->find("127.0.0.1:" + std::to_string(receiver.port())),
            std::string::npos);
  EXPECT_EQ(row.last_error->find("SECRETPATH"), std::string::npos) << *row.last_error;
}

TEST_F(NotifyDeliveryTest, A500EchoingTheUrlPathNeverPutsItInLastError) {
  Receiver receiver;
  receiver.answer_all(ReceiverMode::Fail500);  // answers "failed at /services/T0/SECRETPATH"
  make(quick({webhook(receiver.url("/services/T0/SECRETPATH"))}));
  const auto id = enqueue({"hook"}).at(0);
  EXPECT_EQ(step().failed, 1);
  advance(kBackoffMax);
  EXPECT_EQ(step().failed, 1);
  const auto row = this->row(id);
  EXPECT_EQ(row.attempts, 2);
  ASSERT_TRUE(row.last_error);
  EXPECT_NE(row.last_error->find("HTTP 500"), std::string::npos) << *row.last_error;
  EXPECT_EQ(row.last_error->find("SECRETPATH"), std::string::npos) << *row.last_error;
  EXPECT_EQ(row.last_error->find(kSecret), std::string::npos) << *row.last_error;
  EXPECT_FALSE(row.delivered_at);
  EXPECT_FALSE(row.dead_at);
}

TEST_F(NotifyDeliveryTest, TooOldIsDeadAndAnUnknownTargetIsDeadWithAReason) {
  Receiver receiver;
  Settings settings = quick({webhook(receiver.url("/hook"))});
  settings.max_age = 24h;
  const auto ids = enqueue({"hook", "pager"});
  advance(25h);  // the worker comes back a day later
  make(settings);
  const PassReport pass = step();
  EXPECT_EQ(pass.claimed, 2);
  EXPECT_EQ(pass.dead, 2);
  const auto old = row(ids.at(0));
  EXPECT_TRUE(old.dead_at);
  ASSERT_TRUE(old.last_error);
  EXPECT_NE(old.last_error->find("older than max_age 24h"), std::string::npos) << *old.last_error;
  const auto unknown = row(ids.at(1));
  EXPECT_TRUE(unknown.dead_at);
  EXPECT_EQ(unknown.last_error, "no notification target named 'pager' is configured");
  EXPECT_TRUE(receiver.requests().empty());
}

TEST_F(NotifyDeliveryTest, OutcomesSurviveARestart) {
  Receiver receiver;
  receiver.answer_all(ReceiverMode::Fail500);
  make(quick({webhook(receiver.url("/hook"))}));
  const auto id = enqueue({"hook"}).at(0);
  EXPECT_EQ(step().failed, 1);
  EXPECT_EQ(row(id).attempts, 1);
  worker_.reset();  // a clean stop mid-retries
  receiver.answer_all(ReceiverMode::Ok);
  make(quick({webhook(receiver.url("/hook"))}));
  advance(kBackoffMax);
  EXPECT_EQ(step().delivered, 1);
  const auto row = this->row(id);
  EXPECT_TRUE(row.delivered_at);
  EXPECT_GE(row.attempts, 2);
}

// The timer loop is the same pass: start() runs one at once, wake() another. The poll interval is
// an hour, so no timer fires while the test looks.
TEST_F(NotifyDeliveryTest, TheLoopPassesAtStartAndWhenWoken) {
  Receiver receiver;
  make(quick({webhook(receiver.url("/hook"))}));
  const auto first = enqueue({"hook"}).at(0);
  worker_->start();
  run_until([&] { return reports().size() == 1; });
  EXPECT_TRUE(row(first).delivered_at);
  const auto second = enqueue({"hook"}).at(0);
  worker_->wake();
  run_until([&] { return reports().size() == 2; });
  EXPECT_TRUE(row(second).delivered_at);
  EXPECT_EQ(receiver.requests().size(), 2u);
}

class NotifyTlsTest : public NotifyDeliveryTest {
 protected:
  void SetUp() override {
    SLUICE_REQUIRE_OPENSSL();
    std::string why;
    tls_ = testing::make_test_certificates(certs_.path(), &why);
    // With openssl present, failing to make a certificate is a failure, not a reason to skip.
    ASSERT_TRUE(tls_) << why;
    NotifyDeliveryTest::SetUp();
  }

  testing::TempDir certs_;
  std::optional<testing::TlsFiles> tls_;
};

TEST_F(NotifyTlsTest, AnUnknownCaFailsVerification) {
  Receiver receiver(*tls_);
  make(quick({webhook(receiver.url("/hook"))}));  // no CA file: the system's CAs only
  const auto id = enqueue({"hook"}).at(0);
  EXPECT_EQ(step().failed, 1);
  const auto row = this->row(id);
  EXPECT_FALSE(row.delivered_at);
  ASSERT_TRUE(row.last_error);
  EXPECT_NE(row.last_error->find("certificate verify failed"), std::string::npos)
      << *row.last_error;
  EXPECT_NE(row.last_error->find("TLS handshake with 127.0.0.1:"), std::string::npos);
  EXPECT_TRUE(receiver.requests().empty());
}

TEST_F(NotifyTlsTest, TheCaFileMakesItTrustedForWebhooksAndSlack) {
  Receiver receiver(*tls_);
  Settings settings =
      quick({webhook(receiver.url("/hook")), slack(receiver.url("/services/T0/B0/x"))});
  settings.ca_file = tls_->ca_cert;
  settings.dashboard_url = "https://sluice.example.com";
  make(settings);
  const auto ids = enqueue({"hook", "ops"});
  EXPECT_EQ(step().delivered, 2);
  EXPECT_TRUE(row(ids.at(0)).delivered_at);
  EXPECT_TRUE(row(ids.at(1)).delivered_at);
  bool saw_slack = false;
  for (const auto& r : receiver.requests()) {
    if (r.target != "/services/T0/B0/x") continue;
    saw_slack = true;
    const auto message = nlohmann::json::parse(r.body);
    EXPECT_EQ(message["blocks"][0]["text"]["text"], "Kill switch on checkout");
    EXPECT_EQ(r.headers.count("sluice-signature"), 0u);
  }
  EXPECT_TRUE(saw_slack);
}

TEST_F(NotifyTlsTest, AHandshakeWithNoAnswerTimesOut) {
  // Listens but never accepts: the TLS handshake gets no answer; the timeout covers it.
  testing::BlackHole hole;
  Settings settings =
      quick({webhook("https://127.0.0.1:" + std::to_string(hole.port()) + "/hook", 150ms)});
  settings.ca_file = tls_->ca_cert;
  make(settings);
  enqueue({"hook"});
  EXPECT_EQ(step().failed, 1);
  const auto seen = reports();
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen[0].outcome, "failed");
  EXPECT_NE(seen[0].error.find("timed out after 150ms"), std::string::npos) << seen[0].error;
}

TEST_F(NotifyTlsTest, AHostNameIsVerifiedWithSni) {
  Receiver receiver(*tls_);
  // The certificate names localhost (and 127.0.0.1): a name, so SNI is sent and checked.
  Settings settings =
      quick({webhook("https://localhost:" + std::to_string(receiver.port()) + "/hook")});
  settings.ca_file = tls_->ca_cert;
  make(settings);
  const auto id = enqueue({"hook"}).at(0);
  step();
  const auto row = this->row(id);
  EXPECT_TRUE(row.delivered_at) << row.last_error.value_or("");
}

TEST_F(NotifyTlsTest, ACertificateForAnotherNameIsRefusedEvenFromTheTrustedCa) {
  testing::TempDir other;
  std::string why;
  auto wrong = testing::make_test_certificates(other.path(), &why, "DNS:wrong.example");
  ASSERT_TRUE(wrong) << why;
  Receiver receiver(*wrong);
  Settings settings = quick({webhook(receiver.url("/hook"))});
  settings.ca_file = wrong->ca_cert;
  make(settings);
  const auto id = enqueue({"hook"}).at(0);
  EXPECT_EQ(step().failed, 1);
  const auto row = this->row(id);
  EXPECT_FALSE(row.delivered_at);
  ASSERT_TRUE(row.last_error);
  EXPECT_NE(row.last_error->find("certificate verify failed"), std::string::npos)
      << *row.last_error;
  EXPECT_TRUE(receiver.requests().empty());
}

// stop() is called from outside the event loop while a send is in flight: the loop runs on its
// own thread here, and the test waits for the receiver to have the request (bounded, no sleep).
TEST_F(NotifyDeliveryTest, StopWaitsForASendInFlightAndRecordsItsOutcome) {
  Receiver receiver;
  receiver.answer_all(ReceiverMode::Stall);
  make(quick({webhook(receiver.url("/hook"), 300ms)}));
  const auto id = enqueue({"hook"}).at(0);
  run_loop();
  worker_->poll_once(now());
  ASSERT_EQ(receiver.wait_for_requests(1), 1u);
  const auto before = std::chrono::steady_clock::now();
  worker_.reset();  // stop(): the stalled send ends at its timeout, and its outcome is written
  EXPECT_LT(std::chrono::steady_clock::now() - before, 2s);
  const auto row = this->row(id);
  EXPECT_EQ(row.attempts, 1);
  ASSERT_TRUE(row.last_error);
  EXPECT_NE(row.last_error->find("timed out after 300ms"), std::string::npos) << *row.last_error;
  EXPECT_EQ(receiver.requests().size(), 1u);  // nothing new after stop
}

TEST_F(NotifyDeliveryTest, NoMoreThanConcurrencySendsAtOnce) {
  Receiver receiver;
  receiver.answer_all(ReceiverMode::Stall);  // released when the receiver goes, at the test's end
  Settings settings = quick({webhook(receiver.url("/hook"), 30s)});
  settings.concurrency = 2;
  make(settings);
  enqueue({"hook"});
  enqueue({"hook"});
  enqueue({"hook"});
  enqueue({"hook"});
  run_loop();  // the two sends stay in flight while the test looks
  worker_->poll_once(now());
  ASSERT_EQ(receiver.wait_for_requests(2), 2u);
  std::promise<PassReport> second;
  worker_->poll_once(now(), [&](const PassReport& r) { second.set_value(r); });
  auto report = second.get_future();
  ASSERT_EQ(report.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(report.get().claimed, 0) << "two sends in flight: no slot for a third";
  EXPECT_EQ(receiver.requests().size(), 2u);
}

}  // namespace
}  // namespace sluice::notify
