// One controller tick over 10,000 rollouts against SQLite and a real PostgreSQL server (the
// rollout part of the store contract, store_rollouts_contract_test.cpp).

#include <chrono>
#include <iostream>

#include <gtest/gtest.h>

#include "rollout_contract_support.hpp"

namespace sluice::store {
namespace {

// Its own suite name: RolloutContract's tests are instantiated in store_rollouts_contract_test.cpp.
class RolloutScale : public test_support::RolloutContract {};

// One controller tick over 10,000 rollouts: one call, one transaction. Prints the time; the
// bound is loose because the machine is shared and this may be a Debug or sanitizer build.
TEST_P(RolloutScale, TenThousandDecisionsInOneCall) {
  constexpr int kRollouts = 10000;
  const std::string n = std::to_string(kRollouts);
  // Flags and rollouts set up behind the store's back: 20,000 single writes would time the
  // fsyncs of the set-up, not the batch.
  if (postgres()) {
    execute_raw(url_,
                "INSERT INTO flags SELECT 'f' || i, '{}', 1, false, 't', 't', 'x' FROM "
                "generate_series(1, " +
                    n +
                    ") AS i;"
                    "INSERT INTO flag_state SELECT 'f' || i, true, 't', 'x' FROM "
                    "generate_series(1, " +
                    n +
                    ") AS i;"
                    "INSERT INTO rollouts (flag, policy_json, policy_hash, state_json, "
                    "window_json, phase, active, sequence, started_by, created_at, updated_at, "
                    "version) SELECT 'f' || i, '{}', 'h', '{}', '{}', 'pending', true, 0, 'x', "
                    "'t', 't', 0 FROM generate_series(1, " +
                    n + ") AS i;");
  } else {
    const std::string numbers =
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + n + ") ";
    execute_raw(url_, numbers +
                          "INSERT INTO flags SELECT 'f' || i, '{}', 1, 0, 't', 't', 'x' FROM n;" +
                          numbers +
                          "INSERT INTO flag_state (flag_key, enabled, updated_at, updated_by) "
                          "SELECT 'f' || i, 1, 't', 'x' FROM n;" +
                          numbers +
                          "INSERT INTO rollouts (flag, policy_json, policy_hash, state_json, "
                          "window_json, phase, active, sequence, started_by, created_at, "
                          "updated_at, version) SELECT 'f' || i, '{}', 'h', '{}', '{}', "
                          "'pending', 1, 0, 'x', 't', 't', 0 FROM n;");
  }
  auto rollouts = store_->list_rollouts(false);
  ASSERT_EQ(rollouts.size(), static_cast<std::size_t>(kRollouts));

  for (std::int64_t tick = 0; tick < 2; ++tick) {
    std::vector<DecisionWrite> writes;
    writes.reserve(rollouts.size());
    for (const RolloutRecord& rollout : rollouts) {
      DecisionWrite write = decision(rollout, tick);
      write.outbox = {outbox("rollout/" + std::to_string(rollout.id) + "/" +
                             std::to_string(tick + 1) + "/advanced")};
      writes.push_back(std::move(write));
    }
    const auto begin = std::chrono::steady_clock::now();
    auto results = store_->record_decisions(writes);
    const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - begin;
    std::cout << "[ timing ] " << GetParam() << ": record_decisions of " << kRollouts
              << " decisions (tick " << tick + 1 << "): " << took.count() << " ms\n";
    RecordProperty("tick" + std::to_string(tick + 1) + "_ms", static_cast<int>(took.count()));
    ASSERT_EQ(results.size(), writes.size());
    for (const auto& result : results)
      ASSERT_EQ(result.status, DecisionWriteStatus::Ok);
    EXPECT_EQ(results.back().store_version, (tick + 1) * kRollouts);
    EXPECT_LT(took.count(), 10000.0);
  }
  EXPECT_EQ(store_->store_version(), 2 * kRollouts);
  EXPECT_EQ(store_->get_rollout(rollouts[123].id)->sequence, 2);
  EXPECT_EQ(store_->decisions(rollouts.back().id, 0, 10).size(), 2u);
  EXPECT_EQ(store_->due_outbox("2030-01-01T00:00:00Z", 1000).size(), 1000u);
  EXPECT_EQ(store_->changes_since(0, 10000).size(), 10000u);
}

INSTANTIATE_TEST_SUITE_P(Store, RolloutScale, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& test) { return test.param; });

}  // namespace
}  // namespace sluice::store
