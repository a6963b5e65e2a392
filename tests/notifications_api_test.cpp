// The notifications API of a real `sluice serve` over HTTP: listing the outbox with its filters
// and pages, one row with its payload, a person's retry, scopes and the error bodies. The rows
// are written into the same SQLite file beforehand, as the controller and a kill switch write
// them.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "auth.hpp"
#include "flag_event_outbox.hpp"
#include "http_client.hpp"
#include "run_command.hpp"
#include "sluice/store/store.hpp"
#include "sluice_process.hpp"

namespace sluice {
namespace {

using ::testing::HasSubstr;
using testing::HttpClient;
using testing::SluiceProcess;
using Json = nlohmann::json;

std::string definition(const std::string& key) {
  return R"({"key":")" + key +
         R"(","variants":{"on":true,"off":false},"off_variant":"off","default":{"variant":"off"}})";
}

testing::Headers bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}};
}

std::vector<std::int64_t> ids_of(const Json& body) {
  std::vector<std::int64_t> ids;
  for (const Json& row : body.at("notifications"))
    ids.push_back(row.at("id").get<std::int64_t>());
  return ids;
}

class NotificationsApiEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    store_url_ = "sqlite:" + dir_.path() + "/sluice.db";
    auto store = store::open_store(store_url_);
    store->migrate();
    for (const auto& [name, scope] : {std::pair{"alice", store::TokenScope::Admin},
                                      std::pair{"dashboards", store::TokenScope::Read},
                                      std::pair{"web-sdk", store::TokenScope::Sdk}}) {
      ASSERT_EQ(
          store
              ->create_token(name, scope, server::sha256_hex(std::string("token-") + name), "setup")
              .status,
          store::WriteStatus::Ok);
    }
    seed(*store);
    server_ =
        std::make_unique<SluiceProcess>(std::vector<std::string>{"--store", store_url_},
                                        std::vector<std::string>{}, dir_.path() + "/serve.log");
    client_ = std::make_unique<HttpClient>(server_->port());
  }

  // Rows 1, 2: a rollout decision of "checkout" for slack and hook (1 delivered, 2 dead);
  // row 3: the kill switch of "search" for slack; rows 4, 5, 6: the next decision of
  // "checkout" for a, b and c (pending).
  void seed(store::Store& store) {
    ASSERT_EQ(store.create_flag("checkout", definition("checkout"), true, "setup").status,
              store::WriteStatus::Ok);
    ASSERT_EQ(store.create_flag("search", definition("search"), true, "setup").status,
              store::WriteStatus::Ok);
    auto rollout = store.create_rollout("checkout", "{}", std::string(64, 'a'), "{}", "{}",
                                        "progressing", "setup");
    ASSERT_EQ(rollout.status, store::RolloutCreateStatus::Ok);
    auto decide = [&](std::int64_t sequence, const std::string& sentence,
                      const std::vector<std::string>& targets) {
      store::DecisionWrite write;
      write.rollout_id = rollout.rollout->id;
      write.expected_sequence = sequence - 1;
      write.state_json = "{}";
      write.window_json = "{}";
      write.phase = "progressing";
      write.decision.sequence = sequence;
      write.decision.at = "2024-05-01T12:00:00Z";
      write.decision.actor = "controller";
      write.decision.kind = "advance";
      write.decision.sentence = sentence;
      write.decision.evidence_json = "null";
      const std::string event = "rollout/" + std::to_string(rollout.rollout->id) + "/decision/" +
                                std::to_string(sequence) + "/advanced";
      for (const std::string& target : targets) {
        store::OutboxRecord row;
        row.event_id = event;
        row.target = target;
        row.idempotency_key = event + "#" + target;
        row.event_kind = "advanced";
        row.rollout_id = rollout.rollout->id;
        row.payload_json = Json{{"event", "advanced"},
                                {"rollout_id", rollout.rollout->id},
                                {"flag", "checkout"},
                                {"decision", {{"sequence", sequence}, {"sentence", sentence}}}}
                               .dump();
        write.outbox.push_back(row);
      }
      ASSERT_EQ(store.record_decisions({write}).at(0).status, store::DecisionWriteStatus::Ok);
    };
    decide(1, "advanced checkout to 25% (stage 2 of 4)", {"slack", "hook"});
    ASSERT_EQ(store
                  .set_enabled("search", false, "oncall",
                               server::flag_event_outbox({"slack"}, "oncall", "bad results"))
                  .status,
              store::WriteStatus::Ok);
    decide(2, "advanced checkout to 50% (stage 3 of 4)", {"a", "b", "c"});
    ASSERT_EQ(store.list_outbox({}).size(), 6u);
    ASSERT_TRUE(store.mark_outbox_delivered(1, "2024-05-01T12:00:01Z"));
    ASSERT_TRUE(store.mark_outbox_dead(2, "hook: HTTP 410 Gone", "2024-05-01T12:00:02Z"));
  }

  testing::ClientResponse call(const std::string& method, const std::string& target,
                               const std::string& token = "token-alice") {
    return client_->request(method, target, {}, bearer(token));
  }

  Json get_json(const std::string& target, const std::string& token = "token-dashboards") {
    auto response = call("GET", target, token);
    EXPECT_EQ(response.status, 200) << target << ": " << response.body;
    return Json::parse(response.body);
  }

  // The error body of a refused request: its code (and the status checked).
  std::string error_code(const testing::ClientResponse& response, int status) {
    EXPECT_EQ(response.status, status) << response.body;
    const Json body = Json::parse(response.body, nullptr, false);
    EXPECT_TRUE(body.is_object() && body.contains("message")) << response.body;
    return body.value("code", "");
  }

  testing::TempDir dir_;
  std::string store_url_;
  std::unique_ptr<SluiceProcess> server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(NotificationsApiEndToEnd, ReadersListAndGetAdminsRetryOthersAreRefused) {
  EXPECT_EQ(client_->request("GET", "/v1/notifications").status, 401);
  EXPECT_EQ(call("GET", "/v1/notifications", "wrong-token").status, 401);
  EXPECT_EQ(call("GET", "/v1/notifications", "token-web-sdk").status, 403);
  EXPECT_EQ(call("GET", "/v1/notifications/2", "token-web-sdk").status, 403);
  EXPECT_EQ(call("GET", "/v1/notifications", "token-dashboards").status, 200);
  EXPECT_EQ(call("GET", "/v1/notifications/2", "token-dashboards").status, 200);
  EXPECT_EQ(call("POST", "/v1/notifications/2/retry", "token-dashboards").status, 403);
  EXPECT_EQ(call("POST", "/v1/notifications/2/retry", "token-web-sdk").status, 403);
  EXPECT_EQ(get_json("/v1/notifications/2")["status"], "dead");  // refusals changed nothing
  EXPECT_EQ(call("POST", "/v1/notifications/2/retry", "token-alice").status, 200);
  EXPECT_EQ(call("PUT", "/v1/notifications/2", "token-alice").status, 405);
}

TEST_F(NotificationsApiEndToEnd, ListShowsEveryFieldButThePayload) {
  const Json body = get_json("/v1/notifications");
  EXPECT_EQ(ids_of(body), (std::vector<std::int64_t>{6, 5, 4, 3, 2, 1}));  // newest first
  EXPECT_TRUE(body["next_before"].is_null());

  const Json& dead = body["notifications"][4];
  EXPECT_EQ(dead["id"], 2);
  EXPECT_EQ(dead["event_id"], "rollout/1/decision/1/advanced");
  EXPECT_EQ(dead["event"], "advanced");
  EXPECT_EQ(dead["target"], "hook");
  EXPECT_EQ(dead["flag"], "checkout");
  EXPECT_EQ(dead["rollout_id"], 1);
  EXPECT_EQ(dead["status"], "dead");
  EXPECT_EQ(dead["attempts"], 0);
  EXPECT_TRUE(dead["created_at"].is_string());
  EXPECT_TRUE(dead["next_attempt_at"].is_null());
  EXPECT_TRUE(dead["delivered_at"].is_null());
  EXPECT_EQ(dead["dead_at"], "2024-05-01T12:00:02.000Z");
  EXPECT_TRUE(dead["retried_at"].is_null());
  EXPECT_EQ(dead["last_error"], "hook: HTTP 410 Gone");
  EXPECT_EQ(dead["summary"], "advanced checkout to 25% (stage 2 of 4)");
  EXPECT_FALSE(dead.contains("payload"));
  EXPECT_FALSE(dead.contains("idempotency_key"));

  const Json& delivered = body["notifications"][5];
  EXPECT_EQ(delivered["status"], "delivered");
  EXPECT_EQ(delivered["delivered_at"], "2024-05-01T12:00:01.000Z");
  const Json& kill = body["notifications"][3];
  EXPECT_EQ(kill["id"], 3);
  EXPECT_EQ(kill["event"], "kill_switch");
  EXPECT_EQ(kill["flag"], "search");
  EXPECT_EQ(kill["target"], "slack");
  EXPECT_EQ(kill["status"], "pending");
  EXPECT_TRUE(kill["rollout_id"].is_null());
  EXPECT_TRUE(kill["summary"].is_null());  // a kill switch has no decision sentence
}

TEST_F(NotificationsApiEndToEnd, FiltersAndPages) {
  EXPECT_EQ(ids_of(get_json("/v1/notifications?status=pending")),
            (std::vector<std::int64_t>{6, 5, 4, 3}));
  EXPECT_EQ(ids_of(get_json("/v1/notifications?status=delivered")), (std::vector<std::int64_t>{1}));
  EXPECT_EQ(ids_of(get_json("/v1/notifications?status=dead")), (std::vector<std::int64_t>{2}));
  EXPECT_EQ(ids_of(get_json("/v1/notifications?flag=search")), (std::vector<std::int64_t>{3}));
  EXPECT_EQ(ids_of(get_json("/v1/notifications?flag=checkout&status=pending")),
            (std::vector<std::int64_t>{6, 5, 4}));
  EXPECT_TRUE(get_json("/v1/notifications?flag=nope")["notifications"].empty());

  Json page = get_json("/v1/notifications?limit=2");
  EXPECT_EQ(ids_of(page), (std::vector<std::int64_t>{6, 5}));
  ASSERT_EQ(page["next_before"], 5);
  page = get_json("/v1/notifications?limit=2&before=5");
  EXPECT_EQ(ids_of(page), (std::vector<std::int64_t>{4, 3}));
  ASSERT_EQ(page["next_before"], 3);
  page = get_json("/v1/notifications?limit=2&before=3");
  EXPECT_EQ(ids_of(page), (std::vector<std::int64_t>{2, 1}));
  EXPECT_TRUE(page["next_before"].is_null());  // nothing older

  page = get_json("/v1/notifications?flag=checkout&limit=2&before=6");
  EXPECT_EQ(ids_of(page), (std::vector<std::int64_t>{5, 4}));
  EXPECT_EQ(page["next_before"], 4);
}

TEST_F(NotificationsApiEndToEnd, BadQueriesAre400WithTheField) {
  for (const std::string query : {"status=sent", "status=", "limit=0", "limit=1001", "limit=ten",
                                  "before=0", "before=-3", "before=x"}) {
    auto response = call("GET", "/v1/notifications?" + query, "token-dashboards");
    if (query == "status=") {
      EXPECT_EQ(response.status, 200);  // empty means no filter
      continue;
    }
    EXPECT_EQ(error_code(response, 400), "invalid_query") << query;
    const std::string field = query.substr(0, query.find('='));
    EXPECT_EQ(Json::parse(response.body)["field"], field) << query;
  }
}

TEST_F(NotificationsApiEndToEnd, OneRowComesWithItsPayload) {
  const Json row = get_json("/v1/notifications/4");
  EXPECT_EQ(row["id"], 4);
  EXPECT_EQ(row["target"], "a");
  EXPECT_EQ(row["summary"], "advanced checkout to 50% (stage 3 of 4)");
  ASSERT_TRUE(row["payload"].is_object());  // embedded as JSON, not a string
  EXPECT_EQ(row["payload"]["decision"]["sequence"], 2);
  EXPECT_EQ(row["payload"]["flag"], "checkout");

  const Json kill = get_json("/v1/notifications/3");
  EXPECT_EQ(kill["payload"]["reason"], "bad results");
  EXPECT_EQ(kill["payload"]["actor"], "oncall");

  auto missing = call("GET", "/v1/notifications/999", "token-dashboards");
  EXPECT_EQ(error_code(missing, 404), "not_found");
  EXPECT_THAT(Json::parse(missing.body)["message"].get<std::string>(), HasSubstr("999"));
  EXPECT_EQ(error_code(call("GET", "/v1/notifications/abc", "token-dashboards"), 404), "not_found");
  EXPECT_EQ(error_code(call("GET", "/v1/notifications/0", "token-dashboards"), 404), "not_found");
}

TEST_F(NotificationsApiEndToEnd, RetryRevivesADeadLetterAndRefusesDeliveredAndUnknown) {
  auto retried = call("POST", "/v1/notifications/2/retry");
  ASSERT_EQ(retried.status, 200) << retried.body;
  const Json row = Json::parse(retried.body);
  EXPECT_EQ(row["id"], 2);
  EXPECT_EQ(row["status"], "pending");
  EXPECT_EQ(row["attempts"], 0);
  EXPECT_TRUE(row["dead_at"].is_null());
  ASSERT_TRUE(row["retried_at"].is_string());
  EXPECT_EQ(row["next_attempt_at"], row["retried_at"]);
  EXPECT_EQ(row["last_error"], "hook: HTTP 410 Gone");  // kept until the next attempt
  EXPECT_TRUE(row["payload"].is_object());
  EXPECT_EQ(ids_of(get_json("/v1/notifications?status=dead")), std::vector<std::int64_t>{});
  EXPECT_EQ(get_json("/v1/notifications/2")["status"], "pending");

  // A pending row may be retried too (due now instead of later).
  EXPECT_EQ(call("POST", "/v1/notifications/5/retry").status, 200);

  auto delivered = call("POST", "/v1/notifications/1/retry");
  EXPECT_EQ(error_code(delivered, 409), "already_delivered");
  EXPECT_THAT(Json::parse(delivered.body)["message"].get<std::string>(),
              HasSubstr("2024-05-01T12:00:01.000Z"));
  EXPECT_EQ(error_code(call("POST", "/v1/notifications/999/retry"), 404), "not_found");
  EXPECT_EQ(error_code(call("POST", "/v1/notifications/x/retry"), 404), "not_found");

  // Audited under the token's name, each retry once.
  auto store = store::open_store(store_url_);
  std::vector<store::AuditEntry> retries;
  for (const auto& entry : store->audit({.limit = 1000}))
    if (entry.action == "retry") retries.push_back(entry);
  ASSERT_EQ(retries.size(), 2u);
  EXPECT_EQ(retries[0].actor, "alice");
  EXPECT_EQ(retries[0].target_kind, "notification");
  EXPECT_EQ(retries[0].target_key, "2");
  EXPECT_EQ(retries[1].target_key, "5");
}

}  // namespace
}  // namespace sluice
