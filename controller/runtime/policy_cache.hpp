#pragma once

// Rollout policies parsed once per rollout: a policy is fixed when its rollout starts, so the
// stored JSON is read again only for a rollout not seen before (10,000 rollouts are not re-parsed
// every tick or every snapshot reload).

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "sluice/policy.hpp"
#include "sluice/store/rollout_records.hpp"

namespace sluice::controller {

class PolicyCache {
 public:
  // The rollout's policy; throws std::runtime_error if the stored JSON is not a valid policy.
  std::shared_ptr<const Policy> policy_of(const store::RolloutRecord& record);

 private:
  std::mutex mutex_;
  std::map<std::int64_t, std::shared_ptr<const Policy>> by_rollout_;
};

}  // namespace sluice::controller
