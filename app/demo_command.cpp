// The quick start's main job until the controller exists: evaluate the sample flags for a few
// people and for a synthetic population, and print what each would be served and why.

#include <fmt/format.h>

#include <cctype>
#include <map>

#include "commands.hpp"
#include "load_snapshot.hpp"

namespace sluice::app {
namespace {

struct Persona {
  const char* name;
  const char* description;
  Context context;
};

std::vector<Persona> personas() {
  auto person = [](const char* user, const char* account, const char* plan, const char* country) {
    return Context{
        {"targetingKey", user}, {"accountId", account}, {"plan", plan}, {"country", country}};
  };
  return {
      {"alice", "acct-1042, enterprise, US", person("user-alice", "acct-1042", "enterprise", "US")},
      {"bob", "acct-7, free, GB", person("user-bob", "acct-7", "free", "GB")},
      {"chen", "acct-88, free, DE", person("user-chen", "acct-88", "free", "DE")},
      {"dana", "acct-2718, pro, US", person("user-dana", "acct-2718", "pro", "US")},
      {"eve", "acct-501, free, US", person("user-eve", "acct-501", "free", "US")},
      {"anon", "no user or account id, free, US", Context{{"plan", "free"}, {"country", "US"}}},
  };
}

// `on/match`: the variant and, shortly, why.
std::string cell(const Evaluation& e) {
  if (e.error == ErrorCode::TargetingKeyMissing) return std::string(e.variant) + "/no-key";
  std::string reason = to_string(e.reason);
  if (e.reason == Reason::TargetingMatch) reason = "match";
  for (auto& c : reason)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return (e.variant.empty() ? std::string("-") : std::string(e.variant)) + "/" + reason;
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

  const auto people = personas();
  for (const auto& persona : people)
    fmt::print("  {:<6} {}\n", persona.name, persona.description);
  fmt::print("\n{:<22}", "flag");
  for (const auto& persona : people)
    fmt::print(" {:<14}", persona.name);
  fmt::print("\n");
  std::vector<PreparedContext> prepared_people;
  for (const auto& persona : people)
    prepared_people.push_back(snapshot.prepare(persona.context));
  for (const auto& flag : flags) {
    fmt::print("{:<22}", flag.key);
    for (const auto& context : prepared_people) {
      fmt::print(" {:<14}", cell(snapshot.evaluate(flag.key, context)));
    }
    fmt::print("\n");
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
  fmt::print("\nShare of each variant across {} users in {} accounts:\n", kUsers, kAccounts);
  for (std::size_t f = 0; f < flags.size(); ++f) {
    std::string shares;
    for (const auto& [variant, count] : served[f]) {
      shares += fmt::format("{:>5} {:6.2f}%   ", variant, 100.0 * count / kUsers);
    }
    fmt::print("{:<22} {}\n", flags[f].key, shares);
  }
  return kExitOk;
}

}  // namespace sluice::app
