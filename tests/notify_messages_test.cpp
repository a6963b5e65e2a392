// The Slack message and the signed webhook, from outbox rows as the controller and the flags API
// write them.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "notify_receiver.hpp"  // SLUICE_REQUIRE_OPENSSL
#include "run_command.hpp"
#include "sluice/notify/events.hpp"
#include "sluice/notify/signature.hpp"
#include "sluice/notify/slack_message.hpp"
#include "sluice/notify/webhook_message.hpp"

namespace sluice::notify {
namespace {

using nlohmann::json;

store::OutboxRecord rolled_back_row() {
  store::OutboxRecord row;
  row.id = 7;
  row.event_id = "rollout/12/decision/7/rolled_back";
  row.target = "ops";
  row.event_kind = "rolled_back";
  row.flag = "new-pdf-engine";
  row.rollout_id = 12;
  row.created_at = "2026-11-21T12:00:30.000Z";
  const json decision{
      {"sequence", 7},
      {"at", "2026-11-21T12:00:30.000Z"},
      {"flag", "new-pdf-engine"},
      {"actor", "controller"},
      {"kind", "rollback"},
      {"from", {{"phase", "rolling_out"}, {"stage", 2}, {"percent", 25}}},
      {"to", {{"phase", "rolled_back"}, {"stage", 2}, {"percent", 0}}},
      {"verdict", "fail"},
      {"reason", "guardrail_failed"},
      {"sentence", "Rolled back at 25%: errors 3.1% vs 1.0% on control (3.1x), over the 2x limit."},
      {"evidence",
       {{"overall", "fail"},
        {"checks",
         {{{"check", "error_rate"},
           {"verdict", "fail"},
           {"treatment", 0.031},
           {"control", 0.01},
           {"treatment_samples", 12000},
           {"control_samples", 36000}},
          {{"check", "latency_p95"},
           {"verdict", "pass"},
           {"treatment", 0.212},
           {"control", 0.2},
           {"treatment_samples", 12000},
           {"control_samples", 36000}}}}}}};
  row.payload_json = json{
      {"event", "rolled_back"},
      {"rollout_id", 12},
      {"flag", "new-pdf-engine"},
      {"decision",
       decision}}.dump();
  return row;
}

store::OutboxRecord kill_switch_row() {
  store::OutboxRecord row;
  row.id = 8;
  row.event_id = "flag/checkout/version/9/kill_switch";
  row.target = "ops";
  row.event_kind = "kill_switch";
  row.flag = "checkout";
  row.created_at = "2026-11-21T12:01:00.000Z";
  row.payload_json = json{{"event", "kill_switch"},
                          {"flag", "checkout"},
                          {"actor", "alice"},
                          {"at", "2026-11-21T12:01:00.000Z"},
                          {"reason", "payments failing at checkout"}}
                         .dump();
  return row;
}

// Every text in the message, for "does it say X" checks.
std::string all_text(const json& j) {
  if (j.is_string()) return j.get<std::string>() + "\n";
  std::string out;
  if (j.is_structured()) {
    for (const auto& item : j)
      out += all_text(item);
  }
  return out;
}

TEST(SlackMessage, SaysWhatHappenedWhyAndTheNumbers) {
  const json m = json::parse(slack_message(rolled_back_row(), "https://sluice.example.com"));
  ASSERT_TRUE(m["blocks"].is_array());
  EXPECT_EQ(m["blocks"][0]["type"], "header");
  EXPECT_EQ(m["blocks"][0]["text"]["text"], "Rolled back new-pdf-engine");
  EXPECT_EQ(m["text"].get<std::string>().rfind("Rolled back new-pdf-engine: Rolled back at 25%", 0),
            0u);
  const std::string text = all_text(m["blocks"]);
  EXPECT_NE(text.find("errors 3.1% vs 1.0% on control"), std::string::npos) << text;
  EXPECT_NE(text.find("*From*\nrolling_out, stage 2, 25%"), std::string::npos) << text;
  EXPECT_NE(text.find("*To*\nrolled_back, stage 2, 0%"), std::string::npos) << text;
  EXPECT_NE(text.find("*Error rate*: treatment 3.10% vs control 1.00% (samples 12,000 / 36,000)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("*p95*: treatment 212 ms vs control 200 ms"), std::string::npos) << text;
  EXPECT_NE(text.find("By controller"), std::string::npos) << text;
  EXPECT_EQ(text.find("guardrail_failed"), std::string::npos) << "a machine code is not a reason";
  const json& actions = m["blocks"].back();
  EXPECT_EQ(actions["type"], "actions");
  EXPECT_EQ(actions["elements"][0]["url"], "https://sluice.example.com/rollouts/new-pdf-engine");
}

TEST(SlackMessage, KillSwitchShowsWhoAndWhyAndLinksTheFlag) {
  const json m = json::parse(slack_message(kill_switch_row(), "https://sluice.example.com"));
  EXPECT_EQ(m["blocks"][0]["text"]["text"], "Kill switch on checkout");
  const std::string text = all_text(m["blocks"]);
  EXPECT_NE(text.find("By alice — reason: payments failing at checkout"), std::string::npos)
      << text;
  EXPECT_EQ(m["blocks"].back()["elements"][0]["url"], "https://sluice.example.com/flags/checkout");
}

TEST(SlackMessage, NoDashboardNoButtonAndMarkupEscaped) {
  auto row = kill_switch_row();
  row.payload_json = json{{"actor", "<!channel> & co"}}.dump();
  const json m = json::parse(slack_message(row, ""));
  for (const auto& block : m["blocks"])
    EXPECT_NE(block["type"], "actions");
  EXPECT_NE(all_text(m).find("&lt;!channel&gt; &amp; co"), std::string::npos);
  // A payload that does not parse still makes a message.
  row.payload_json = "{not json";
  EXPECT_NO_THROW(json::parse(slack_message(row, "")));
}

TEST(WebhookMessage, SchemaVersionOneWithEveryField) {
  const json body = json::parse(webhook_body(rolled_back_row(), "https://sluice.example.com"));
  EXPECT_EQ(body["schema_version"], 1);
  EXPECT_EQ(body["id"], "rollout/12/decision/7/rolled_back");
  EXPECT_EQ(body["type"], "rolled_back");
  EXPECT_EQ(body["occurred_at"], "2026-11-21T12:00:30.000Z");
  EXPECT_EQ(body["flag"], "new-pdf-engine");
  EXPECT_EQ(body["rollout_id"], 12);
  EXPECT_EQ(body["actor"], "controller");
  EXPECT_TRUE(body["reason"].is_null());
  EXPECT_EQ(body["decision"]["to"]["phase"], "rolled_back");
  EXPECT_EQ(body["decision"]["evidence"]["checks"][0]["treatment"], 0.031);
  EXPECT_EQ(body["links"]["dashboard"], "https://sluice.example.com/rollouts/new-pdf-engine");

  const json flag = json::parse(webhook_body(kill_switch_row(), ""));
  EXPECT_EQ(flag["type"], "kill_switch");
  EXPECT_TRUE(flag["rollout_id"].is_null());
  EXPECT_TRUE(flag["decision"].is_null());
  EXPECT_EQ(flag["actor"], "alice");
  EXPECT_EQ(flag["reason"], "payments failing at checkout");
  EXPECT_EQ(flag["occurred_at"], "2026-11-21T12:01:00.000Z");
  EXPECT_EQ(flag["links"], json::object());
}

TEST(WebhookSignature, MatchesRfc4231AndSignsTimestampAndBody) {
  // RFC 4231, test case 2.
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  const std::string body = webhook_body(rolled_back_row(), "");
  const auto headers =
      webhook_headers("rollout/12/decision/7/rolled_back", body, "s3cret", 1700000000);
  EXPECT_EQ(headers.at("Content-Type"), "application/json");
  EXPECT_EQ(headers.at("User-Agent").rfind("sluice/", 0), 0u);
  EXPECT_EQ(headers.at("Sluice-Event-Id"), "rollout/12/decision/7/rolled_back");
  EXPECT_EQ(headers.at("Sluice-Timestamp"), "1700000000");
  EXPECT_EQ(headers.at("Sluice-Signature"),
            "v1=" + hmac_sha256_hex("s3cret", "1700000000." + body));
}

TEST(WebhookSignature, MatchesOpensslsHmacOverTimestampAndBody) {
  SLUICE_REQUIRE_OPENSSL();
  const std::string body = webhook_body(rolled_back_row(), "");
  const auto headers =
      webhook_headers("rollout/12/decision/7/rolled_back", body, "s3cret", 1700000000);
  // What a receiver does: HMAC-SHA256 over "timestamp.body" with another implementation.
  testing::TempDir dir;
  const std::string file = dir.write("signed", "1700000000." + body);
  auto out = testing::run_command("openssl dgst -sha256 -hmac s3cret -r " + file);
  ASSERT_EQ(out.exit_code, 0) << out.err;
  EXPECT_EQ(headers.at("Sluice-Signature"), "v1=" + out.out.substr(0, 64));
}

TEST(NotifyEvents, KnowsEveryKind) {
  for (const char* kind : {"started", "advanced", "awaiting_approval", "approved", "paused",
                           "resumed", "rolled_back", "completed", "aborted", "manual_override",
                           "metrics_unavailable", "kill_switch", "revived"}) {
    EXPECT_TRUE(is_event_kind(kind)) << kind;
  }
  EXPECT_FALSE(is_event_kind("exploded"));
  EXPECT_TRUE(is_flag_event("kill_switch"));
  EXPECT_FALSE(is_flag_event("rolled_back"));
}

}  // namespace
}  // namespace sluice::notify
