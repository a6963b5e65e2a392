#include "bench_flags.hpp"

#include <string>
#include <utility>
#include <vector>

namespace sluice_bench {
namespace {

using sluice::ConditionDefinition;
using sluice::FlagDefinition;
using sluice::Operator;
using sluice::RuleDefinition;
using sluice::ServeDefinition;
using sluice::SplitDefinition;
using sluice::SplitWeight;
using sluice::Value;
using sluice::VariantDefinition;

FlagDefinition flag(std::string_view key, std::vector<VariantDefinition> variants,
                    std::string off_variant) {
  FlagDefinition def;
  def.key = std::string(key);
  def.variants = std::move(variants);
  def.off_variant = std::move(off_variant);
  return def;
}

FlagDefinition boolean_flag(std::string_view key) {
  return flag(key, {{"on", Value(true), {}}, {"off", Value(false), {}}}, "off");
}

ServeDefinition serve_variant(std::string name) {
  ServeDefinition serve;
  serve.variant = std::move(name);
  return serve;
}

// Weights in basis points (10000 = 100%), bucketed by targetingKey.
ServeDefinition serve_split(std::vector<std::pair<std::string, std::uint32_t>> weights) {
  SplitDefinition split;
  split.bucket_by = std::string(sluice::kDefaultBucketBy);
  for (auto& [variant, basis_points] : weights) {
    split.weights.push_back(SplitWeight{std::move(variant), basis_points, {}});
  }
  ServeDefinition serve;
  serve.split = std::move(split);
  return serve;
}

ConditionDefinition condition(std::string attribute, Operator op, std::vector<Value> values) {
  ConditionDefinition def;
  def.attribute = std::move(attribute);
  def.op = op;
  def.values = std::move(values);
  return def;
}

RuleDefinition rule(std::string name, std::vector<ConditionDefinition> conditions,
                    ServeDefinition serve) {
  RuleDefinition def;
  def.name = std::move(name);
  def.conditions = std::move(conditions);
  def.serve = std::move(serve);
  return def;
}

std::vector<Value> account_ids(int count) {
  std::vector<Value> ids;
  ids.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i)
    ids.emplace_back("acct-" + std::to_string(i));
  return ids;
}

}  // namespace

sluice::FlagSet make_flag_set() {
  sluice::FlagSet set;

  // F1: a kill switch that is on for everyone.
  FlagDefinition kill_switch = boolean_flag(kCases[0].flag);
  kill_switch.fallthrough = serve_variant("on");
  set.flags.push_back(std::move(kill_switch));

  // F2: 5% rollout by user id.
  FlagDefinition rollout = boolean_flag(kCases[1].flag);
  rollout.fallthrough = serve_split({{"on", 500}, {"off", 9500}});
  set.flags.push_back(std::move(rollout));

  // F3: on when plan = free and country in (US, GB).
  FlagDefinition targeted = boolean_flag(kCases[2].flag);
  targeted.rules.push_back(rule("free users in US and GB",
                                {condition("plan", Operator::Equals, {"free"}),
                                 condition("country", Operator::In, {"US", "GB"})},
                                serve_variant("on")));
  targeted.fallthrough = serve_variant("off");
  set.flags.push_back(std::move(targeted));

  // F4: three string variants split 50/25/25 by user id.
  FlagDefinition experiment = flag(
      kCases[3].flag,
      {{"control", Value("control"), {}}, {"a", Value("a"), {}}, {"b", Value("b"), {}}}, "control");
  experiment.kind = sluice::FlagKind::Experiment;
  experiment.fallthrough = serve_split({{"control", 5000}, {"a", 2500}, {"b", 2500}});
  set.flags.push_back(std::move(experiment));

  // F5: membership in a list of 10,000 account ids (acct-0 ... acct-9999).
  FlagDefinition allowlist = boolean_flag(kCases[4].flag);
  allowlist.rules.push_back(rule("allowlisted accounts",
                                 {condition("accountId", Operator::In, account_ids(10000))},
                                 serve_variant("on")));
  allowlist.fallthrough = serve_variant("off");
  set.flags.push_back(std::move(allowlist));

  // F6: a regular expression on the email.
  FlagDefinition regex = boolean_flag(kCases[5].flag);
  regex.rules.push_back(
      rule("first.last at example or corp",
           {condition("email", Operator::Matches, {R"(^[a-z]+\.[a-z]+@(example|corp)\.com$)"})},
           serve_variant("on")));
  regex.fallthrough = serve_variant("off");
  set.flags.push_back(std::move(regex));

  // F7: three rules, then a 10/90 split (the architecture budget case).
  FlagDefinition layered = boolean_flag(kCases[6].flag);
  layered.rules.push_back(rule("staff", {condition("email", Operator::EndsWith, {"@example.com"})},
                               serve_variant("on")));
  layered.rules.push_back(rule("enterprise in DE",
                               {condition("plan", Operator::In, {"enterprise"}),
                                condition("country", Operator::Equals, {"DE"})},
                               serve_variant("on")));
  layered.rules.push_back(rule("new app outside US and GB",
                               {condition("appVersion", Operator::SemverGte, {"2.5.0"}),
                                condition("country", Operator::NotIn, {"US", "GB", "IN"})},
                               serve_variant("on")));
  layered.fallthrough = serve_split({{"on", 1000}, {"off", 9000}});
  set.flags.push_back(std::move(layered));

  return set;
}

}  // namespace sluice_bench
