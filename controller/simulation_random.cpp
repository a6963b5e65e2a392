// The simulator's random numbers: xoshiro256** seeded through splitmix64, and its own Poisson,
// binomial and normal samplers (no <random> distributions: their output is
// implementation-defined, and a seed must give the same result on every platform).

#include <cmath>
#include <numbers>

#include "simulation_traffic.hpp"

namespace sluice::simulation {
namespace {

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::uint64_t rotl(std::uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

constexpr double kExactBelow = 30;  // mean under which Poisson and binomial are sampled exactly

}  // namespace

std::uint64_t run_seed(std::uint64_t seed, std::uint32_t run) {
  std::uint64_t s = seed ^ (0xD1B54A32D192ED03ULL * (static_cast<std::uint64_t>(run) + 1));
  return splitmix64(s);
}

// ---- Rng ------------------------------------------------------------------------------------

Rng::Rng(std::uint64_t seed) {
  for (std::uint64_t& word : s_)
    word = splitmix64(seed);
}

std::uint64_t Rng::next() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Rng::uniform() {
  return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

double Rng::normal() {
  const double u1 = 1.0 - uniform();  // (0, 1]
  const double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

std::uint64_t Rng::poisson(double mean) {
  if (!(mean > 0)) return 0;
  if (mean < kExactBelow) {
    const double limit = std::exp(-mean);
    std::uint64_t k = 0;
    double product = uniform();
    while (product > limit) {
      ++k;
      product *= uniform();
    }
    return k;
  }
  const double x = std::floor(mean + std::sqrt(mean) * normal() + 0.5);
  return x <= 0 ? 0 : static_cast<std::uint64_t>(x);
}

std::uint64_t Rng::binomial(std::uint64_t n, double p) {
  if (n == 0 || !(p > 0)) return 0;
  if (p >= 1) return n;
  const bool flip = p > 0.5;
  const double q = flip ? 1.0 - p : p;
  const double nd = static_cast<double>(n);
  std::uint64_t k = 0;
  if (nd * q < kExactBelow) {  // inversion of the CDF
    const double u = uniform();
    double pk = std::pow(1.0 - q, nd);
    double cdf = pk;
    const double odds = q / (1.0 - q);
    while (u > cdf && k < n) {
      pk *= static_cast<double>(n - k) / static_cast<double>(k + 1) * odds;
      ++k;
      cdf += pk;
      if (pk <= 0) break;  // rounding left the CDF short of u: k is already far in the tail
    }
  } else {
    const double x = std::floor(nd * q + std::sqrt(nd * q * (1.0 - q)) * normal() + 0.5);
    k = x <= 0 ? 0 : std::min(n, static_cast<std::uint64_t>(x));
  }
  return flip ? n - k : k;
}

}  // namespace sluice::simulation
