#include <bit>

#include "sluice/bucketing.hpp"
#include "sluice/flag_definition.hpp"

namespace sluice {
namespace {
constexpr std::uint32_t kC1 = 0xcc9e2d51;
constexpr std::uint32_t kC2 = 0x1b873593;

std::uint32_t scramble(std::uint32_t k1) {
  k1 *= kC1;
  k1 = std::rotl(k1, 15);
  return k1 * kC2;
}
}  // namespace

void Murmur3x86_32::mix_block(std::uint32_t k1) {
  h1_ ^= scramble(k1);
  h1_ = std::rotl(h1_, 13);
  h1_ = h1_ * 5 + 0xe6546b64;
}

void Murmur3x86_32::update(std::string_view data) {
  total_bytes_ += static_cast<std::uint32_t>(data.size());
  std::size_t i = 0;
  // Finish a block begun by the previous piece.
  while (pending_bytes_ != 0 && i < data.size()) {
    pending_ |= static_cast<std::uint32_t>(static_cast<unsigned char>(data[i++]))
                << (8 * pending_bytes_);
    if (++pending_bytes_ == 4) {
      mix_block(pending_);
      pending_ = 0;
      pending_bytes_ = 0;
    }
  }
  for (; i + 4 <= data.size(); i += 4) {
    const auto* p = reinterpret_cast<const unsigned char*>(data.data() + i);
    mix_block(static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
              static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24);
  }
  for (; i < data.size(); ++i) {
    pending_ |= static_cast<std::uint32_t>(static_cast<unsigned char>(data[i]))
                << (8 * pending_bytes_);
    ++pending_bytes_;
  }
}

std::uint32_t Murmur3x86_32::finish() const {
  std::uint32_t h1 = h1_;
  if (pending_bytes_ != 0) h1 ^= scramble(pending_);
  h1 ^= total_bytes_;
  h1 ^= h1 >> 16;
  h1 *= 0x85ebca6b;
  h1 ^= h1 >> 13;
  h1 *= 0xc2b2ae35;
  h1 ^= h1 >> 16;
  return h1;
}

std::uint32_t murmur3_x86_32(std::string_view data, std::uint32_t seed) {
  Murmur3x86_32 hash(seed);
  hash.update(data);
  return hash.finish();
}

std::uint32_t bucket_of(std::string_view salt, std::string_view key) {
  Murmur3x86_32 hash;
  hash.update(salt);
  hash.update("/");
  hash.update(key);
  return hash.finish() % kTotalBasisPoints;
}

}  // namespace sluice
