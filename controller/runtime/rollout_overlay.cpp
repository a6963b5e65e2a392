#include "rollout_overlay.hpp"

#include <map>

namespace sluice::controller {
namespace {

ServeDefinition serve_variant(const std::string& variant) {
  ServeDefinition serve;
  serve.variant = variant;
  return serve;
}

void apply(FlagDefinition& flag, const RolloutSplit& r) {
  flag.served_by = r.source;
  if (r.split.control_to_all) {
    // Roll back: the control to everyone in the rollout, cohorts included.
    flag.fallthrough = serve_variant(r.control);
    return;
  }
  for (const auto& cohort : r.split.cohorts) {
    RuleDefinition rule;
    rule.name = "rollout cohort " + cohort;
    rule.segments.push_back(cohort);
    rule.serve = serve_variant(r.treatment);
    flag.rules.push_back(std::move(rule));
  }
  const std::uint32_t bp = std::min(r.split.treatment_bp, kTotalBasisPoints);
  if (bp == 0) {
    flag.fallthrough = serve_variant(r.control);
    return;
  }
  if (bp == kTotalBasisPoints) {
    flag.fallthrough = serve_variant(r.treatment);
    return;
  }
  SplitDefinition split;
  if (flag.fallthrough.split) {
    split.bucket_by = flag.fallthrough.split->bucket_by;
    split.salt = flag.fallthrough.split->salt;
  }
  if (r.bucket_by) split.bucket_by = r.bucket_by;
  split.weights.push_back(SplitWeight{r.treatment, bp, {}});
  split.weights.push_back(SplitWeight{r.control, kTotalBasisPoints - bp, {}});
  flag.fallthrough = ServeDefinition{};
  flag.fallthrough.split = std::move(split);
}

}  // namespace

void apply_rollout_splits(FlagSet& set, const std::vector<RolloutSplit>& splits) {
  if (splits.empty()) return;
  std::map<std::string, const RolloutSplit*, std::less<>> by_flag;
  for (const auto& s : splits)
    by_flag[s.flag] = &s;
  for (auto& flag : set.flags) {
    if (auto it = by_flag.find(flag.key); it != by_flag.end()) apply(flag, *it->second);
  }
}

}  // namespace sluice::controller
