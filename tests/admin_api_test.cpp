// The admin API's request logic over a real SQLite store, without a network.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "admin_api.hpp"
#include "admin_request_support.hpp"
#include "run_command.hpp"
#include "sluice/store/store.hpp"
#include "snapshot_loader.hpp"

namespace sluice::server {
namespace {

using test_support::request;
using ::testing::HasSubstr;
using Json = nlohmann::ordered_json;  // keeps variant order as written

const char* kCheckout = R"({
  "key": "checkout",
  "description": "New checkout",
  "kind": "release",
  "owner": "team-pay",
  "tags": ["pay"],
  "variants": {"on": true, "off": false},
  "off_variant": "off",
  "default": {"split": {"weights": [{"variant": "on", "weight": 5}, {"variant": "off", "weight": 95}]}}
})";

HttpRequest for_key(std::string method, const std::string& key, std::string body = {}) {
  return request(std::move(method), std::move(body), {{"key", key}});
}

class AdminApiTest : public ::testing::Test {
 protected:
  void SetUp() override { open({}); }

  void open(std::vector<std::string> flag_paths) {
    api_.reset();
    loader_.reset();
    store_ = store::open_store("sqlite:" + dir_.path() + "/sluice.db");
    store_->migrate();
    publisher_ = std::make_unique<SnapshotPublisher>();
    loader_ = std::make_unique<SnapshotLoader>(*store_, *publisher_, std::move(flag_paths));
    ASSERT_TRUE(loader_->reload().empty());
    api_ = std::make_unique<AdminApi>(*store_, *loader_, *publisher_);
  }

  Evaluation evaluate(const std::string& key, const Context& context) {
    prepared_ = publisher_->current().snapshot->prepare(context);
    return publisher_->current().snapshot->evaluate(key, prepared_);
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<SnapshotPublisher> publisher_;
  std::unique_ptr<SnapshotLoader> loader_;
  std::unique_ptr<AdminApi> api_;
  PreparedContext prepared_;
};

TEST_F(AdminApiTest, CreateThenGetReturnsABodyThatPutAcceptsBack) {
  HttpResponse created = api_->create_flag(request("POST", kCheckout), "alice");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.header("ETag"), "\"1\"");

  HttpResponse got = api_->get_flag(for_key("GET", "checkout"));
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.body, created.body);
  auto json = Json::parse(got.body);
  EXPECT_EQ(json["owner"], "team-pay");
  EXPECT_EQ(json["enabled"], true);

  HttpRequest put = for_key("PUT", "checkout", got.body);
  put.headers.push_back({"If-Match", std::string(got.header("ETag"))});
  HttpResponse replaced = api_->replace_flag(put, "alice");
  EXPECT_EQ(replaced.status, 200) << replaced.body;
  EXPECT_EQ(replaced.header("ETag"), "\"2\"");

  // The published snapshot serves the flag at once.
  EXPECT_EQ(evaluate("checkout", Context{{"targetingKey", "u1"}}).reason, Reason::Split);
}

TEST_F(AdminApiTest, InvalidDefinitionsGetTheMessagesOfValidate) {
  Json flag = Json::parse(kCheckout);
  flag["off_variant"] = "of";
  HttpResponse r = api_->create_flag(request("POST", flag.dump()), "alice");
  EXPECT_EQ(r.status, 400);
  auto body = Json::parse(r.body);
  EXPECT_EQ(body["code"], "invalid_definition");
  EXPECT_EQ(body["message"],
            "field 'off_variant': unknown variant 'of' in flag 'checkout' (variants: on, off)");

  flag = Json::parse(kCheckout);
  flag["colour"] = "blue";
  body = Json::parse(api_->create_flag(request("POST", flag.dump()), "alice").body);
  EXPECT_EQ(body["message"], "unknown field 'colour' in flag");
  EXPECT_EQ(body["field"], "colour");
  EXPECT_EQ(api_->get_flag(for_key("GET", "checkout")).status, 404);  // nothing half-applied
}

TEST_F(AdminApiTest, StaleVersionsAndDuplicatesConflict) {
  ASSERT_EQ(api_->create_flag(request("POST", kCheckout), "alice").status, 201);
  EXPECT_EQ(api_->create_flag(request("POST", kCheckout), "bob").status, 409);

  HttpRequest stale = for_key("PUT", "checkout", kCheckout);
  stale.headers.push_back({"If-Match", "\"7\""});
  HttpResponse r = api_->replace_flag(stale, "bob");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(Json::parse(r.body)["code"], "version_conflict");

  HttpRequest mismatch = for_key("PUT", "other", kCheckout);
  EXPECT_EQ(api_->replace_flag(mismatch, "bob").status, 400);
}

TEST_F(AdminApiTest, RejectsOtherContentTypes) {
  HttpRequest r = request("POST", kCheckout);
  r.headers = {{"Content-Type", "text/yaml"}};
  HttpResponse response = api_->create_flag(r, "alice");
  EXPECT_EQ(response.status, 415);
  EXPECT_EQ(Json::parse(response.body)["code"], "unsupported_media_type");
}

TEST_F(AdminApiTest, KillAndReviveChangeStateNotDefinition) {
  ASSERT_EQ(api_->create_flag(request("POST", kCheckout), "alice").status, 201);
  HttpResponse killed = api_->set_enabled(for_key("POST", "checkout"), false, "oncall");
  ASSERT_EQ(killed.status, 200) << killed.body;
  EXPECT_EQ(Json::parse(killed.body)["enabled"], false);
  Evaluation e = evaluate("checkout", Context{{"targetingKey", "u1"}});
  EXPECT_EQ(e.reason, Reason::Disabled);
  EXPECT_EQ(e.variant, "off");
  EXPECT_EQ(Json::parse(api_->get_flag(for_key("GET", "checkout")).body)["enabled"], false);

  ASSERT_EQ(api_->set_enabled(for_key("POST", "checkout"), true, "oncall").status, 200);
  EXPECT_EQ(evaluate("checkout", Context{{"targetingKey", "u1"}}).reason, Reason::Split);
  EXPECT_EQ(api_->set_enabled(for_key("POST", "nope"), false, "oncall").status, 404);
}

TEST_F(AdminApiTest, KillSwitchEnqueuesItsNotificationInTheSameWrite) {
  std::vector<std::string> asked;
  api_ = std::make_unique<AdminApi>(
      *store_, *loader_, *publisher_,
      [&](std::string_view event, const std::vector<std::string>& policy_targets) {
        asked.emplace_back(event);
        EXPECT_TRUE(policy_targets.empty());  // no active rollout
        return std::vector<std::string>{"ops-slack", "audit-hook"};
      });
  ASSERT_EQ(api_->create_flag(request("POST", kCheckout), "alice").status, 201);
  HttpResponse killed = api_->set_enabled(
      for_key("POST", "checkout", R"({"reason":"checkout 500s"})"), false, "oncall");
  ASSERT_EQ(killed.status, 200) << killed.body;
  const std::int64_t version = Json::parse(killed.body)["version"].get<std::int64_t>();

  auto rows = store_->due_outbox("2100-01-01T00:00:00Z", 100);
  ASSERT_EQ(rows.size(), 2u);
  const std::string event_id = "flag/checkout/version/" + std::to_string(version) + "/kill_switch";
  for (const auto& row : rows) {
    EXPECT_EQ(row.event_id, event_id);
    EXPECT_EQ(row.event_kind, "kill_switch");
    EXPECT_EQ(row.flag, "checkout");
    Json payload = Json::parse(row.payload_json);
    EXPECT_EQ(payload["actor"], "oncall");
    EXPECT_EQ(payload["reason"], "checkout 500s");
    EXPECT_EQ(payload["enabled"], false);
  }
  EXPECT_EQ(rows[0].target, "ops-slack");
  EXPECT_EQ(rows[1].target, "audit-hook");

  // Killing a flag that is already off changes nothing served and tells no one.
  ASSERT_EQ(api_->set_enabled(for_key("POST", "checkout"), false, "oncall").status, 200);
  EXPECT_EQ(store_->due_outbox("2100-01-01T00:00:00Z", 100).size(), 2u);
  // A bad body is refused before anything is written.
  EXPECT_EQ(api_->set_enabled(for_key("POST", "checkout", "[1]"), true, "oncall").status, 400);
  EXPECT_EQ(store_->due_outbox("2100-01-01T00:00:00Z", 100).size(), 2u);

  ASSERT_EQ(api_->set_enabled(for_key("POST", "checkout"), true, "oncall").status, 200);
  auto after = store_->due_outbox("2100-01-01T00:00:00Z", 100);
  ASSERT_EQ(after.size(), 4u);
  EXPECT_EQ(after[2].event_kind, "revived");
  EXPECT_EQ(asked, (std::vector<std::string>{"kill_switch", "kill_switch", "revived"}));
}

TEST_F(AdminApiTest, AnAuditTimeThatIsNotRfc3339Is400NotAnInternalError) {
  HttpRequest query = request("GET");
  query.query = {{"since", "yesterday"}};
  HttpResponse r = api_->audit(query);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(Json::parse(r.body)["code"], "invalid_argument");
  EXPECT_THAT(Json::parse(r.body)["message"].get<std::string>(), HasSubstr("RFC 3339"));
}

TEST_F(AdminApiTest, MergePatchChangesOneField) {
  ASSERT_EQ(api_->create_flag(request("POST", kCheckout), "alice").status, 201);
  HttpRequest patch = for_key("PATCH", "checkout", R"({"description":"Faster checkout"})");
  patch.headers = {{"Content-Type", "application/merge-patch+json"}};
  HttpResponse r = api_->patch_flag(patch, "alice");
  ASSERT_EQ(r.status, 200) << r.body;
  auto json = Json::parse(r.body);
  EXPECT_EQ(json["description"], "Faster checkout");
  EXPECT_EQ(json["owner"], "team-pay");
}

TEST_F(AdminApiTest, ArchiveRefusesAFlagOthersDependOn) {
  ASSERT_EQ(api_->create_flag(request("POST", kCheckout), "alice").status, 201);
  Json dependent = Json::parse(kCheckout);
  dependent["key"] = "checkout-v2";
  dependent["prerequisites"] = Json::parse(R"([{"flag":"checkout","variants":["on"]}])");
  ASSERT_EQ(api_->create_flag(request("POST", dependent.dump()), "alice").status, 201);
  HttpResponse refused = api_->archive_flag(for_key("DELETE", "checkout"), "alice");
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(Json::parse(refused.body)["code"], "in_use");
  EXPECT_EQ(api_->archive_flag(for_key("DELETE", "checkout-v2"), "alice").status, 200);
  EXPECT_EQ(api_->get_flag(for_key("GET", "checkout-v2")).status, 404);
  EXPECT_FALSE(publisher_->current().snapshot->find("checkout-v2").has_value());
}

TEST_F(AdminApiTest, SegmentsCrudAndInUseProtection) {
  HttpResponse created = api_->create_segment(
      request("POST", R"({"key":"beta","attribute":"accountId","ids":["a1","a2"]})"), "alice");
  ASSERT_EQ(created.status, 201) << created.body;
  Json flag = Json::parse(kCheckout);
  flag["rules"] = Json::parse(R"([{"segments":["beta"],"serve":{"variant":"on"}}])");
  ASSERT_EQ(api_->create_flag(request("POST", flag.dump()), "alice").status, 201);
  EXPECT_EQ(evaluate("checkout", Context{{"targetingKey", "u"}, {"accountId", "a2"}}).reason,
            Reason::TargetingMatch);

  EXPECT_EQ(api_->delete_segment(for_key("DELETE", "beta"), "alice").status, 409);
  HttpResponse listed = api_->list_segments(request("GET"));
  EXPECT_EQ(Json::parse(listed.body)["segments"].size(), 1u);
  HttpResponse replaced = api_->replace_segment(
      for_key("PUT", "beta", R"({"key":"beta","attribute":"accountId","ids":["a3"]})"), "alice");
  EXPECT_EQ(replaced.status, 200) << replaced.body;
  EXPECT_EQ(evaluate("checkout", Context{{"targetingKey", "u"}, {"accountId", "a2"}}).reason,
            Reason::Split);
}

TEST_F(AdminApiTest, AuditRecordsWhoDidWhatWithBeforeAndAfter) {
  ASSERT_EQ(api_->create_flag(request("POST", kCheckout), "alice").status, 201);
  ASSERT_EQ(api_->set_enabled(for_key("POST", "checkout"), false, "oncall").status, 200);
  HttpRequest query = request("GET");
  query.query = {{"flag", "checkout"}};
  auto entries = Json::parse(api_->audit(query).body)["entries"];
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0]["action"], "create");
  EXPECT_EQ(entries[0]["actor"], "alice");
  EXPECT_TRUE(entries[0]["before"].is_null());
  EXPECT_EQ(entries[0]["after"]["key"], "checkout");
  EXPECT_EQ(entries[1]["action"], "kill");
  EXPECT_EQ(entries[1]["actor"], "oncall");

  query.query = {{"flag", "checkout"}, {"limit", "1"}};
  auto page = Json::parse(api_->audit(query).body);
  ASSERT_EQ(page["entries"].size(), 1u);
  query.query.push_back({"after", std::to_string(page["next"].get<std::int64_t>())});
  auto second = Json::parse(api_->audit(query).body);
  EXPECT_EQ(second["entries"][0]["action"], "kill");
}

TEST_F(AdminApiTest, AuditReadsNewestFirstAndPagesBackwardsWithBefore) {
  ASSERT_EQ(api_->create_flag(request("POST", kCheckout), "alice").status, 201);
  ASSERT_EQ(api_->set_enabled(for_key("POST", "checkout"), false, "oncall").status, 200);
  ASSERT_EQ(api_->set_enabled(for_key("POST", "checkout"), true, "oncall").status, 200);
  HttpRequest query = request("GET");
  query.query = {{"flag", "checkout"}, {"order", "desc"}, {"limit", "2"}};
  auto page = Json::parse(api_->audit(query).body);
  ASSERT_EQ(page["entries"].size(), 2u);
  EXPECT_EQ(page["entries"][0]["action"], "revive");
  EXPECT_EQ(page["entries"][1]["action"], "kill");
  query.query.push_back({"before", std::to_string(page["next"].get<std::int64_t>())});
  auto older = Json::parse(api_->audit(query).body);
  ASSERT_EQ(older["entries"].size(), 1u);
  EXPECT_EQ(older["entries"][0]["action"], "create");
  EXPECT_TRUE(older["next"].is_null());

  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"order", "newest"}, {"before", "x1"}, {"after", "-3"}}) {
    query.query = {{name, value}};
    HttpResponse refused = api_->audit(query);
    EXPECT_EQ(refused.status, 400) << name;
    EXPECT_EQ(Json::parse(refused.body)["code"], "invalid_query") << name;
    EXPECT_EQ(Json::parse(refused.body)["field"], name);
  }
}

TEST_F(AdminApiTest, ListFiltersByTagKindAndOwner) {
  ASSERT_EQ(api_->create_flag(request("POST", kCheckout), "alice").status, 201);
  HttpRequest list = request("GET");
  list.query = {{"tag", "pay"}};
  EXPECT_EQ(Json::parse(api_->list_flags(list).body)["flags"].size(), 1u);
  list.query = {{"kind", "ops"}};
  EXPECT_EQ(Json::parse(api_->list_flags(list).body)["flags"].size(), 0u);
  list.query = {{"owner", "team-pay"}};
  auto flags = Json::parse(api_->list_flags(list).body)["flags"];
  ASSERT_EQ(flags.size(), 1u);
  EXPECT_EQ(flags[0]["version"], 1);
  EXPECT_EQ(flags[0]["updatedBy"], "alice");
}

TEST_F(AdminApiTest, FilesManagedDefinitionsRefuseWritesButNotTheKillSwitch) {
  open({std::string(SLUICE_SOURCE_DIR) + "/examples/flags"});
  EXPECT_EQ(publisher_->current().snapshot->flag_count(), 5u);
  HttpResponse refused = api_->create_flag(request("POST", kCheckout), "alice");
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(Json::parse(refused.body)["code"], "managed_by_files");
  ASSERT_EQ(api_->set_enabled(for_key("POST", "ai-chatbot"), false, "oncall").status, 200);
  EXPECT_EQ(evaluate("ai-chatbot", Context{{"plan", "free"}, {"country", "US"}}).reason,
            Reason::Disabled);
  // A reload (a file changed) keeps the runtime state.
  ASSERT_TRUE(loader_->reload().empty());
  EXPECT_EQ(evaluate("ai-chatbot", Context{{"plan", "free"}, {"country", "US"}}).reason,
            Reason::Disabled);
}

}  // namespace
}  // namespace sluice::server
