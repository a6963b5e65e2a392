// Compiles definitions into a CompiledSet, checking everything that a reader cannot: references
// (variants, segments, prerequisite flags), split weights, operands, prerequisite cycles.

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>

#include "compiled.hpp"
#include "condition_compiler.hpp"
#include "sluice/snapshot.hpp"
#include "sluice/timestamp.hpp"

namespace sluice {
namespace detail {
namespace {

std::string quoted_list(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

std::string location_text(const SourceLocation& where) {
  if (where.file.empty()) return where.path;
  return where.file + ':' + std::to_string(where.line) + ':' + std::to_string(where.column);
}

std::string percent_text(std::uint32_t basis_points) {
  std::string out = std::to_string(basis_points / 100);
  if (std::uint32_t fraction = basis_points % 100; fraction != 0) {
    out += '.';
    out += static_cast<char>('0' + fraction / 10);
    if (fraction % 10 != 0) out += static_cast<char>('0' + fraction % 10);
  }
  return out + '%';
}

std::optional<ValueType> value_type_of(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Bool:
      return ValueType::Boolean;
    case Value::Kind::String:
      return ValueType::String;
    case Value::Kind::Number:
      return ValueType::Number;
    case Value::Kind::Object:
      return ValueType::Object;
    default:
      return std::nullopt;
  }
}

bool valid_flag_key(std::string_view key) {
  if (key.empty() || key.size() > 256) return false;
  return std::none_of(key.begin(), key.end(), [](char c) {
    return static_cast<unsigned char>(c) <= 0x20 || c == '/' || c == 0x7f;
  });
}

class Compiler {
 public:
  explicit Compiler(FlagSet definitions) { set_->definitions = std::move(definitions); }

  CompileResult run() {
    const FlagSet& defs = set_->definitions;
    index_segments(defs.segments);
    index_flags(defs.flags);
    for (std::size_t i = 0; i < defs.segments.size(); ++i) {
      compile_segment(defs.segments[i], set_->segments[i]);
    }
    for (std::size_t i = 0; i < defs.flags.size(); ++i) {
      compile_flag(defs.flags[i], set_->flags[i]);
    }
    check_prerequisite_cycles();
    if (!diagnostics_.empty()) return CompileResult{nullptr, std::move(diagnostics_)};
    return CompileResult{std::make_shared<const Snapshot>(std::move(set_)), {}};
  }

 private:
  void error(const SourceLocation& where, std::string message) {
    diagnostics_.push_back(Diagnostic{where, std::move(message)});
  }

  std::uint32_t slot(std::string_view attribute) {
    auto it = set_->attribute_slots.find(attribute);
    if (it != set_->attribute_slots.end()) return it->second;
    auto index = static_cast<std::uint32_t>(set_->attributes.size());
    set_->attributes.emplace_back(attribute);
    set_->attribute_slots.emplace(std::string(attribute), index);
    return index;
  }

  void index_segments(const std::vector<SegmentDefinition>& segments) {
    set_->segments.resize(segments.size());
    for (std::size_t i = 0; i < segments.size(); ++i) {
      const auto& segment = segments[i];
      if (segment.key.empty()) {
        error(segment.where, "segment field 'key' must not be empty");
        continue;
      }
      auto [it, inserted] = segment_index_.emplace(segment.key, static_cast<std::uint32_t>(i));
      if (!inserted) {
        error(segment.where, "duplicate segment key '" + segment.key + "' (first defined at " +
                                 location_text(segments[it->second].where) + ")");
      }
    }
  }

  void index_flags(const std::vector<FlagDefinition>& flags) {
    set_->flags.resize(flags.size());
    for (std::size_t i = 0; i < flags.size(); ++i) {
      const auto& flag = flags[i];
      if (!valid_flag_key(flag.key)) {
        error(flag.where,
              "flag field 'key' must be 1 to 256 characters without spaces or '/', got '" +
                  flag.key + "'");
        continue;
      }
      auto [it, inserted] = set_->flag_index.emplace(flag.key, static_cast<std::uint32_t>(i));
      if (!inserted) {
        error(flag.where, "duplicate flag key '" + flag.key + "' (first defined at " +
                              location_text(flags[it->second].where) + ")");
      }
    }
  }

  void compile_segment(const SegmentDefinition& def, CompiledSegment& out) {
    out.key = def.key;
    if (def.attribute.empty()) error(def.where, "segment field 'attribute' must not be empty");
    out.id_slot = slot(def.attribute);
    out.ids = StringSet(def.ids.size(), FoldingHash{}, FoldingEqual{});
    for (const auto& id : def.ids)
      out.ids.insert(id);
    if (def.ids.empty() && def.conditions.empty()) {
      error(def.where, "segment '" + def.key + "' needs 'ids' or 'conditions'");
    }
    for (const auto& condition : def.conditions) {
      if (condition.op == Operator::InSegment) {
        error(condition.where, "segment '" + def.key +
                                   "': field 'op' in_segment is not allowed in segment conditions");
        continue;
      }
      out.conditions.emplace_back();
      compile_condition(condition, out.conditions.back());
    }
  }

  void compile_condition(const ConditionDefinition& def, CompiledCondition& out) {
    detail::compile_condition(def, out, conditions_);
  }

  std::optional<std::uint32_t> segment(const std::string& key, const SourceLocation& where,
                                       const char* field) {
    auto it = segment_index_.find(key);
    if (it != segment_index_.end()) return it->second;
    error(where, std::string("field '") + field + "': unknown segment '" + key + "'");
    return std::nullopt;
  }

  std::optional<std::uint32_t> variant(const FlagDefinition& flag, const std::string& name,
                                       const SourceLocation& where, const char* field) {
    for (std::size_t i = 0; i < flag.variants.size(); ++i) {
      if (flag.variants[i].name == name) return static_cast<std::uint32_t>(i);
    }
    std::vector<std::string> known;
    for (const auto& v : flag.variants)
      known.push_back(v.name);
    error(where, std::string("field '") + field + "': unknown variant '" + name + "' in flag '" +
                     flag.key + "' (variants: " + quoted_list(known) + ")");
    return std::nullopt;
  }

  void compile_serve(const FlagDefinition& flag, const ServeDefinition& def, CompiledServe& out) {
    if (def.variant.has_value() == def.split.has_value()) {
      error(def.where, "serve needs exactly one of 'variant' or 'split'");
      return;
    }
    if (def.variant) {
      out.variant = variant(flag, *def.variant, def.where, "variant").value_or(0);
      return;
    }
    const SplitDefinition& split = *def.split;
    CompiledSplit compiled;
    std::string bucket_by = split.bucket_by.value_or(flag.bucket_by.value_or(kDefaultBucketBy));
    if (bucket_by.empty()) error(split.where, "split field 'bucket_by' must not be empty");
    compiled.bucket_slot = slot(bucket_by);
    compiled.salt = split.salt.value_or(flag.salt.value_or(flag.key));
    if (split.weights.empty()) {
      error(split.where, "split field 'weights' must list at least one variant");
      return;
    }
    std::uint32_t total = 0;
    for (const auto& weight : split.weights) {
      auto index = variant(flag, weight.variant, weight.where, "weights");
      if (!index) continue;
      if (std::find(compiled.variants.begin(), compiled.variants.end(), *index) !=
          compiled.variants.end()) {
        error(weight.where, "split field 'weights': variant '" + weight.variant + "' listed twice");
        continue;
      }
      if (weight.basis_points > kTotalBasisPoints) {
        error(weight.where,
              "split field 'weights': weight of '" + weight.variant + "' is above 100%");
        continue;
      }
      total += weight.basis_points;
      compiled.upper_bounds.push_back(total);
      compiled.variants.push_back(*index);
    }
    if (total != kTotalBasisPoints) {
      error(split.where, "split field 'weights' sums to " + percent_text(total) + ", not 100%");
    }
    out.split = std::move(compiled);
  }

  void compile_flag(const FlagDefinition& def, CompiledFlag& out) {
    out.key = def.key;
    out.enabled = def.enabled;
    if (def.variants.empty()) {
      error(def.where, "flag '" + def.key + "' field 'variants' must define at least one variant");
      return;
    }
    for (std::size_t i = 0; i < def.variants.size(); ++i) {
      const auto& v = def.variants[i];
      auto type = value_type_of(v.value);
      if (!type) {
        error(v.where, "variant '" + v.name +
                           "' must be a boolean, string, number or JSON object, got " +
                           to_string(v.value.kind()));
        continue;
      }
      if (i == 0) {
        out.type = *type;
      } else if (*type != out.type) {
        error(v.where, "variant '" + v.name + "' is of type " + to_string(*type) +
                           " but variant '" + def.variants[0].name + "' is of type " +
                           to_string(out.type) + ": all of a flag's variants have one type");
      }
      for (std::size_t j = 0; j < i; ++j) {
        if (def.variants[j].name == v.name) error(v.where, "duplicate variant '" + v.name + "'");
      }
      out.variants.push_back(CompiledVariant{v.name, v.value});
    }
    out.off_variant = variant(def, def.off_variant, def.where, "off_variant").value_or(0);
    for (const auto* stamp : {&def.created, &def.updated}) {
      if (*stamp && !parse_rfc3339_micros(**stamp)) {
        error(def.where, std::string("flag field '") +
                             (stamp == &def.created ? "created" : "updated") + "': '" + **stamp +
                             "' is not an RFC 3339 date-time");
      }
    }
    for (const auto& prerequisite : def.prerequisites)
      compile_prerequisite(prerequisite, out);
    for (const auto& rule_def : def.rules) {
      CompiledRule rule;
      rule.name = rule_def.name;
      for (const auto& key : rule_def.segments) {
        if (auto index = segment(key, rule_def.where, "segments")) rule.segments.push_back(*index);
      }
      for (const auto& condition : rule_def.conditions) {
        rule.conditions.emplace_back();
        compile_condition(condition, rule.conditions.back());
      }
      compile_serve(def, rule_def.serve, rule.serve);
      out.rules.push_back(std::move(rule));
    }
    compile_serve(def, def.fallthrough, out.fallthrough);
    if (!def.enabled) {
      out.constant_variant = out.off_variant;
      out.constant_reason = Reason::Disabled;
    } else if (out.is_static() && !out.fallthrough.split) {
      out.constant_variant = out.fallthrough.variant;
      out.constant_reason = Reason::Static;
    }
  }

  void compile_prerequisite(const PrerequisiteDefinition& def, CompiledFlag& out) {
    auto it = set_->flag_index.find(def.flag);
    if (it == set_->flag_index.end()) {
      error(def.where, "prerequisite field 'flag': unknown flag '" + def.flag + "'");
      return;
    }
    if (def.variants.empty()) {
      error(def.where,
            "prerequisite field 'variants' must list at least one variant of '" + def.flag + "'");
      return;
    }
    CompiledPrerequisite compiled{it->second, def.flag, {}};
    const FlagDefinition& required = set_->definitions.flags[it->second];
    for (const auto& name : def.variants) {
      if (auto index = variant(required, name, def.where, "variants")) {
        compiled.variants.push_back(*index);
      }
    }
    out.prerequisites.push_back(std::move(compiled));
  }

  // Depth-first search over prerequisite edges; reports each cycle once, naming its flags.
  void check_prerequisite_cycles() {
    enum class Mark { New, Active, Done };
    std::vector<Mark> marks(set_->flags.size(), Mark::New);
    std::vector<std::uint32_t> path;
    std::function<void(std::uint32_t)> visit = [&](std::uint32_t f) {
      marks[f] = Mark::Active;
      path.push_back(f);
      for (const auto& prerequisite : set_->flags[f].prerequisites) {
        std::uint32_t next = prerequisite.flag;
        if (marks[next] == Mark::Active) {
          // Named from the flag where the cycle closes, which is where it is reported.
          auto start = std::find(path.begin(), path.end(), next);
          std::string cycle = set_->flags[f].key;
          for (auto p = start; p != path.end(); ++p)
            cycle += " -> " + set_->flags[*p].key;
          error(set_->definitions.flags[f].where, "prerequisite cycle: " + cycle);
        } else if (marks[next] == Mark::New) {
          visit(next);
        }
      }
      path.pop_back();
      marks[f] = Mark::Done;
    };
    for (std::uint32_t f = 0; f < set_->flags.size(); ++f) {
      if (marks[f] == Mark::New) visit(f);
    }
  }

  std::unique_ptr<CompiledSet> set_ = std::make_unique<CompiledSet>();
  std::unordered_map<std::string, std::uint32_t, FoldingHash, FoldingEqual> segment_index_;
  Diagnostics diagnostics_;
  const ConditionContext conditions_{
      [this](const SourceLocation& where, std::string message) {
        error(where, std::move(message));
      },
      [this](std::string_view attribute) { return slot(attribute); },
      [this](const std::string& key, const SourceLocation& where, const char* field) {
        return segment(key, where, field);
      }};
};

}  // namespace
}  // namespace detail

CompileResult compile_snapshot(FlagSet definitions) {
  return detail::Compiler(std::move(definitions)).run();
}

}  // namespace sluice
