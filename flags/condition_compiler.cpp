// Compiles one condition: the attribute slot, then the operands its operator takes, each check
// naming the field and the operator.

#include "condition_compiler.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>

#include "sluice/timestamp.hpp"

namespace sluice::detail {
namespace {

bool is_string_test(Operator op) {
  switch (op) {
    case Operator::Equals:
    case Operator::NotEquals:
    case Operator::In:
    case Operator::NotIn:
    case Operator::StartsWith:
    case Operator::EndsWith:
    case Operator::Contains:
    case Operator::Matches:
      return true;
    default:
      return false;
  }
}

Comparison comparison_of(Operator op) {
  switch (op) {
    case Operator::Lt:
    case Operator::SemverLt:
    case Operator::Before:
      return {.less = true};
    case Operator::Lte:
    case Operator::SemverLte:
      return {.less = true, .equal = true};
    case Operator::Gt:
    case Operator::SemverGt:
    case Operator::After:
      return {.greater = true};
    case Operator::Gte:
    case Operator::SemverGte:
      return {.equal = true, .greater = true};
    default:
      return {.equal = true};
  }
}

class ConditionCompiler {
 public:
  ConditionCompiler(const ConditionDefinition& def, CompiledCondition& out,
                    const ConditionContext& context)
      : def_(def), out_(out), context_(context), op_(to_string(def.op)) {}

  void run() {
    out_.negate = def_.negate;
    out_.fold_case = def_.case_insensitive;
    if (def_.op != Operator::InSegment) {
      if (def_.attribute.empty()) {
        error("condition field 'attribute' is required for operator " + op_);
        return;
      }
      out_.slot = context_.slot(def_.attribute);
    }
    if (def_.case_insensitive && !is_string_test(def_.op)) {
      error("condition field 'case_insensitive' does not apply to operator " + op_);
    }
    out_.comparison = comparison_of(def_.op);
    operands();
  }

 private:
  void error(std::string message) { context_.error(def_.where, std::move(message)); }

  void operands() {
    switch (def_.op) {
      case Operator::NotEquals:
      case Operator::Equals:
      case Operator::NotIn:
      case Operator::In:
        return in_set();
      case Operator::StartsWith:
      case Operator::EndsWith:
      case Operator::Contains:
        return substrings();
      case Operator::Matches:
        return regexes();
      case Operator::Lt:
      case Operator::Lte:
      case Operator::Gt:
      case Operator::Gte:
        return number();
      case Operator::SemverEq:
      case Operator::SemverLt:
      case Operator::SemverLte:
      case Operator::SemverGt:
      case Operator::SemverGte:
        return semver();
      case Operator::Before:
      case Operator::After:
        return instant();
      case Operator::Exists:
        if (!expect_count(0, 0)) return;
        out_.test = Test::Exists;
        return;
      case Operator::InSegment:
        return segments();
    }
  }

  bool expect_count(std::size_t min, std::size_t max) {
    const std::size_t n = def_.values.size();
    if (n >= min && n <= max) return true;
    if (max == 0) {
      error("condition field 'values': operator " + op_ + " takes no operands");
    } else if (min == max) {
      error("condition field 'value': operator " + op_ + " takes exactly one operand, got " +
            std::to_string(n));
    } else {
      error("condition field 'values': operator " + op_ + " needs at least one operand");
    }
    return false;
  }

  bool expect_strings() {
    for (const auto& v : def_.values) {
      if (!v.is_string()) {
        error("condition field 'values': operator " + op_ + " needs string operands, got " +
              to_string(v.kind()));
        return false;
      }
    }
    return true;
  }

  void in_set() {
    const bool single = def_.op == Operator::Equals || def_.op == Operator::NotEquals;
    if (single && !expect_count(1, 1)) return;
    out_.test = Test::InSet;
    if (def_.op == Operator::NotEquals || def_.op == Operator::NotIn) out_.negate = !out_.negate;
    ScalarSet& set = out_.set;
    set.strings = StringSet(def_.values.size(), FoldingHash{def_.case_insensitive},
                            FoldingEqual{def_.case_insensitive});
    for (const auto& v : def_.values) {
      switch (v.kind()) {
        case Value::Kind::String:
          set.strings.insert(v.as_string());
          break;
        case Value::Kind::Number:
          set.numbers.push_back(v.as_number());
          break;
        case Value::Kind::Bool:
          (v.as_bool() ? set.has_true : set.has_false) = true;
          break;
        default:
          error("condition field 'values': operator " + op_ +
                " takes strings, numbers or booleans, got " + to_string(v.kind()));
          return;
      }
    }
    std::sort(set.numbers.begin(), set.numbers.end());
    if (!def_.case_insensitive && set.strings.size() <= ScalarSet::kFewStrings) {
      set.few_strings.assign(set.strings.begin(), set.strings.end());
      set.use_few_strings = true;
    }
  }

  void substrings() {
    if (!expect_count(1, SIZE_MAX) || !expect_strings()) return;
    out_.test = def_.op == Operator::StartsWith ? Test::StartsWith
                : def_.op == Operator::EndsWith ? Test::EndsWith
                                                : Test::Contains;
    for (const auto& v : def_.values)
      out_.strings.push_back(v.as_string());
  }

  void regexes() {
    if (!expect_count(1, SIZE_MAX) || !expect_strings()) return;
    out_.test = Test::Matches;
    RE2::Options options;
    options.set_log_errors(false);
    options.set_case_sensitive(!def_.case_insensitive);
    for (const auto& v : def_.values) {
      auto re = std::make_unique<RE2>(v.as_string(), options);
      if (!re->ok()) {
        error("condition field 'values': invalid regular expression '" + v.as_string() +
              "': " + re->error());
        return;
      }
      out_.regexes.push_back(std::move(re));
    }
  }

  void number() {
    if (!expect_count(1, 1)) return;
    if (!def_.values[0].is_number() || !std::isfinite(def_.values[0].as_number())) {
      error("condition field 'value': operator " + op_ + " needs a number, got " +
            to_string(def_.values[0].kind()));
      return;
    }
    out_.test = Test::NumberCompare;
    out_.number = def_.values[0].as_number();
  }

  void semver() {
    if (!expect_count(1, 1) || !expect_strings()) return;
    out_.test = Test::SemverCompare;
    out_.semver_text = std::make_unique<const std::string>(def_.values[0].as_string());
    auto version = SemVer::parse(*out_.semver_text);
    if (!version) {
      error("condition field 'value': '" + *out_.semver_text +
            "' is not a semantic version (MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD])");
      return;
    }
    out_.semver = *version;
  }

  void instant() {
    if (!expect_count(1, 1) || !expect_strings()) return;
    out_.test = Test::InstantCompare;
    auto micros = parse_rfc3339_micros(def_.values[0].as_string());
    if (!micros) {
      error("condition field 'value': '" + def_.values[0].as_string() +
            "' is not an RFC 3339 date-time (e.g. 2026-11-21T09:30:00Z)");
      return;
    }
    out_.instant_micros = *micros;
  }

  void segments() {
    if (!expect_count(1, SIZE_MAX) || !expect_strings()) return;
    out_.test = Test::InSegment;
    for (const auto& v : def_.values) {
      if (auto index = context_.segment(v.as_string(), def_.where, "values")) {
        out_.segments.push_back(*index);
      }
    }
  }

  const ConditionDefinition& def_;
  CompiledCondition& out_;
  const ConditionContext& context_;
  const std::string op_;
};

}  // namespace

void compile_condition(const ConditionDefinition& def, CompiledCondition& out,
                       const ConditionContext& context) {
  ConditionCompiler(def, out, context).run();
}

}  // namespace sluice::detail
