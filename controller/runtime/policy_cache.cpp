#include "policy_cache.hpp"

#include <stdexcept>

#include "sluice/policy_loader.hpp"

namespace sluice::controller {

std::shared_ptr<const Policy> PolicyCache::policy_of(const store::RolloutRecord& record) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = by_rollout_.find(record.id); it != by_rollout_.end()) return it->second;
  }
  PolicyLoadResult read = read_single_policy_json(record.policy_json);
  if (!read.ok() || read.policies.size() != 1) {
    std::string why = read.diagnostics.empty() ? "no policy" : read.diagnostics.front().format();
    throw std::runtime_error("stored policy of rollout " + std::to_string(record.id) + " (" +
                             record.flag + "): " + why);
  }
  auto policy = std::make_shared<const Policy>(std::move(read.policies.front()));
  std::lock_guard lock(mutex_);
  return by_rollout_.emplace(record.id, std::move(policy)).first->second;
}

}  // namespace sluice::controller
