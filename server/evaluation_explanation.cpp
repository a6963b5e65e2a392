#include "evaluation_explanation.hpp"

#include <fmt/format.h>

#include <cmath>
#include <optional>

#include "sluice/bucketing.hpp"

namespace sluice::server {
namespace {

std::string ordinal(int n) {
  const int last_two = n % 100;
  const char* suffix = "th";
  if (last_two < 11 || last_two > 13) {
    if (n % 10 == 1) suffix = "st";
    if (n % 10 == 2) suffix = "nd";
    if (n % 10 == 3) suffix = "rd";
  }
  return std::to_string(n) + suffix;
}

// "50", "12.5", "0.01": basis points as a percentage without trailing zeros.
std::string percent(std::uint32_t basis_points) {
  if (basis_points % 100 == 0) return std::to_string(basis_points / 100);
  std::string text = fmt::format("{:.2f}", static_cast<double>(basis_points) / 100.0);
  while (text.back() == '0')
    text.pop_back();
  return text;
}

std::string quoted(std::string_view text) {
  return fmt::format("'{}'", text);
}

std::string off_served(const FlagDefinition& flag) {
  return fmt::format("off variant {} served", quoted(flag.off_variant));
}

// The same fallbacks as the compiler: the split's, then the flag's, then targetingKey.
std::string bucket_attribute(const FlagDefinition& flag, const SplitDefinition& split) {
  return split.bucket_by.value_or(flag.bucket_by.value_or(kDefaultBucketBy));
}

// "split 50/50 (old/new) by userId".
std::string split_text(const FlagDefinition& flag, const SplitDefinition& split) {
  std::string weights;
  std::string names;
  for (const auto& weight : split.weights) {
    if (!weights.empty()) {
      weights += '/';
      names += '/';
    }
    weights += percent(weight.basis_points);
    names += weight.variant;
  }
  return fmt::format("split {} ({}) by {}", weights, names, bucket_attribute(flag, split));
}

// The bucketing key as the evaluator reads it: a string, or an integral number in decimal.
std::optional<std::string> key_text(const Value* key) {
  if (key == nullptr) return std::nullopt;
  if (key->kind() == Value::Kind::String) return key->as_string();
  if (key->kind() == Value::Kind::Number) {
    const double d = key->as_number();
    if (d != std::trunc(d) || std::fabs(d) >= 9.007199254740992e15) return std::nullopt;
    return std::to_string(static_cast<long long>(d));
  }
  return std::nullopt;
}

// What a serve clause did for this context: "served 'on'" or "split 50/50 (old/new) by userId,
// bucket 7312 of 10000 -> new".
std::string serve_text(const FlagDefinition& flag, const ServeDefinition& serve,
                       const Context& context, const Evaluation& evaluation) {
  if (!serve.split) return fmt::format("served {}", quoted(evaluation.variant));
  const SplitDefinition& split = *serve.split;
  std::string text = split_text(flag, split);
  if (auto key = key_text(context.find(bucket_attribute(flag, split)))) {
    const std::string salt = split.salt.value_or(flag.salt.value_or(flag.key));
    text += fmt::format(", bucket {} of {}", bucket_of(salt, *key), kTotalBasisPoints);
  }
  return text + " -> " + std::string(evaluation.variant);
}

std::string rule_text(const FlagDefinition& flag, int index) {
  const std::string position = ordinal(index + 1) + " rule";
  const std::string& name = flag.rules[static_cast<std::size_t>(index)].name;
  if (name.empty()) return fmt::format("the {} (unnamed)", position);
  return fmt::format("rule {} ({})", quoted(name), position);
}

// Why a prerequisite failed: what the prerequisite flag served against what it must serve.
std::string prerequisite_text(const Snapshot& snapshot, const FlagDefinition& flag,
                              std::string_view prerequisite_key, const PreparedContext& prepared) {
  std::string required;
  for (const auto& prerequisite : flag.prerequisites) {
    if (prerequisite.flag != prerequisite_key) continue;
    for (const auto& variant : prerequisite.variants) {
      if (!required.empty()) required += " or ";
      required += quoted(variant);
    }
  }
  const Evaluation served = snapshot.evaluate(prerequisite_key, prepared);
  const std::string got =
      served.variant.empty() ? std::string("no variant") : "variant " + quoted(served.variant);
  return fmt::format("prerequisite flag {} served {}, not {}: {}", quoted(prerequisite_key), got,
                     required.empty() ? std::string("a required variant") : required,
                     off_served(flag));
}

// What the evaluation served: the matched rule's, else the default.
const ServeDefinition& served_definition(const FlagDefinition& flag, const Evaluation& evaluation) {
  const bool has_rule = evaluation.rule_index >= 0 &&
                        static_cast<std::size_t>(evaluation.rule_index) < flag.rules.size();
  return has_rule ? flag.rules[static_cast<std::size_t>(evaluation.rule_index)].serve
                  : flag.fallthrough;
}

// "splits by accountId, but the context has no accountId".
std::string missing_attribute_text(const FlagDefinition& flag, const SplitDefinition& split) {
  const std::string attribute = bucket_attribute(flag, split);
  return fmt::format("splits by {}, but the context has no {}", attribute, attribute);
}

// Why the default applies, and who decided it: the definition, or a rollout (running, or
// finished and kept as the flag's runtime state).
std::string fallthrough_text(const FlagDefinition& flag) {
  const std::string reached = flag.rules.empty()
                                  ? std::string("the flag has no rules")
                                  : fmt::format("no rule matched ({} {})", flag.rules.size(),
                                                flag.rules.size() == 1 ? "rule" : "rules");
  if (!flag.served_by.empty()) return reached + "; the default is served by " + flag.served_by;
  return flag.rules.empty() ? reached + ", so the default applies"
                            : reached + ": fell through to the default";
}

}  // namespace

std::string missing_bucket_key_text(const FlagDefinition& flag, const Evaluation& evaluation) {
  const ServeDefinition& serve = served_definition(flag, evaluation);
  if (!serve.split) return "";
  const std::string attribute = bucket_attribute(flag, *serve.split);
  return fmt::format("the split buckets by {}; the context has no {}", attribute, attribute);
}

std::string explain_evaluation(const Snapshot& snapshot, const FlagDefinition& flag,
                               const Context& context, const PreparedContext& prepared,
                               const Evaluation& evaluation) {
  if (evaluation.reason == Reason::Disabled) return "the flag is killed: " + off_served(flag);
  const bool has_rule = evaluation.rule_index >= 0 &&
                        static_cast<std::size_t>(evaluation.rule_index) < flag.rules.size();
  if (!has_rule && !evaluation.rule_name.empty()) {
    return prerequisite_text(snapshot, flag, evaluation.rule_name, prepared);
  }
  const ServeDefinition& serve = served_definition(flag, evaluation);
  const std::string where =
      has_rule ? "matched " + rule_text(flag, evaluation.rule_index) : fallthrough_text(flag);
  if (evaluation.error == ErrorCode::TargetingKeyMissing && serve.split) {
    return fmt::format("{}, which {}: {}", where, missing_attribute_text(flag, *serve.split),
                       off_served(flag));
  }
  if (evaluation.error != ErrorCode::None) {
    return fmt::format("evaluation failed ({})", to_string(evaluation.error));
  }
  return where + ": " + serve_text(flag, serve, context, evaluation);
}

}  // namespace sluice::server
