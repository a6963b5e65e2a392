#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "sluice/context.hpp"
#include "sluice/snapshot.hpp"

// The benchmark population: distinct contexts generated from a fixed pseudo-random sequence, so
// every run and every machine evaluates exactly the same inputs.
namespace sluice_bench {

// 2^18 contexts by default; the benchmarks walk them with `index & (count - 1)`.
inline constexpr std::size_t kContextCount = std::size_t{1} << 18;

// The seed of the splitmix64 sequence that assigns attributes.
inline constexpr std::uint64_t kContextSeed = 0x5eed'5111'ce00'0001ull;

// Context i has
//   targetingKey  "user-<i>"
//   plan          free | pro | enterprise                         (uniform)
//   country       US GB DE FR IN BR JP CA                         (uniform)
//   accountId     "acct-<n>", n uniform in [0, 20000)             (half are in the 10,000-id list)
//   email         "<first>.<last>[digits]@<domain>"               (domain uniform over 4)
//   appVersion    "<1..3>.<0..9>.<0..19>", 1 in 8 with "-beta.<n>"
std::vector<sluice::Context> make_contexts(std::size_t count, std::uint64_t seed);

// Prepares every context against `snapshot`. The contexts must outlive the result.
std::vector<sluice::PreparedContext> prepare_all(const sluice::Snapshot& snapshot,
                                                 const std::vector<sluice::Context>& contexts);

}  // namespace sluice_bench
