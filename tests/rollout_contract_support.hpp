#pragma once

// The fixture of the rollout part of the store contract (store_rollouts_contract_test.cpp,
// store_rollouts_scale_test.cpp): a decision write and an outbox row for any rollout.

#include <string>

#include "sluice/store/store.hpp"
#include "store_test_support.hpp"

namespace sluice::store::test_support {

class RolloutContract : public StoreContractFixture {
 protected:
  // The decision with sequence expected + 1 and the rollout's state after it.
  static DecisionWrite decision(const RolloutRecord& rollout, std::int64_t expected,
                                std::string kind = "advance", bool active = true) {
    DecisionWrite write;
    write.rollout_id = rollout.id;
    write.expected_sequence = expected;
    write.state_json = R"({"stage":)" + std::to_string(expected + 1) + "}";
    write.window_json = R"({"n":)" + std::to_string(expected + 1) + "}";
    write.phase = active ? "progressing" : "completed";
    write.active = active;
    DecisionRecord& record = write.decision;
    record.rollout_id = rollout.id;
    record.sequence = expected + 1;
    record.flag = rollout.flag;
    record.at = "2024-02-01T10:00:0" + std::to_string((expected + 1) % 10) + "+00:00";
    record.actor = "controller";
    record.kind = std::move(kind);
    record.from_phase = "pending";
    record.to_phase = write.phase;
    record.from_stage = expected;
    record.to_stage = expected + 1;
    record.from_bp = 100 * expected;
    record.to_bp = 100 * (expected + 1);
    record.verdict = "healthy";
    record.sentence = "Stage " + std::to_string(expected + 1) + " looks healthy.";
    record.evidence_json = R"({"checks":[]})";
    return write;
  }

  static OutboxRecord outbox(const std::string& key, const std::string& payload = "{}") {
    OutboxRecord record;
    record.idempotency_key = key;
    record.event_kind = "advanced";
    record.payload_json = payload;
    return record;
  }
};

}  // namespace sluice::store::test_support
