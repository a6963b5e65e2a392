// The quick start's main job until the controller exists: evaluate the sample flags for a few
// people and for a synthetic population, and print what each would be served and why.

#include <fmt/format.h>

#include <map>

#include "commands.hpp"
#include "load_snapshot.hpp"

namespace sluice::app {
namespace {

struct Persona {
  const char* name;
  Context context;
};

std::vector<Persona> personas() {
  auto person = [](const char* user, const char* account, const char* plan, const char* country) {
    return Context(
        {{"targetingKey", user}, {"accountId", account}, {"plan", plan}, {"country", country}});
  };
  return {
      {"alice (enterprise, US)", person("user-alice", "acct-1042", "enterprise", "US")},
      {"bob (free, GB)", person("user-bob", "acct-7", "free", "GB")},
      {"chen (free, DE)", person("user-chen", "acct-88", "free", "DE")},
      {"dana (pro, US)", person("user-dana", "acct-2718", "pro", "US")},
      {"eve (free, US)", person("user-eve", "acct-501", "free", "US")},
      {"anonymous (no ids)", Context({{"plan", "free"}, {"country", "US"}})},
  };
}

std::string cell(const Evaluation& e) {
  std::string variant = e.variant.empty() ? "-" : std::string(e.variant);
  return fmt::format("{} ({})", variant,
                     e.error != ErrorCode::None ? to_string(e.error) : to_string(e.reason));
}

}  // namespace

int run_demo(const std::vector<std::string>& flag_paths) {
  LoadedSnapshot loaded = load_snapshot(flag_paths);
  if (!loaded.snapshot) {
    for (const auto& d : loaded.diagnostics)
      fmt::print(stderr, "{}\n", d.format());
    return kExitInvalid;
  }
  const Snapshot& snapshot = *loaded.snapshot;
  const auto& flags = snapshot.definitions().flags;
  fmt::print("Sluice: {} sample flags from {}\n\n", flags.size(), fmt::join(flag_paths, ", "));

  for (const auto& persona : personas()) {
    PreparedContext prepared = snapshot.prepare(persona.context);
    fmt::print("{}\n", persona.name);
    for (const auto& flag : flags) {
      fmt::print("  {:<22} {}\n", flag.key, cell(snapshot.evaluate(flag.key, prepared)));
    }
  }

  constexpr int kUsers = 100000;
  constexpr int kAccounts = 12000;
  static const char* const kPlans[] = {"free", "pro", "enterprise"};
  static const char* const kCountries[] = {"US", "GB", "DE", "FR", "IN", "BR", "JP", "CA"};
  std::vector<std::map<std::string, int>> served(flags.size());
  for (int i = 0; i < kUsers; ++i) {
    int account = i % kAccounts;
    Context context({{"targetingKey", "user-" + std::to_string(i)},
                     {"accountId", "acct-" + std::to_string(account)},
                     {"plan", kPlans[account % 3]},
                     {"country", kCountries[(account / 3) % 8]}});
    PreparedContext prepared = snapshot.prepare(context);
    for (std::size_t f = 0; f < flags.size(); ++f) {
      ++served[f][std::string(snapshot.evaluate(flags[f].key, prepared).variant)];
    }
  }
  fmt::print("\n{} users in {} accounts:\n", kUsers, kAccounts);
  fmt::print("  {:<22} {}\n", "flag", "variants served");
  for (std::size_t f = 0; f < flags.size(); ++f) {
    std::string shares;
    for (const auto& [variant, count] : served[f]) {
      shares += fmt::format("{:>5} {:6.2f}%   ", variant, 100.0 * count / kUsers);
    }
    fmt::print("  {:<22} {}\n", flags[f].key, shares);
  }
  return kExitOk;
}

}  // namespace sluice::app
