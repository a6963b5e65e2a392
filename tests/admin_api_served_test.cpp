// What a flag serves through the admin API after its rollout finished (issue 12): `served` and
// `drift` on the flags, the 409 `overrides_rollout` for a write that changes the default, its
// explicit override, and writes that keep the outcome. A real SQLite store, no network.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "admin_api.hpp"
#include "admin_request_support.hpp"
#include "rollout_outcome.hpp"
#include "run_command.hpp"
#include "sluice/store/store.hpp"
#include "snapshot_loader.hpp"

namespace sluice::server {
namespace {

using test_support::request;
using ::testing::HasSubstr;
using Json = nlohmann::ordered_json;

const char* kSplit =
    R"({"split":{"weights":[{"variant":"new","weight":10},{"variant":"old","weight":90}]}})";

std::string checkout(const std::string& description, const std::string& serve = kSplit) {
  return R"({"key":"checkout-v2","description":")" + description +
         R"(","variants":{"new":true,"old":false},"off_variant":"old","default":)" + serve + "}";
}

class AdminApiServed : public ::testing::Test {
 protected:
  void open(std::vector<std::string> flag_paths = {}) {
    store_ = store::open_store("sqlite:" + dir_.path() + "/sluice.db");
    store_->migrate();
    publisher_ = std::make_unique<SnapshotPublisher>();
    loader_ = std::make_unique<SnapshotLoader>(*store_, *publisher_, std::move(flag_paths));
    // Only finished rollouts here: their outcome, as RolloutService::splits lays it over.
    loader_->set_rollouts(
        [](const std::vector<store::FlagRecord>& flags) {
          std::vector<controller::RolloutSplit> splits;
          for (const auto& f : flags) {
            if (f.rollout_outcome)
              splits.push_back(*controller::served_by_outcome(f.key, *f.rollout_outcome));
          }
          return splits;
        },
        nullptr);
    api_ = std::make_unique<AdminApi>(*store_, *loader_, *publisher_);
  }

  // The rollout of checkout-v2 completes: the decision carries the outcome, as the controller's.
  void complete_rollout() {
    auto created = store_->create_rollout("checkout-v2", "{}", std::string(64, 'a'), "{}", "{}",
                                          "pending", "alice");
    ASSERT_EQ(created.status, store::RolloutCreateStatus::Ok);
    store::DecisionWrite write;
    write.rollout_id = created.rollout->id;
    write.state_json = "{}";
    write.window_json = "{}";
    write.phase = "completed";
    write.active = false;
    write.decision.sequence = 1;
    write.decision.at = "2026-03-01T12:00:00Z";
    write.decision.actor = "controller";
    write.decision.kind = "complete";
    write.decision.evidence_json = "null";
    write.outcome = store::RolloutOutcome{
        "completed", created.rollout->id,
        R"({"treatment":"new","control":"old","treatment_bp":10000,"cohorts":[],"control_to_all":false,"bucket_by":null})",
        "2026-03-01T12:00:00.000Z"};
    ASSERT_EQ(store_->record_decisions({write}).at(0).status, store::DecisionWriteStatus::Ok);
    ASSERT_TRUE(loader_->reload().empty());
  }

  std::string served_variant() {
    Context context{{"targetingKey", Value("user-7")}};
    prepared_ = publisher_->current().snapshot->prepare(context);
    return std::string(publisher_->current().snapshot->evaluate("checkout-v2", prepared_).variant);
  }

  HttpResponse put(const std::string& body, const std::string& query = {}) {
    HttpRequest r = request("PUT", body, {{"key", "checkout-v2"}});
    if (!query.empty()) r.query.push_back({"override_rollout", query});
    return api_->replace_flag(r, "bob");
  }

  Json listed() { return Json::parse(api_->list_flags(request("GET")).body)["flags"].at(0); }

  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<SnapshotPublisher> publisher_;
  std::unique_ptr<SnapshotLoader> loader_;
  std::unique_ptr<AdminApi> api_;
  PreparedContext prepared_;
};

TEST_F(AdminApiServed, TheListAndTheFlagSayWhatIsServedNotTheDefinition) {
  open();
  ASSERT_EQ(api_->create_flag(request("POST", checkout("v1")), "alice").status, 201);
  ASSERT_TRUE(loader_->reload().empty());
  EXPECT_EQ(listed()["served"]["source"], "definition");
  EXPECT_EQ(listed()["served"]["text"], "new 10% / old 90%");

  complete_rollout();
  const Json flag = listed();
  EXPECT_EQ(flag["served"]["source"], "rollout_outcome");
  EXPECT_EQ(flag["served"]["default"], Json::parse(R"({"variant":"new"})"));
  EXPECT_EQ(flag["served"]["text"], "new to everyone (the rollout completed on 2026-03-01)");
  EXPECT_EQ(flag["served"]["rollout"]["phase"], "completed");
  EXPECT_TRUE(flag["drift"].is_null());  // not files mode
  auto served = Json::parse(api_->served_flag(request("GET", {}, {{"key", "checkout-v2"}})).body);
  EXPECT_EQ(served["served"], flag["served"]);

  // The kill switch wins over the outcome.
  ASSERT_EQ(store_->set_enabled("checkout-v2", false, "alice").status, store::WriteStatus::Ok);
  EXPECT_EQ(listed()["served"]["text"], "old to everyone (killed)");
  EXPECT_EQ(listed()["served"]["source"], "kill_switch");
}

TEST_F(AdminApiServed, ADescriptionOnlyWriteKeepsTheOutcome) {
  open();
  ASSERT_EQ(api_->create_flag(request("POST", checkout("v1")), "alice").status, 201);
  complete_rollout();
  EXPECT_EQ(served_variant(), "new");
  HttpResponse written = put(checkout("v2, shipped"));
  ASSERT_EQ(written.status, 200) << written.body;
  EXPECT_TRUE(store_->get_flag("checkout-v2")->rollout_outcome);
  EXPECT_EQ(served_variant(), "new");
}

TEST_F(AdminApiServed, ANewDefaultIsRefusedUnlessTheRequestSaysItOverrides) {
  open();
  ASSERT_EQ(api_->create_flag(request("POST", checkout("v1")), "alice").status, 201);
  complete_rollout();
  HttpResponse refused = put(checkout("v1", R"({"variant":"old"})"));
  ASSERT_EQ(refused.status, 409) << refused.body;
  const Json error = Json::parse(refused.body);
  EXPECT_EQ(error["code"], "overrides_rollout");
  EXPECT_THAT(error["message"].get<std::string>(),
              HasSubstr("the rollout of checkout-v2 (1) completed on 2026-03-01T12:00:00.000Z and "
                        "serves new to everyone"));
  EXPECT_THAT(error["message"].get<std::string>(), HasSubstr("override_rollout=true"));
  EXPECT_EQ(served_variant(), "new");

  EXPECT_EQ(put(checkout("v1", R"({"variant":"old"})"), "maybe").status, 400);
  HttpResponse overridden = put(checkout("v1", R"({"variant":"old"})"), "true");
  ASSERT_EQ(overridden.status, 200) << overridden.body;
  EXPECT_FALSE(store_->get_flag("checkout-v2")->rollout_outcome);
  EXPECT_EQ(served_variant(), "old");
  EXPECT_EQ(listed()["served"]["source"], "definition");
}

TEST_F(AdminApiServed, ANewDefaultDuringARolloutIsRefused) {
  open();
  ASSERT_EQ(api_->create_flag(request("POST", checkout("v1")), "alice").status, 201);
  ASSERT_EQ(store_
                ->create_rollout("checkout-v2", "{}", std::string(64, 'a'), "{}", "{}", "pending",
                                 "alice")
                .status,
            store::RolloutCreateStatus::Ok);
  HttpResponse refused = put(checkout("v1", R"({"variant":"old"})"), "true");
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(Json::parse(refused.body)["code"], "rollout_active");
  EXPECT_EQ(put(checkout("v2")).status, 200);  // the default unchanged: fine
}

TEST_F(AdminApiServed, InFilesModeTheUnchangedFileKeepsTheOutcomeAndDriftSaysSo) {
  const std::string file = dir_.write("flags/checkout-v2.yaml", R"(key: checkout-v2
variants: {new: true, old: false}
off_variant: old
default:
  split: {weights: {new: 10, old: 90}}
)");
  open({dir_.path() + "/flags"});
  std::vector<std::string> logged;
  loader_->set_log([&logged](const std::string& line) { logged.push_back(line); });
  ASSERT_TRUE(loader_->reload().empty());
  complete_rollout();
  ASSERT_TRUE(loader_->reload().empty());  // the unchanged file, read again
  EXPECT_EQ(served_variant(), "new");
  const Json drift = listed()["drift"];
  ASSERT_TRUE(drift.is_object());
  EXPECT_EQ(drift["message"],
            "the file says new 10% / old 90%; the rollout completed on 2026-03-01T12:00:00.000Z "
            "and serves new to everyone: update the file");

  // A commit that changes the default is a person's explicit write: it overrides.
  dir_.write("flags/checkout-v2.yaml", R"(key: checkout-v2
variants: {new: true, old: false}
off_variant: old
default:
  variant: new
)");
  ASSERT_TRUE(loader_->reload().empty());
  EXPECT_FALSE(store_->get_flag("checkout-v2")->rollout_outcome);
  EXPECT_TRUE(listed()["drift"].is_null());
  store::AuditQuery query;
  query.flag = "checkout-v2";
  bool overridden = false;
  for (const auto& entry : store_->audit(query))
    overridden |= entry.action == "override_rollout" && entry.actor == "flags-dir";
  EXPECT_TRUE(overridden);
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_THAT(logged[0], HasSubstr("flag 'checkout-v2': the file changes its default, which "
                                   "overrides the outcome of rollout 1 (completed on "));
}

}  // namespace
}  // namespace sluice::server
