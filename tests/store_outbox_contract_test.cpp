// The notification-delivery part of the store contract (migration 3: per-target outbox rows,
// claims, outcomes, dead letters, listing and retry), run against SQLite and a real PostgreSQL
// server like store_rollouts_contract_test.cpp.

#include <algorithm>
#include <atomic>
#include <iostream>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../store/migrations.hpp"  // migrations 1 and 2 alone, to build a database at schema 2
#include "sluice/store/store.hpp"
#include "store_test_support.hpp"

namespace sluice::store {
namespace {

using test_support::kDefinition;
using test_support::kPolicy;
using test_support::kPolicyHash;
using test_support::StoreContractFixture;

// Delivery times, far after the stepping clock's creation times.
constexpr const char* kNow = "2030-01-01T00:00:00.000Z";
constexpr const char* kLease = "2030-01-01T00:01:00.000Z";

class OutboxContract : public StoreContractFixture {
 protected:
  static DecisionWrite decision(const RolloutRecord& rollout, std::int64_t expected) {
    DecisionWrite write;
    write.rollout_id = rollout.id;
    write.expected_sequence = expected;
    write.state_json = "{}";
    write.window_json = "{}";
    write.phase = "progressing";
    DecisionRecord& record = write.decision;
    record.rollout_id = rollout.id;
    record.sequence = expected + 1;
    record.at = "2024-02-01T10:00:00Z";
    record.actor = "controller";
    record.kind = "advance";
    record.sentence = "Stage " + std::to_string(expected + 1) + " looks healthy.";
    record.evidence_json = "null";
    return write;
  }

  // One row of an event for one target, as the controller builds them.
  static OutboxRecord row(const std::string& event_id, const std::string& target,
                          const std::string& kind = "advanced") {
    OutboxRecord record;
    record.event_id = event_id;
    record.target = target;
    record.idempotency_key = event_id + "#" + target;
    record.event_kind = kind;
    record.payload_json = R"({"event":")" + kind + R"(","sentence":"Stage 1 looks healthy."})";
    return record;
  }

  // `count` rows of `flag`'s next decision (a rollout per flag, started on first use), one per
  // target t0, t1, ...; their ids, oldest first.
  std::vector<std::int64_t> enqueue(const std::string& flag, int count) {
    auto existing = store_->latest_rollout(flag);
    const RolloutRecord rollout = existing ? *existing : start(flag);
    DecisionWrite write = decision(rollout, rollout.sequence);
    const std::string event = "rollout/" + std::to_string(rollout.id) + "/decision/" +
                              std::to_string(rollout.sequence + 1) + "/advanced";
    for (int i = 0; i < count; ++i)
      write.outbox.push_back(row(event, "t" + std::to_string(i)));
    EXPECT_EQ(store_->record_decisions({write}).at(0).status, DecisionWriteStatus::Ok);
    std::vector<std::int64_t> ids;
    for (const OutboxRecord& record :
         store_->list_outbox(OutboxQuery{.flag = flag, .limit = 1000})) {
      if (record.event_id == event) ids.push_back(record.id);
    }
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  static std::vector<std::int64_t> ids_of(const std::vector<OutboxRecord>& records) {
    std::vector<std::int64_t> ids;
    for (const OutboxRecord& record : records)
      ids.push_back(record.id);
    return ids;
  }
};

TEST_P(OutboxContract, DecisionRowsCarryTheirEventTargetAndFlag) {
  const RolloutRecord rollout = start("checkout");
  DecisionWrite write = decision(rollout, 0);
  write.outbox = {row("rollout/1/decision/1/advanced", "slack"),
                  row("rollout/1/decision/1/advanced", "ops-webhook")};
  ASSERT_EQ(store_->record_decisions({write}).at(0).status, DecisionWriteStatus::Ok);

  auto rows = store_->list_outbox(OutboxQuery{});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_GT(rows[0].id, rows[1].id);  // newest first
  const OutboxRecord& slack = rows[1];
  EXPECT_EQ(slack.idempotency_key, "rollout/1/decision/1/advanced#slack");
  EXPECT_EQ(slack.event_id, "rollout/1/decision/1/advanced");
  EXPECT_EQ(slack.target, "slack");
  EXPECT_EQ(slack.flag, "checkout");
  EXPECT_EQ(slack.rollout_id, rollout.id);
  EXPECT_EQ(slack.event_kind, "advanced");
  EXPECT_EQ(slack.attempts, 0);
  EXPECT_EQ(status_of(slack), OutboxStatus::Pending);
  EXPECT_FALSE(slack.dead_at);
  EXPECT_FALSE(slack.retried_at);
  EXPECT_EQ(rows[0].target, "ops-webhook");

  auto one = store_->get_outbox(slack.id);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->payload_json, slack.payload_json);
  EXPECT_FALSE(store_->get_outbox(slack.id + 100));
  EXPECT_FALSE(store_->get_outbox(0));
  EXPECT_FALSE(store_->get_outbox(-1));
}

TEST_P(OutboxContract, AKillSwitchEnqueuesItsRowsInItsTransactionAndARefusalNone) {
  ASSERT_EQ(store_->create_flag("checkout", kDefinition, true, "alice").status, WriteStatus::Ok);
  auto build = [](const FlagRecord& before, const FlagRecord& after) {
    EXPECT_TRUE(before.enabled);
    EXPECT_FALSE(after.enabled);
    const std::string event =
        "flag/" + after.key + "/version/" + std::to_string(after.version) + "/kill_switch";
    OutboxRecord slack = row(event, "slack", "kill_switch");
    slack.flag = after.key;
    OutboxRecord hook = row(event, "hook", "kill_switch");
    hook.flag = after.key;
    return std::vector<OutboxRecord>{slack, hook};
  };
  auto killed = store_->set_enabled("checkout", false, "bob", build);
  ASSERT_EQ(killed.status, WriteStatus::Ok);
  auto rows = store_->list_outbox(OutboxQuery{});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].event_id,
            "flag/checkout/version/" + std::to_string(killed.version) + "/kill_switch");
  EXPECT_EQ(rows[1].target, "slack");
  EXPECT_EQ(rows[1].flag, "checkout");
  EXPECT_EQ(rows[1].event_kind, "kill_switch");
  EXPECT_FALSE(rows[1].rollout_id);
  EXPECT_EQ(rows[0].target, "hook");

  // A refused write (no such flag) enqueues nothing.
  int calls = 0;
  auto refused = store_->set_enabled("missing", false, "bob", [&](const auto&, const auto&) {
    ++calls;
    return std::vector<OutboxRecord>{row("flag/missing/version/1/kill_switch", "slack")};
  });
  EXPECT_EQ(refused.status, WriteStatus::NotFound);
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(store_->list_outbox(OutboxQuery{}).size(), 2u);

  // A builder that throws rolls the kill back with it: enqueued with the change or not at all.
  const std::int64_t version = store_->store_version();
  EXPECT_THROW(store_->set_enabled("checkout", true, "bob",
                                   [](const auto&, const auto&) -> std::vector<OutboxRecord> {
                                     throw std::runtime_error("no");
                                   }),
               std::runtime_error);
  EXPECT_EQ(store_->store_version(), version);
  EXPECT_FALSE(store_->get_flag("checkout")->enabled);
  EXPECT_EQ(store_->list_outbox(OutboxQuery{}).size(), 2u);
}

TEST_P(OutboxContract, AClaimLeasesRowsAndHidesThemUntilTheLeaseEnds) {
  const auto ids = enqueue("checkout", 3);
  ASSERT_EQ(ids.size(), 3u);
  const std::int64_t version = store_->store_version();
  const auto changes = store_->changes_since(0, 1000).size();

  auto claimed = store_->claim_outbox(kNow, kLease, 2);
  ASSERT_EQ(claimed.size(), 2u);
  EXPECT_EQ(ids_of(claimed), (std::vector<std::int64_t>{ids[0], ids[1]}));  // oldest first
  for (const OutboxRecord& record : claimed) {
    EXPECT_EQ(record.attempts, 1);
    EXPECT_EQ(record.next_attempt_at, kLease);
    EXPECT_EQ(status_of(record), OutboxStatus::Pending);
  }
  EXPECT_EQ(store_->get_outbox(ids[0])->attempts, 1);
  EXPECT_EQ(store_->get_outbox(ids[0])->next_attempt_at, kLease);
  // Delivery bookkeeping is no store version and no change-feed entry.
  EXPECT_EQ(store_->store_version(), version);
  EXPECT_EQ(store_->changes_since(0, 1000).size(), changes);

  // Until the lease ends only the third is due; at its end the first two are due again.
  EXPECT_EQ(ids_of(store_->claim_outbox("2030-01-01T00:00:59.999Z", kLease, 10)),
            (std::vector<std::int64_t>{ids[2]}));
  EXPECT_TRUE(store_->claim_outbox("2030-01-01T00:00:59.999Z", kLease, 10).empty());
  auto again = store_->claim_outbox("2030-01-01T01:01:00+01:00", "2030-01-01T00:02:00Z", 10);
  ASSERT_EQ(ids_of(again), ids);
  EXPECT_EQ(again[0].attempts, 2);
  EXPECT_EQ(again[2].attempts, 2);
  EXPECT_EQ(again[0].next_attempt_at, "2030-01-01T00:02:00.000Z");
  EXPECT_EQ(store_->store_version(), version);
}

TEST_P(OutboxContract, ASecondClaimInTheSameInstantGetsOtherRows) {
  const auto ids = enqueue("checkout", 5);
  auto first = store_->claim_outbox(kNow, kLease, 2);
  auto second = store_->claim_outbox(kNow, kLease, 2);
  auto third = store_->claim_outbox(kNow, kLease, 2);
  EXPECT_EQ(ids_of(first), (std::vector<std::int64_t>{ids[0], ids[1]}));
  EXPECT_EQ(ids_of(second), (std::vector<std::int64_t>{ids[2], ids[3]}));
  EXPECT_EQ(ids_of(third), (std::vector<std::int64_t>{ids[4]}));
  EXPECT_TRUE(store_->claim_outbox(kNow, kLease, 2).empty());
}

TEST_P(OutboxContract, AClaimTakesOnlyPendingDueRowsAndClampsItsLimit) {
  const auto ids = enqueue("checkout", 4);
  ASSERT_TRUE(store_->mark_outbox_delivered(ids[0], kNow));
  ASSERT_TRUE(store_->mark_outbox_dead(ids[1], "gone", kNow));
  ASSERT_TRUE(store_->mark_outbox_failed(ids[2], "timeout", "2030-06-01T00:00:00Z"));
  EXPECT_EQ(ids_of(store_->claim_outbox(kNow, kLease, 0)), (std::vector<std::int64_t>{ids[3]}));
  EXPECT_TRUE(store_->claim_outbox(kNow, kLease, 1000000).empty());
  EXPECT_EQ(ids_of(store_->claim_outbox("2030-06-01T00:00:00Z", "2030-06-01T00:01:00Z", -5)),
            (std::vector<std::int64_t>{ids[2]}));
}

// Two replicas' delivery workers, each with its own store (connections), claiming as fast as
// they can: every row is claimed exactly once.
TEST_P(OutboxContract, ConcurrentClaimsFromTwoStoresNeverShareARow) {
  constexpr int kRows = 300;
  const auto ids = enqueue("checkout", kRows);
  ASSERT_EQ(ids.size(), static_cast<std::size_t>(kRows));
  auto other = open(url_);
  std::vector<std::int64_t> got[2];
  std::atomic<bool> go{false};
  auto worker = [&](Store& store, std::vector<std::int64_t>& out) {
    while (!go.load())
      std::this_thread::yield();
    for (;;) {
      auto claimed = store.claim_outbox(kNow, kLease, 7);
      if (claimed.empty()) break;
      for (const OutboxRecord& record : claimed) {
        EXPECT_EQ(record.attempts, 1) << record.id;
        out.push_back(record.id);
      }
    }
  };
  std::thread a(worker, std::ref(*store_), std::ref(got[0]));
  std::thread b(worker, std::ref(*other), std::ref(got[1]));
  go = true;
  a.join();
  b.join();
  std::multiset<std::int64_t> all(got[0].begin(), got[0].end());
  all.insert(got[1].begin(), got[1].end());
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kRows));
  EXPECT_EQ(std::set<std::int64_t>(all.begin(), all.end()).size(),
            static_cast<std::size_t>(kRows));  // no row twice
  EXPECT_TRUE(std::is_sorted(got[0].begin(), got[0].end()));
  std::cout << "claims: " << got[0].size() << " rows by one store, " << got[1].size()
            << " by the other\n";
}

TEST_P(OutboxContract, OutcomesApplyOnlyToPendingRows) {
  const auto ids = enqueue("checkout", 3);
  ASSERT_EQ(store_->claim_outbox(kNow, kLease, 3).size(), 3u);

  // Failed: the error and the next attempt; still pending.
  EXPECT_TRUE(store_->mark_outbox_failed(ids[0], "slack: HTTP 503", "2030-01-01T00:05:00Z"));
  auto failed = store_->get_outbox(ids[0]);
  EXPECT_EQ(failed->last_error, "slack: HTTP 503");
  EXPECT_EQ(failed->next_attempt_at, "2030-01-01T00:05:00.000Z");
  EXPECT_EQ(failed->attempts, 1);
  EXPECT_EQ(status_of(*failed), OutboxStatus::Pending);

  // Delivered: final; later outcomes are refused and change nothing.
  EXPECT_TRUE(store_->mark_outbox_delivered(ids[0], "2030-01-01T00:05:01Z"));
  auto delivered = store_->get_outbox(ids[0]);
  EXPECT_EQ(delivered->delivered_at, "2030-01-01T00:05:01.000Z");
  EXPECT_EQ(status_of(*delivered), OutboxStatus::Delivered);
  EXPECT_FALSE(store_->mark_outbox_delivered(ids[0], "2030-01-01T00:06:00Z"));
  EXPECT_FALSE(store_->mark_outbox_failed(ids[0], "late", "2030-01-01T00:06:00Z"));
  EXPECT_FALSE(store_->mark_outbox_dead(ids[0], "late", "2030-01-01T00:06:00Z"));
  EXPECT_EQ(store_->get_outbox(ids[0])->delivered_at, "2030-01-01T00:05:01.000Z");
  EXPECT_FALSE(store_->get_outbox(ids[0])->dead_at);

  // Dead: final too.
  EXPECT_TRUE(store_->mark_outbox_dead(ids[1], "hook: HTTP 410 Gone", "2030-01-01T00:07:00Z"));
  auto dead = store_->get_outbox(ids[1]);
  EXPECT_EQ(dead->dead_at, "2030-01-01T00:07:00.000Z");
  EXPECT_EQ(dead->last_error, "hook: HTTP 410 Gone");
  EXPECT_EQ(status_of(*dead), OutboxStatus::Dead);
  EXPECT_FALSE(store_->mark_outbox_delivered(ids[1], "2030-01-01T00:08:00Z"));
  EXPECT_FALSE(store_->mark_outbox_failed(ids[1], "again", "2030-01-01T00:08:00Z"));
  EXPECT_FALSE(store_->mark_outbox_dead(ids[1], "again", "2030-01-01T00:08:00Z"));
  EXPECT_EQ(store_->get_outbox(ids[1])->last_error, "hook: HTTP 410 Gone");

  // Unknown rows.
  EXPECT_FALSE(store_->mark_outbox_delivered(ids[2] + 100, kNow));
  EXPECT_FALSE(store_->mark_outbox_failed(0, "x", kNow));
  EXPECT_FALSE(store_->mark_outbox_dead(-3, "x", kNow));

  // Garbage times are refused before anything is written.
  EXPECT_THROW(store_->mark_outbox_delivered(ids[2], "now"), std::invalid_argument);
  EXPECT_THROW(store_->mark_outbox_failed(ids[2], "x", "later"), std::invalid_argument);
  EXPECT_THROW(store_->mark_outbox_dead(ids[2], "x", ""), std::invalid_argument);
  EXPECT_THROW(store_->claim_outbox("now", kLease, 1), std::invalid_argument);
  EXPECT_THROW(store_->claim_outbox(kNow, "2030-13-01T00:00:00Z", 1), std::invalid_argument);
  EXPECT_THROW(store_->retry_outbox(ids[2], "soon", "alice"), std::invalid_argument);
  EXPECT_THROW(store_->retry_outbox(ids[2], kNow, ""), std::invalid_argument);
  EXPECT_EQ(status_of(*store_->get_outbox(ids[2])), OutboxStatus::Pending);
  EXPECT_EQ(store_->get_outbox(ids[2])->attempts, 1);
}

TEST_P(OutboxContract, ListFiltersByStatusAndFlagAndPagesNewestFirst) {
  const auto a = enqueue("a", 4);  // ids a0 < a1 < a2 < a3
  const auto b = enqueue("b", 3);
  ASSERT_TRUE(store_->mark_outbox_delivered(a[0], kNow));
  ASSERT_TRUE(store_->mark_outbox_dead(a[1], "gone", kNow));
  ASSERT_TRUE(store_->mark_outbox_dead(b[0], "gone", kNow));
  ASSERT_TRUE(store_->mark_outbox_failed(b[1], "503", kLease));  // failed: still pending

  EXPECT_EQ(ids_of(store_->list_outbox(OutboxQuery{})),
            (std::vector<std::int64_t>{b[2], b[1], b[0], a[3], a[2], a[1], a[0]}));
  EXPECT_EQ(ids_of(store_->list_outbox(OutboxQuery{.status = OutboxStatus::Pending})),
            (std::vector<std::int64_t>{b[2], b[1], a[3], a[2]}));
  EXPECT_EQ(ids_of(store_->list_outbox(OutboxQuery{.status = OutboxStatus::Delivered})),
            (std::vector<std::int64_t>{a[0]}));
  EXPECT_EQ(ids_of(store_->list_outbox(OutboxQuery{.status = OutboxStatus::Dead})),
            (std::vector<std::int64_t>{b[0], a[1]}));
  EXPECT_EQ(ids_of(store_->list_outbox(OutboxQuery{.status = OutboxStatus::Dead, .flag = "a"})),
            (std::vector<std::int64_t>{a[1]}));
  EXPECT_EQ(ids_of(store_->list_outbox(OutboxQuery{.flag = "b"})),
            (std::vector<std::int64_t>{b[2], b[1], b[0]}));
  EXPECT_TRUE(store_->list_outbox(OutboxQuery{.flag = "none"}).empty());

  // Paging: before_id is the last id of the previous page.
  auto page1 = store_->list_outbox(OutboxQuery{.limit = 3});
  EXPECT_EQ(ids_of(page1), (std::vector<std::int64_t>{b[2], b[1], b[0]}));
  auto page2 = store_->list_outbox(OutboxQuery{.before_id = page1.back().id, .limit = 3});
  EXPECT_EQ(ids_of(page2), (std::vector<std::int64_t>{a[3], a[2], a[1]}));
  auto page3 = store_->list_outbox(OutboxQuery{.before_id = page2.back().id, .limit = 3});
  EXPECT_EQ(ids_of(page3), (std::vector<std::int64_t>{a[0]}));
  EXPECT_TRUE(store_->list_outbox(OutboxQuery{.before_id = a[0], .limit = 3}).empty());
  EXPECT_EQ(ids_of(store_->list_outbox(
                {.status = OutboxStatus::Pending, .flag = "a", .before_id = a[3], .limit = 10})),
            (std::vector<std::int64_t>{a[2]}));

  // The limit is clamped to 1..1000.
  EXPECT_EQ(store_->list_outbox(OutboxQuery{.limit = 0}).size(), 1u);
  EXPECT_EQ(store_->list_outbox(OutboxQuery{.limit = -7}).size(), 1u);
  EXPECT_EQ(store_->list_outbox(OutboxQuery{.limit = 5000}).size(), 7u);
}

TEST_P(OutboxContract, RetryMakesADeadOrPendingRowDueAgainAndRefusesDelivered) {
  const auto ids = enqueue("checkout", 3);
  ASSERT_EQ(store_->claim_outbox(kNow, kLease, 3).size(), 3u);
  ASSERT_TRUE(store_->mark_outbox_dead(ids[0], "hook: HTTP 410 Gone", kNow));
  ASSERT_TRUE(store_->mark_outbox_delivered(ids[2], kNow));
  const std::int64_t version = store_->store_version();

  // Dead: due again now, attempts back to 0, the error kept.
  const std::string retry_at = "2030-01-02T00:00:00.000Z";
  auto retried = store_->retry_outbox(ids[0], "2030-01-02T01:00:00+01:00", "oncall");
  EXPECT_EQ(retried.status, OutboxRetryStatus::Ok);
  ASSERT_TRUE(retried.record);
  EXPECT_EQ(retried.record->id, ids[0]);
  EXPECT_FALSE(retried.record->dead_at);
  EXPECT_EQ(retried.record->attempts, 0);
  EXPECT_EQ(retried.record->next_attempt_at, retry_at);
  EXPECT_EQ(retried.record->retried_at, retry_at);
  EXPECT_EQ(retried.record->last_error, "hook: HTTP 410 Gone");
  EXPECT_EQ(status_of(*retried.record), OutboxStatus::Pending);
  EXPECT_EQ(store_->store_version(), version + 1);  // an audited write
  // The oldest due row: the lease of ids[1] ended too, but ids[0] comes first.
  EXPECT_EQ(ids_of(store_->claim_outbox(retry_at, "2030-01-02T00:01:00Z", 1)),
            (std::vector<std::int64_t>{ids[0]}));

  // Pending (leased): due now instead of at the lease's end.
  auto pending = store_->retry_outbox(ids[1], retry_at, "oncall");
  EXPECT_EQ(pending.status, OutboxRetryStatus::Ok);
  EXPECT_EQ(pending.record->attempts, 0);
  EXPECT_EQ(pending.record->next_attempt_at, retry_at);

  // Delivered: nothing to retry, nothing written.
  const std::int64_t before_refusals = store_->store_version();
  auto delivered = store_->retry_outbox(ids[2], retry_at, "oncall");
  EXPECT_EQ(delivered.status, OutboxRetryStatus::Delivered);
  ASSERT_TRUE(delivered.record);
  EXPECT_EQ(delivered.record->delivered_at, kNow);
  EXPECT_FALSE(delivered.record->retried_at);
  auto unknown = store_->retry_outbox(ids[2] + 100, retry_at, "oncall");
  EXPECT_EQ(unknown.status, OutboxRetryStatus::NotFound);
  EXPECT_FALSE(unknown.record);
  EXPECT_EQ(store_->retry_outbox(0, retry_at, "oncall").status, OutboxRetryStatus::NotFound);
  EXPECT_EQ(store_->store_version(), before_refusals);
  EXPECT_FALSE(store_->get_outbox(ids[2])->retried_at);
}

TEST_P(OutboxContract, ARetryIsAuditedAndInTheChangeFeed) {
  const auto ids = enqueue("checkout", 1);
  ASSERT_TRUE(store_->mark_outbox_dead(ids[0], "hook: HTTP 410 Gone", kNow));
  auto retried = store_->retry_outbox(ids[0], kNow, "oncall");
  ASSERT_EQ(retried.status, OutboxRetryStatus::Ok);

  auto entries = store_->audit({.limit = 1000});
  ASSERT_FALSE(entries.empty());
  const AuditEntry& entry = entries.back();
  EXPECT_EQ(entry.action, "retry");
  EXPECT_EQ(entry.actor, "oncall");
  EXPECT_EQ(entry.target_kind, "notification");
  EXPECT_EQ(entry.target_key, std::to_string(ids[0]));
  ASSERT_TRUE(entry.before_json);
  ASSERT_TRUE(entry.after_json);
  auto before = nlohmann::json::parse(*entry.before_json);
  auto after = nlohmann::json::parse(*entry.after_json);
  EXPECT_EQ(before["status"], "dead");
  EXPECT_EQ(before["attempts"], 0);
  EXPECT_EQ(before["last_error"], "hook: HTTP 410 Gone");
  EXPECT_EQ(after["status"], "pending");
  EXPECT_EQ(after["id"], ids[0]);
  EXPECT_EQ(after["target"], "t0");
  EXPECT_EQ(after["flag"], "checkout");
  EXPECT_FALSE(after.contains("payload"));

  auto changes = store_->changes_since(store_->store_version() - 1, 10);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind, "notification");
  EXPECT_EQ(changes[0].key, std::to_string(ids[0]));
  EXPECT_EQ(changes[0].version, store_->store_version());
}

TEST_P(OutboxContract, MigrationThreeDeadLettersUndeliveredRowsOfSchemaTwo) {
  const std::string url = new_database();
  const auto& migrations = postgres() ? detail::postgres_migrations() : detail::sqlite_migrations();
  ASSERT_GE(migrations.size(), 3u);
  ASSERT_EQ(migrations.at(1).number, 2);
  execute_raw(url,
              "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT "
              "NOT NULL);" +
                  migrations.at(0).sql + migrations.at(1).sql +
                  "INSERT INTO schema_migrations VALUES (1, '2024-01-01T00:00:00.000Z');"
                  "INSERT INTO schema_migrations VALUES (2, '2024-01-01T00:00:00.000Z');"
                  "INSERT INTO outbox (idempotency_key, event_kind, payload_json, created_at, "
                  "attempts, next_attempt_at) VALUES ('rollout/1/advanced', 'advanced', '{}', "
                  "'2024-01-05T00:00:00.000Z', 3, '2024-01-05T00:10:00.000Z');"
                  "INSERT INTO outbox (idempotency_key, event_kind, payload_json, created_at, "
                  "attempts, delivered_at) VALUES ('rollout/1/completed', 'completed', '{}', "
                  "'2024-01-06T00:00:00.000Z', 1, '2024-01-06T00:00:01.000Z');");
  auto old = open(url);
  EXPECT_EQ(old->schema_version(), 2);
  old->migrate();
  EXPECT_EQ(old->schema_version(), 4);

  auto rows = old->list_outbox(OutboxQuery{});
  ASSERT_EQ(rows.size(), 2u);
  const OutboxRecord& delivered = rows[0];
  const OutboxRecord& undelivered = rows[1];
  EXPECT_EQ(undelivered.idempotency_key, "rollout/1/advanced");
  EXPECT_EQ(status_of(undelivered), OutboxStatus::Dead);
  EXPECT_TRUE(undelivered.dead_at);
  ASSERT_TRUE(undelivered.last_error);
  EXPECT_NE(undelivered.last_error->find("schema 3"), std::string::npos);
  EXPECT_EQ(undelivered.event_id, "");
  EXPECT_EQ(undelivered.target, "");
  EXPECT_EQ(undelivered.attempts, 3);
  EXPECT_EQ(status_of(delivered), OutboxStatus::Delivered);
  EXPECT_FALSE(delivered.dead_at);
  EXPECT_FALSE(delivered.last_error);

  // Nothing to claim; a person may still retry the dead letter.
  EXPECT_TRUE(old->claim_outbox(kNow, kLease, 10).empty());
  EXPECT_EQ(old->list_outbox(OutboxQuery{.status = OutboxStatus::Dead}).size(), 1u);
  EXPECT_EQ(old->retry_outbox(undelivered.id, kNow, "alice").status, OutboxRetryStatus::Ok);
  EXPECT_EQ(old->claim_outbox(kNow, kLease, 10).size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Store, OutboxContract, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& test) { return test.param; });

}  // namespace
}  // namespace sluice::store
