#include "load_snapshot.hpp"

#include "sluice/flag_loader.hpp"

namespace sluice::app {

LoadedSnapshot load_snapshot(const std::vector<std::string>& paths) {
  LoadResult loaded = load_flag_paths(paths);
  if (!loaded.ok()) return LoadedSnapshot{nullptr, std::move(loaded.diagnostics)};
  CompileResult compiled = compile_snapshot(std::move(loaded.definitions));
  return LoadedSnapshot{std::move(compiled.snapshot), std::move(compiled.diagnostics)};
}

}  // namespace sluice::app
