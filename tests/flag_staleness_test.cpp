// Stale flags: one value for everyone, unchanged for 14 days, no active rollout. The rule alone,
// then GET /v1/flags over a real SQLite store with the server's clock moved ahead.

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "admin_api.hpp"
#include "admin_request_support.hpp"
#include "flag_staleness.hpp"
#include "run_command.hpp"
#include "sluice/store/clock.hpp"
#include "sluice/store/store.hpp"
#include "snapshot_loader.hpp"

namespace sluice::server {
namespace {

using Clock = std::chrono::system_clock;
using test_support::request;
using Json = nlohmann::json;

const auto kNow = Clock::time_point(std::chrono::seconds(1800000000));  // 2027-01-15
const std::string kFifteenDaysAgo = store::format_rfc3339_ms(kNow - std::chrono::hours(24 * 15));
const std::string kThirteenDaysAgo = store::format_rfc3339_ms(kNow - std::chrono::hours(24 * 13));

FlagDefinition flag_serving(ServeDefinition fallthrough) {
  FlagDefinition flag;
  flag.key = "f";
  flag.variants = {{"on", Value(true), {}}, {"off", Value(false), {}}};
  flag.off_variant = "off";
  flag.fallthrough = std::move(fallthrough);
  return flag;
}

ServeDefinition variant(std::string name) {
  ServeDefinition serve;
  serve.variant = std::move(name);
  return serve;
}

ServeDefinition split(std::uint32_t on, std::uint32_t off) {
  ServeDefinition serve;
  serve.split = SplitDefinition{{{"on", on, {}}, {"off", off, {}}}, std::nullopt, std::nullopt, {}};
  return serve;
}

TEST(FlagStaleness, OneValueForEveryoneForFourteenDays) {
  EXPECT_TRUE(is_stale(flag_serving(variant("on")), true, kFifteenDaysAgo, false, kNow));
  EXPECT_TRUE(is_stale(flag_serving(split(10000, 0)), true, kFifteenDaysAgo, false, kNow));
  // Killed: the off variant for everyone, whatever the rules say.
  FlagDefinition killed = flag_serving(split(5000, 5000));
  killed.rules.push_back(RuleDefinition{"staff", {}, {}, variant("on"), {}});
  EXPECT_TRUE(is_stale(killed, false, kFifteenDaysAgo, false, kNow));
}

TEST(FlagStaleness, NotStaleWhenItStillDecidesSomethingOrChangedRecently) {
  EXPECT_FALSE(is_stale(flag_serving(split(5000, 5000)), true, kFifteenDaysAgo, false, kNow));
  FlagDefinition with_rule = flag_serving(variant("off"));
  with_rule.rules.push_back(RuleDefinition{"staff", {}, {}, variant("on"), {}});
  EXPECT_FALSE(is_stale(with_rule, true, kFifteenDaysAgo, false, kNow));
  FlagDefinition with_prerequisite = flag_serving(variant("on"));
  with_prerequisite.prerequisites.push_back({"billing", {"on"}, {}});
  EXPECT_FALSE(is_stale(with_prerequisite, true, kFifteenDaysAgo, false, kNow));
  EXPECT_FALSE(is_stale(flag_serving(variant("on")), true, kThirteenDaysAgo, false, kNow));
  EXPECT_FALSE(is_stale(flag_serving(variant("on")), true, kFifteenDaysAgo, true, kNow));
  EXPECT_FALSE(is_stale(flag_serving(variant("on")), true, "yesterday", false, kNow));
}

std::string flag_json(const std::string& key, const std::string& fallthrough) {
  return R"({"key":")" + key + R"(","variants":{"on":true,"off":false},"off_variant":"off",)" +
         R"("default":)" + fallthrough + "}";
}

TEST(FlagStaleness, ListedByGetFlagsWithTheServersClock) {
  testing::TempDir dir;
  auto store = store::open_store("sqlite:" + dir.path() + "/sluice.db");
  store->migrate();
  SnapshotPublisher publisher;
  SnapshotLoader loader(*store, publisher, {});
  ASSERT_TRUE(loader.reload().empty());
  AdminApi writer(*store, loader, publisher);
  for (auto [key, fallthrough] : std::vector<std::pair<std::string, std::string>>{
           {"done", R"({"variant":"on"})"},
           {"split", R"({"split":{"weights":{"on":50,"off":50}}})"},
           {"in-rollout", R"({"variant":"off"})"}}) {
    auto created = writer.create_flag(request("POST", flag_json(key, fallthrough)), "tester");
    ASSERT_EQ(created.status, 201) << created.body;
  }
  auto rollout =
      store->create_rollout("in-rollout", "{}", "hash", "{}", "{}", "progressing", "tester");
  ASSERT_EQ(rollout.status, store::RolloutCreateStatus::Ok);

  auto stale_by_key = [&](Clock::time_point now) {
    AdminApi api(*store, loader, publisher, {}, [now] { return now; });
    auto listed = api.list_flags(request("GET"));
    EXPECT_EQ(listed.status, 200) << listed.body;
    std::map<std::string, bool> stale;
    const Json body = Json::parse(listed.body);
    for (const auto& item : body["flags"])
      stale[item["key"].get<std::string>()] = item["stale"].get<bool>();
    return stale;
  };
  const auto today = stale_by_key(Clock::now());
  EXPECT_EQ(today, (std::map<std::string, bool>{
                       {"done", false}, {"split", false}, {"in-rollout", false}}));
  const auto later = stale_by_key(Clock::now() + std::chrono::hours(24 * 15));
  EXPECT_EQ(later,
            (std::map<std::string, bool>{{"done", true}, {"split", false}, {"in-rollout", false}}));
}

}  // namespace
}  // namespace sluice::server
