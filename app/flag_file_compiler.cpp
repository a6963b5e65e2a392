#include "flag_file_compiler.hpp"

#include <algorithm>
#include <set>
#include <tuple>

#include "sluice/flag_loader.hpp"

namespace sluice::app {
namespace {

// The flag or segment a diagnostic is about: the last one in the same file that starts at or
// before the diagnostic's line (YAML), or whose field path prefixes the diagnostic's (JSON).
class DiagnosticOwners {
 public:
  explicit DiagnosticOwners(const FlagSet& definitions) {
    for (const auto& flag : definitions.flags)
      elements_.push_back(&flag.where);
    for (const auto& segment : definitions.segments)
      elements_.push_back(&segment.where);
  }

  const SourceLocation* owner(const SourceLocation& where) const {
    const SourceLocation* best = nullptr;
    for (const SourceLocation* element : elements_) {
      if (element->file != where.file) continue;
      if (where.line > 0) {
        if (element->line <= where.line && (best == nullptr || element->line > best->line)) {
          best = element;
        }
      } else if (!element->path.empty() && where.path.starts_with(element->path) &&
                 (where.path.size() == element->path.size() ||
                  where.path[element->path.size()] == '.')) {
        best = element;
      }
    }
    return best;
  }

 private:
  std::vector<const SourceLocation*> elements_;
};

}  // namespace

CompiledFlagFiles compile_flag_files(const std::vector<std::string>& paths) {
  LoadResult loaded = load_flag_paths(paths);
  if (loaded.ok()) {
    CompileResult compiled = compile_snapshot(std::move(loaded.definitions));
    return CompiledFlagFiles{std::move(compiled.snapshot), std::move(compiled.diagnostics)};
  }
  // Report every problem at once, but not the follow-on errors of a definition that could not
  // be read as meant (a missing field, a wrong type): those point at nothing the author wrote.
  Diagnostics diagnostics = std::move(loaded.diagnostics);
  CompileResult compiled = compile_snapshot(loaded.definitions);
  DiagnosticOwners owners(loaded.definitions);
  std::set<const SourceLocation*> unreadable;
  std::set<std::string> reported;
  for (const auto& d : diagnostics) {
    if (!d.meaning_intact) unreadable.insert(owners.owner(d.where));
    reported.insert(d.format());
  }
  for (auto& d : compiled.diagnostics) {
    const SourceLocation* owner = owners.owner(d.where);
    if (owner != nullptr && unreadable.contains(owner)) continue;
    if (!reported.insert(d.format()).second) continue;
    diagnostics.push_back(std::move(d));
  }
  std::stable_sort(diagnostics.begin(), diagnostics.end(), [](const auto& a, const auto& b) {
    return std::tie(a.where.file, a.where.line, a.where.column) <
           std::tie(b.where.file, b.where.line, b.where.column);
  });
  return CompiledFlagFiles{nullptr, std::move(diagnostics)};
}

}  // namespace sluice::app
