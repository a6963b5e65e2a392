// The five flags of the product scenario (examples/flags/), loaded from their YAML files and
// evaluated over synthetic populations.

#include <gtest/gtest.h>

#include <string>

#include "sluice/flag_loader.hpp"
#include "sluice/snapshot.hpp"

namespace sluice {
namespace {

class ScenarioFlags : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    LoadResult loaded = load_flag_paths({std::string(SLUICE_SOURCE_DIR) + "/examples/flags"});
    for (const auto& d : loaded.diagnostics)
      ADD_FAILURE() << d.format();
    CompileResult compiled = compile_snapshot(std::move(loaded.definitions));
    for (const auto& d : compiled.diagnostics)
      ADD_FAILURE() << d.format();
    snapshot_ = compiled.snapshot;
  }
  static void TearDownTestSuite() { snapshot_.reset(); }

  Evaluation evaluate(const std::string& flag, const Context& context) {
    prepared_ = snapshot_->prepare(context);
    return snapshot_->evaluate(flag, prepared_);
  }

  static std::shared_ptr<const Snapshot> snapshot_;
  PreparedContext prepared_;
};

std::shared_ptr<const Snapshot> ScenarioFlags::snapshot_;

TEST_F(ScenarioFlags, AllFiveLoad) {
  ASSERT_NE(snapshot_, nullptr);
  EXPECT_EQ(snapshot_->flag_count(), 5u);
  for (const char* key : {"new-pdf-engine", "redesigned-dashboard", "ai-chatbot",
                          "bulk-invoice-api", "maintenance-mode"}) {
    EXPECT_TRUE(snapshot_->find(key).has_value()) << key;
  }
}

TEST_F(ScenarioFlags, NewPdfEngineReachesFivePercentOfAccounts) {
  ASSERT_NE(snapshot_, nullptr);
  int on = 0;
  constexpr int kAccounts = 100000;
  for (int i = 0; i < kAccounts; ++i) {
    Evaluation e =
        evaluate("new-pdf-engine", Context({{"accountId", "acct-" + std::to_string(i)}}));
    ASSERT_EQ(e.reason, Reason::Split);
    on += e.variant == "on";
  }
  EXPECT_NEAR(on, 5000, 300);  // 5% +- 0.3%
}

TEST_F(ScenarioFlags, NewPdfEngineGivesEveryUserOfAnAccountTheSameAnswer) {
  ASSERT_NE(snapshot_, nullptr);
  for (int account = 0; account < 200; ++account) {
    std::string id = "acct-" + std::to_string(account);
    std::string first(
        evaluate("new-pdf-engine", Context({{"accountId", id}, {"targetingKey", "u0"}})).variant);
    for (int user = 1; user < 5; ++user) {
      Context context({{"accountId", id}, {"targetingKey", "u" + std::to_string(user)}});
      EXPECT_EQ(evaluate("new-pdf-engine", context).variant, first) << id;
    }
  }
}

TEST_F(ScenarioFlags, NewPdfEngineWithoutAnAccountIsNotBucketed) {
  ASSERT_NE(snapshot_, nullptr);
  Evaluation e = evaluate("new-pdf-engine", Context({{"targetingKey", "user-1"}}));
  EXPECT_EQ(e.variant, "off");
  EXPECT_EQ(e.reason, Reason::Error);
  EXPECT_EQ(e.error, ErrorCode::TargetingKeyMissing);
  ASSERT_NE(e.value, nullptr);
  EXPECT_EQ(*e.value, Value(false));
}

TEST_F(ScenarioFlags, RedesignedDashboardSplitsUsersInHalf) {
  ASSERT_NE(snapshot_, nullptr);
  int redesigned = 0;
  constexpr int kUsers = 100000;
  for (int i = 0; i < kUsers; ++i) {
    Evaluation e =
        evaluate("redesigned-dashboard", Context({{"targetingKey", "user-" + std::to_string(i)}}));
    ASSERT_EQ(e.reason, Reason::Split);
    if (e.variant == "new") {
      ++redesigned;
      EXPECT_EQ(*e.value, Value("redesigned"));
    }
  }
  EXPECT_NEAR(redesigned, 50000, 1000);  // 50% +- 1%
}

TEST_F(ScenarioFlags, AiChatbotOnlyForFreePlanInUsAndGb) {
  ASSERT_NE(snapshot_, nullptr);
  struct Case {
    const char* plan;
    const char* country;
    const char* variant;
    Reason reason;
  };
  const Case cases[] = {
      {"free", "US", "on", Reason::TargetingMatch}, {"free", "GB", "on", Reason::TargetingMatch},
      {"free", "DE", "off", Reason::Default},       {"pro", "US", "off", Reason::Default},
      {"enterprise", "GB", "off", Reason::Default}, {"Free", "US", "off", Reason::Default},
  };
  for (const auto& c : cases) {
    Evaluation e = evaluate(
        "ai-chatbot", Context({{"targetingKey", "u"}, {"plan", c.plan}, {"country", c.country}}));
    EXPECT_EQ(e.variant, c.variant) << c.plan << " " << c.country;
    EXPECT_EQ(e.reason, c.reason) << c.plan << " " << c.country;
    if (c.reason == Reason::TargetingMatch) {
      EXPECT_EQ(e.rule_index, 0);
      EXPECT_EQ(e.rule_name, "free plan in US and GB");
    }
  }
  Evaluation missing = evaluate("ai-chatbot", Context({{"country", "US"}}));
  EXPECT_EQ(missing.variant, "off");
  EXPECT_EQ(missing.reason, Reason::Default);
}

TEST_F(ScenarioFlags, BulkInvoiceApiForExactlyThreeAccounts) {
  ASSERT_NE(snapshot_, nullptr);
  for (const char* account : {"acct-1042", "acct-2718", "acct-3141"}) {
    Evaluation e = evaluate("bulk-invoice-api", Context({{"accountId", account}}));
    EXPECT_EQ(e.variant, "on") << account;
    EXPECT_EQ(e.reason, Reason::TargetingMatch);
  }
  int on = 0;
  for (int i = 0; i < 12000; ++i) {
    on += evaluate("bulk-invoice-api", Context({{"accountId", "acct-" + std::to_string(i)}}))
              .variant == "on";
  }
  EXPECT_EQ(on, 3);
}

TEST_F(ScenarioFlags, MaintenanceModeIsOff) {
  ASSERT_NE(snapshot_, nullptr);
  Evaluation e = evaluate("maintenance-mode", Context({{"targetingKey", "anyone"}}));
  EXPECT_EQ(e.variant, "off");
  EXPECT_EQ(e.reason, Reason::Disabled);
  EXPECT_EQ(*e.value, Value(false));
  EXPECT_EQ(evaluate("maintenance-mode", Context()).reason, Reason::Disabled);
}

TEST_F(ScenarioFlags, UnknownFlagFailsClosed) {
  ASSERT_NE(snapshot_, nullptr);
  Evaluation e = evaluate("no-such-flag", Context({{"targetingKey", "u"}}));
  EXPECT_EQ(e.value, nullptr);
  EXPECT_EQ(e.reason, Reason::Error);
  EXPECT_EQ(e.error, ErrorCode::FlagNotFound);
}

}  // namespace
}  // namespace sluice
