#include "contexts.hpp"

#include <array>
#include <string>
#include <string_view>

namespace sluice_bench {
namespace {

// splitmix64 (Steele, Lea, Flood 2014): a fixed, portable sequence.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }

  // Uniform enough in [0, n) for n far below 2^64.
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }

 private:
  std::uint64_t state_;
};

constexpr std::array<std::string_view, 3> kPlans{"free", "pro", "enterprise"};
constexpr std::array<std::string_view, 8> kCountries{"US", "GB", "DE", "FR",
                                                     "IN", "BR", "JP", "CA"};
constexpr std::array<std::string_view, 8> kFirstNames{"ada",     "alan", "grace",  "linus",
                                                      "barbara", "ken",  "dennis", "margaret"};
constexpr std::array<std::string_view, 8> kLastNames{"lovelace", "turing",   "hopper",  "torvalds",
                                                     "liskov",   "thompson", "ritchie", "hamilton"};
constexpr std::array<std::string_view, 4> kDomains{"example.com", "corp.com", "mail.net",
                                                   "sluice.dev"};

std::string make_email(SplitMix64& random) {
  std::string email(kFirstNames[random.below(kFirstNames.size())]);
  email += '.';
  email += kLastNames[random.below(kLastNames.size())];
  if (random.below(4) == 0) email += std::to_string(random.below(100));  // fails the regex
  email += '@';
  email += kDomains[random.below(kDomains.size())];
  return email;
}

std::string make_version(SplitMix64& random) {
  std::string version = std::to_string(1 + random.below(3)) + '.' +
                        std::to_string(random.below(10)) + '.' + std::to_string(random.below(20));
  if (random.below(8) == 0) version += "-beta." + std::to_string(random.below(5));
  return version;
}

}  // namespace

std::vector<sluice::Context> make_contexts(std::size_t count, std::uint64_t seed) {
  SplitMix64 random(seed);
  std::vector<sluice::Context> contexts;
  contexts.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    std::vector<sluice::Context::Attribute> attributes;
    attributes.reserve(6);
    attributes.emplace_back(std::string(sluice::kTargetingKey), "user-" + std::to_string(i));
    attributes.emplace_back("plan", kPlans[random.below(kPlans.size())]);
    attributes.emplace_back("country", kCountries[random.below(kCountries.size())]);
    attributes.emplace_back("accountId", "acct-" + std::to_string(random.below(20000)));
    attributes.emplace_back("email", make_email(random));
    attributes.emplace_back("appVersion", make_version(random));
    contexts.emplace_back(std::move(attributes));
  }
  return contexts;
}

std::vector<sluice::PreparedContext> prepare_all(const sluice::Snapshot& snapshot,
                                                 const std::vector<sluice::Context>& contexts) {
  std::vector<sluice::PreparedContext> prepared;
  prepared.reserve(contexts.size());
  for (const auto& context : contexts)
    prepared.push_back(snapshot.prepare(context));
  return prepared;
}

}  // namespace sluice_bench
