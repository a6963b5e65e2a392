// The delivery worker end to end: a real SQLite outbox, the real HTTP(S) client, and a real
// receiver on 127.0.0.1 that fails, stalls, hangs up or refuses as scripted. Backoffs and
// timeouts are tens of milliseconds, so each test takes well under a second or two.
#include "sluice/notify/delivery_worker.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <optional>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

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

class NotifyDeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = store::open_store("sqlite:" + dir_.path() + "/sluice.db");
    store_->migrate();
    ASSERT_EQ(store_->create_flag("checkout", kDefinition, true, "alice").status,
              store::WriteStatus::Ok);
    loop_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    worker_.reset();  // stop() first: it waits for the loop and the pool
    guard_.reset();
    if (loop_.joinable()) loop_.join();
    pool_.join();
  }

  // Quick settings: a failed attempt is due again 20-40 ms later.
  static Settings quick(std::vector<Target> targets) {
    Settings s;
    s.targets = std::move(targets);
    s.poll = 20ms;
    s.backoff_min = 20ms;
    s.backoff_max = 40ms;
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

  void start(Settings settings) {
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
        io_, *store_, [this](std::function<void()> task) { boost::asio::post(pool_, task); },
        std::move(settings), [this] { return std::chrono::system_clock::now() + offset_.load(); },
        hooks);
    worker_->start();
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
    if (worker_) worker_->wake();
    return ids;
  }

  // Waits (at most 10 s) until the row is delivered or dead.
  store::OutboxRecord settled(std::int64_t id) {
    for (int i = 0; i < 1000; ++i) {
      auto row = store_->get_outbox(id);
      if (row && (row->delivered_at || row->dead_at)) return *row;
      std::this_thread::sleep_for(10ms);
    }
    auto row = *store_->get_outbox(id);
    ADD_FAILURE() << "row " << id << " never settled; attempts " << row.attempts
                  << ", last error: " << row.last_error.value_or("none");
    return row;
  }

  std::vector<DeliveryReport> reports() {
    std::lock_guard lock(mutex_);
    return reports_;
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_{
      io_.get_executor()};
  boost::asio::thread_pool pool_{2};
  std::thread loop_;
  std::atomic<std::chrono::seconds> offset_{0s};
  std::unique_ptr<DeliveryWorker> worker_;
  bool enabled_ = true;
  std::mutex mutex_;
  std::vector<DeliveryReport> reports_;
  std::vector<std::string> errors_;
};

TEST_F(NotifyDeliveryTest, DeliveredAfterFailuresWithAttemptsCountedAndSigned) {
  Receiver receiver;
  receiver.script({ReceiverMode::Fail500, ReceiverMode::Fail500});
  start(quick({webhook(receiver.url("/hooks/sluice"))}));
  const auto id = enqueue({"hook"}).at(0);
  const auto row = settled(id);
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

TEST_F(NotifyDeliveryTest, A429WithRetryAfterIsNotRetriedSooner) {
  Receiver receiver;
  receiver.script({ReceiverMode::RateLimited});
  start(quick({webhook(receiver.url("/hook"))}));  // backoff 20-40 ms
  const auto id = enqueue({"hook"}).at(0);
  for (int i = 0; i < 500 && reports().empty(); ++i)
    std::this_thread::sleep_for(10ms);
  ASSERT_EQ(reports().size(), 1u);
  EXPECT_NE(reports()[0].error.find("HTTP 429"), std::string::npos) << reports()[0].error;
  EXPECT_NE(reports()[0].error.find("(Retry-After 30s)"), std::string::npos) << reports()[0].error;
  std::optional<store::OutboxRecord> row;
  for (int i = 0; i < 500; ++i) {  // the outcome is written on the pool after the report
    row = store_->get_outbox(id);
    if (row && row->last_error) break;
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(row && row->next_attempt_at);
  const std::string earliest =
      store::format_rfc3339_ms(std::chrono::system_clock::now() + offset_.load() + 29s);
  EXPECT_GT(*row->next_attempt_at, earliest);  // canonical RFC 3339 strings order as times
  std::this_thread::sleep_for(200ms);          // several polls: none may send it early
  EXPECT_EQ(receiver.requests().size(), 1u);

  offset_ = 31s;  // the worker's clock passes the receiver's Retry-After
  worker_->wake();
  EXPECT_TRUE(settled(id).delivered_at);
  EXPECT_EQ(receiver.requests().size(), 2u);
}

TEST_F(NotifyDeliveryTest, AStallTimesOutAndIsRetriedWithTheSameEventId) {
  Receiver receiver;
  receiver.script({ReceiverMode::Stall});
  start(quick({webhook(receiver.url("/hook"), 200ms)}));
  const auto id = enqueue({"hook"}).at(0);
  const auto row = settled(id);
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
  start(quick({webhook(receiver.url("/hook"))}));
  const auto row = settled(enqueue({"hook"}).at(0));
  EXPECT_TRUE(row.delivered_at);
  EXPECT_EQ(row.attempts, 2);
}

TEST_F(NotifyDeliveryTest, A400IsDeadAtOnceAndSecretsStayOutOfLastError) {
  Receiver receiver;
  receiver.answer_all(ReceiverMode::Reject400);
  start(quick({webhook(receiver.url("/services/T0/SECRETPATH"))}));
  const auto row = settled(enqueue({"hook"}).at(0));
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
  start(quick({webhook(receiver.url("/services/T0/SECRETPATH"))}));
  const auto id = enqueue({"hook"}).at(0);
  for (int i = 0; i < 500 && store_->get_outbox(id)->attempts < 2; ++i)
    std::this_thread::sleep_for(10ms);
  worker_.reset();
  const auto row = *store_->get_outbox(id);
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
  offset_ = 25h;  // the worker comes back a day later
  start(settings);
  const auto old = settled(ids.at(0));
  EXPECT_TRUE(old.dead_at);
  ASSERT_TRUE(old.last_error);
  EXPECT_NE(old.last_error->find("older than max_age 24h"), std::string::npos) << *old.last_error;
  const auto unknown = settled(ids.at(1));
  EXPECT_TRUE(unknown.dead_at);
  EXPECT_EQ(unknown.last_error, "no notification target named 'pager' is configured");
  EXPECT_TRUE(receiver.requests().empty());
}

TEST_F(NotifyDeliveryTest, OutcomesSurviveARestart) {
  Receiver receiver;
  receiver.answer_all(ReceiverMode::Fail500);
  start(quick({webhook(receiver.url("/hook"))}));
  const auto id = enqueue({"hook"}).at(0);
  for (int i = 0; i < 500 && store_->get_outbox(id)->attempts < 1; ++i)
    std::this_thread::sleep_for(10ms);
  worker_.reset();  // a clean stop mid-retries
  receiver.answer_all(ReceiverMode::Ok);
  start(quick({webhook(receiver.url("/hook"))}));
  const auto row = settled(id);
  EXPECT_TRUE(row.delivered_at);
  EXPECT_GE(row.attempts, 2);
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
  start(quick({webhook(receiver.url("/hook"))}));  // no CA file: the system's CAs only
  const auto id = enqueue({"hook"}).at(0);
  for (int i = 0; i < 500 && reports().empty(); ++i)
    std::this_thread::sleep_for(10ms);
  worker_.reset();
  const auto row = *store_->get_outbox(id);
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
  start(settings);
  const auto ids = enqueue({"hook", "ops"});
  EXPECT_TRUE(settled(ids.at(0)).delivered_at);
  EXPECT_TRUE(settled(ids.at(1)).delivered_at);
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
  start(settings);
  enqueue({"hook"});
  for (int i = 0; i < 500 && reports().empty(); ++i)
    std::this_thread::sleep_for(10ms);
  worker_.reset();
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
  start(settings);
  const auto row = settled(enqueue({"hook"}).at(0));
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
  start(settings);
  const auto id = enqueue({"hook"}).at(0);
  for (int i = 0; i < 500 && reports().empty(); ++i)
    std::this_thread::sleep_for(10ms);
  worker_.reset();
  const auto row = *store_->get_outbox(id);
  EXPECT_FALSE(row.delivered_at);
  ASSERT_TRUE(row.last_error);
  EXPECT_NE(row.last_error->find("certificate verify failed"), std::string::npos)
      << *row.last_error;
  EXPECT_TRUE(receiver.requests().empty());
}

TEST_F(NotifyDeliveryTest, StopWaitsForASendInFlightAndRecordsItsOutcome) {
  Receiver receiver;
  receiver.answer_all(ReceiverMode::Stall);
  start(quick({webhook(receiver.url("/hook"), 300ms)}));
  const auto id = enqueue({"hook"}).at(0);
  for (int i = 0; i < 500 && receiver.requests().empty(); ++i)
    std::this_thread::sleep_for(5ms);
  ASSERT_EQ(receiver.requests().size(), 1u);
  const auto before = std::chrono::steady_clock::now();
  worker_.reset();  // stop(): the stalled send ends at its timeout, and its outcome is written
  EXPECT_LT(std::chrono::steady_clock::now() - before, 2s);
  const auto row = *store_->get_outbox(id);
  EXPECT_EQ(row.attempts, 1);
  ASSERT_TRUE(row.last_error);
  EXPECT_NE(row.last_error->find("timed out after 300ms"), std::string::npos) << *row.last_error;
  EXPECT_EQ(receiver.requests().size(), 1u);  // nothing new after stop
}

TEST_F(NotifyDeliveryTest, NoMoreThanConcurrencySendsAtOnce) {
  Receiver receiver;
  receiver.answer_all(ReceiverMode::Stall);
  Settings settings = quick({webhook(receiver.url("/hook"), 400ms)});
  settings.concurrency = 2;
  start(settings);
  enqueue({"hook"});
  enqueue({"hook"});
  enqueue({"hook"});
  enqueue({"hook"});
  for (int i = 0; i < 500 && receiver.requests().size() < 2; ++i)
    std::this_thread::sleep_for(5ms);
  std::this_thread::sleep_for(150ms);  // within the first sends' timeout: no third may start
  EXPECT_EQ(receiver.requests().size(), 2u);
}

}  // namespace
}  // namespace sluice::notify
