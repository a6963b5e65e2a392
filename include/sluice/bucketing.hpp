#pragma once

#include <cstdint>
#include <string_view>

namespace sluice {

// MurmurHash3 x86_32, fed in pieces so that `salt + "/" + key` is hashed without building the
// string. Produces exactly the reference algorithm's output for the concatenated input.
class Murmur3x86_32 {
 public:
  explicit Murmur3x86_32(std::uint32_t seed = 0) : h1_(seed) {}
  void update(std::string_view data);
  std::uint32_t finish() const;

 private:
  void mix_block(std::uint32_t k1);

  std::uint32_t h1_;
  std::uint32_t pending_ = 0;  // bytes of an incomplete block, little-endian
  std::uint32_t pending_bytes_ = 0;
  std::uint32_t total_bytes_ = 0;
};

std::uint32_t murmur3_x86_32(std::string_view data, std::uint32_t seed = 0);

// The bucket of a context in [0, 10000): MurmurHash3 x86_32 (seed 0) of `salt + "/" + key`,
// modulo 10000 basis points. Every SDK must compute exactly this.
std::uint32_t bucket_of(std::string_view salt, std::string_view key);

}  // namespace sluice
