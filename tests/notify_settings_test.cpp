// The notification settings file: what it accepts, and how each mistake is reported.
#include "sluice/notify/settings.hpp"

#include <gtest/gtest.h>

#include "run_command.hpp"

namespace sluice::notify {
namespace {

using namespace std::chrono_literals;

class NotifySettingsTest : public ::testing::Test {
 protected:
  SettingsResult load(const std::string& yaml) {
    path = dir.write("notifications.yaml", yaml);
    return load_settings(path, [this](const std::string& name) -> std::optional<std::string> {
      if (auto it = env.find(name); it != env.end()) return it->second;
      return std::nullopt;
    });
  }

  // All errors in one string, for EXPECT_NE(find) with a readable failure.
  static std::string joined(const SettingsResult& r) {
    std::string out;
    for (const auto& e : r.errors)
      out += e + "\n";
    return out;
  }

  testing::TempDir dir;
  std::string path;
  std::map<std::string, std::string> env;
};

TEST_F(NotifySettingsTest, ReadsEveryField) {
  dir.write("secret.txt", "file-secret\n");
  env["SLACK_URL"] = "https://hooks.slack.com/services/T0/B0/abc";
  auto r = load(R"(dashboard_url: https://sluice.example.com/
max_age: 12h
backoff_min: 250ms
backoff_max: 1m
poll: 500ms
batch: 20
concurrency: 4
defaults: [ops]
targets:
  - name: ops
    type: slack
    url_env: SLACK_URL
    events: [rolled_back, kill_switch]
    timeout: 5s
  - name: audit-hook
    type: webhook
    url: https://audit.example.com/sluice
    secret_file: secret.txt
)");
  ASSERT_TRUE(r.settings) << joined(r);
  const Settings& s = *r.settings;
  EXPECT_EQ(s.dashboard_url, "https://sluice.example.com");
  EXPECT_EQ(s.max_age, 12h);
  EXPECT_EQ(s.backoff_min, 250ms);
  EXPECT_EQ(s.backoff_max, 60s);
  EXPECT_EQ(s.poll, 500ms);
  EXPECT_EQ(s.batch, 20);
  EXPECT_EQ(s.concurrency, 4);
  EXPECT_EQ(s.defaults, std::vector<std::string>{"ops"});
  ASSERT_EQ(s.targets.size(), 2u);
  EXPECT_EQ(s.targets[0].kind, TargetKind::Slack);
  EXPECT_EQ(s.targets[0].url, env["SLACK_URL"]);
  EXPECT_EQ(s.targets[0].timeout, 5s);
  EXPECT_EQ(s.targets[0].events, (std::vector<std::string>{"rolled_back", "kill_switch"}));
  EXPECT_EQ(s.targets[1].kind, TargetKind::Webhook);
  EXPECT_EQ(s.targets[1].secret, "file-secret");  // the file's newline is not the secret's
  EXPECT_EQ(s.targets[1].timeout, 10s);
  ASSERT_NE(s.find("audit-hook"), nullptr);
  EXPECT_EQ(s.find("nobody"), nullptr);
}

TEST_F(NotifySettingsTest, AnEmptyFileHasNoTargets) {
  auto r = load("");
  ASSERT_TRUE(r.settings) << joined(r);
  EXPECT_TRUE(r.settings->targets.empty());
}

TEST_F(NotifySettingsTest, ErrorsNameFileLineColumnAndField) {
  auto r = load(R"(targets:
  - name: ops
    type: slack
    url: https://hooks.slack.com/x
    evnts: [rolled_back]
)");
  ASSERT_FALSE(r.settings);
  ASSERT_EQ(r.errors.size(), 1u) << joined(r);
  EXPECT_EQ(r.errors[0], path + ":5:5: field 'targets[0].evnts': unknown field");
}

TEST_F(NotifySettingsTest, RejectsUnknownTopLevelFieldsAndEvents) {
  auto r = load(R"(max_agee: 1h
targets:
  - name: ops
    type: slack
    url: https://hooks.slack.com/x
    events: [rolled_back, exploded]
)");
  ASSERT_FALSE(r.settings);
  const std::string all = joined(r);
  EXPECT_NE(all.find(path + ":1:1: field 'max_agee': unknown field"), std::string::npos) << all;
  EXPECT_NE(all.find("field 'targets[0].events': unknown event 'exploded'"), std::string::npos)
      << all;
}

TEST_F(NotifySettingsTest, ADefaultWithNoTargetIsAnError) {
  auto r = load(R"(defaults: [ops, pager]
targets:
  - name: ops
    type: slack
    url: https://hooks.slack.com/x
max_age: soon
)");
  ASSERT_FALSE(r.settings);
  // Reported together with the file's other mistakes.
  EXPECT_NE(joined(r).find(":1:17: field 'defaults': no target named 'pager'"), std::string::npos)
      << joined(r);
  EXPECT_NE(joined(r).find(":6:10: field 'max_age': must be a positive duration"),
            std::string::npos)
      << joined(r);
  EXPECT_EQ(joined(r).find("no target named 'ops'"), std::string::npos) << joined(r);
}

TEST_F(NotifySettingsTest, WebhooksNeedASecretAndSlackTakesNone) {
  auto r = load(R"(targets:
  - name: hook
    type: webhook
    url: https://example.com/hook
  - name: ops
    type: slack
    url: https://hooks.slack.com/x
    secret: s
)");
  ASSERT_FALSE(r.settings);
  const std::string all = joined(r);
  EXPECT_NE(all.find("field 'targets[0].secret': missing"), std::string::npos) << all;
  EXPECT_NE(all.find("field 'targets[1].secret': only webhooks are signed"), std::string::npos)
      << all;
}

TEST_F(NotifySettingsTest, BadValuesNeverEchoASecret) {
  env["HOOK"] = "ftp://hooks.example.com/services/SECRETPATH";
  auto r = load(R"(targets:
  - name: Bad Name
    type: email
    url_env: HOOK
    secret_env: MISSING
    timeout: soon
  - name: two
    type: webhook
    url: https://example.com/a
    url_file: also.txt
    secret: s
)");
  ASSERT_FALSE(r.settings);
  const std::string all = joined(r);
  EXPECT_NE(all.find("field 'targets[0].name': must match [a-z0-9._-]+"), std::string::npos) << all;
  EXPECT_NE(all.find("field 'targets[0].type': must be slack or webhook"), std::string::npos)
      << all;
  EXPECT_NE(all.find("field 'targets[0].url': bad URL: only http:// and https://"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("field 'targets[0].secret_env': environment variable MISSING is not set"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("field 'targets[0].timeout': must be a positive duration"), std::string::npos)
      << all;
  EXPECT_NE(all.find("field 'targets[1].url': give only one of url, url_env or url_file"),
            std::string::npos)
      << all;
  EXPECT_EQ(all.find("SECRETPATH"), std::string::npos) << all;
}

TEST_F(NotifySettingsTest, DuplicateNamesAndSyntaxErrors) {
  auto r = load(R"(targets:
  - {name: a, type: slack, url: "https://x/1"}
  - {name: a, type: slack, url: "https://x/2"}
)");
  ASSERT_FALSE(r.settings);
  EXPECT_NE(joined(r).find("field 'targets[1].name': a target named 'a' is already defined"),
            std::string::npos)
      << joined(r);
  auto broken = load("targets: [\n");
  ASSERT_FALSE(broken.settings);
  EXPECT_EQ(broken.errors.at(0).rfind(path + ":", 0), 0u) << joined(broken);
  auto missing = load_settings(dir.path() + "/nope.yaml", {});
  EXPECT_NE(joined(missing).find("cannot read"), std::string::npos);
}

TEST(NotifyRecipients, DefaultsThenPolicyEachOnceFilteredByEvents) {
  auto target = [](std::string name, std::vector<std::string> events = {}) {
    Target t;
    t.name = std::move(name);
    t.events = std::move(events);
    return t;
  };
  Settings s;
  s.targets = {target("ops"), target("pager", {"rolled_back", "kill_switch"}), target("audit")};
  s.defaults = {"ops", "audit"};
  EXPECT_EQ(recipients(s, "rolled_back", {"pager", "ops"}),
            (std::vector<std::string>{"ops", "audit", "pager"}));
  EXPECT_EQ(recipients(s, "advanced", {"pager", "ops"}),
            (std::vector<std::string>{"ops", "audit"}));
  // A name no target has is kept: its row is dead-lettered with a reason, not dropped.
  EXPECT_EQ(recipients(s, "advanced", {"typo"}),
            (std::vector<std::string>{"ops", "audit", "typo"}));
  EXPECT_TRUE(recipients(Settings{}, "advanced", {}).empty());
}

TEST(NotifyRecipients, ATargetWithEventsGetsThoseEventsOfEveryFlag) {
  // The field trial: `events: [rolled_back]` read like a subscription, but a target in neither
  // `defaults` nor a policy's `notify:` got nothing.
  auto target = [](std::string name, std::vector<std::string> events = {}) {
    Target t;
    t.name = std::move(name);
    t.events = std::move(events);
    return t;
  };
  Settings s;
  s.targets = {target("ops"), target("pager", {"rolled_back", "kill_switch"}),
               target("audit", {"completed"})};
  s.defaults = {"ops"};
  // No policy names pager: it gets its events anyway, after the defaults.
  EXPECT_EQ(recipients(s, "rolled_back", {}), (std::vector<std::string>{"ops", "pager"}));
  EXPECT_EQ(recipients(s, "kill_switch", {}), (std::vector<std::string>{"ops", "pager"}));
  EXPECT_EQ(recipients(s, "completed", {"pager"}), (std::vector<std::string>{"ops", "audit"}));
  // A target without `events` still gets only what defaults and policies send it.
  EXPECT_EQ(recipients(s, "advanced", {}), (std::vector<std::string>{"ops"}));
  // Named by a policy too: still once.
  EXPECT_EQ(recipients(s, "rolled_back", {"pager", "ops"}),
            (std::vector<std::string>{"ops", "pager"}));
}

TEST_F(NotifySettingsTest, APortOutside1To65535IsRejectedAtLoad) {
  // It was accepted and delivered to port 34463 (99999 modulo 65536).
  auto r = load(R"(targets:
  - name: hook
    type: webhook
    url: http://127.0.0.1:99999/hook
    secret: s
)");
  ASSERT_FALSE(r.settings);
  ASSERT_EQ(r.errors.size(), 1u) << joined(r);
  EXPECT_EQ(r.errors[0], path +
                             ":4:10: field 'targets[0].url': bad URL: the port must be a number "
                             "from 1 to 65535, not '99999'");
}

}  // namespace
}  // namespace sluice::notify
