#pragma once
// The set of ids seen so far in one load, to tell "earlier in the same request" duplicates.
// A paged bitmap over 1..2^31-1: 8 KiB pages allocated on first use, so 20 million dense ids
// cost ~2.5 MiB and a handful of scattered ids a few pages — memory stays flat for any upload.

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

namespace migration::ingest {

class IdSet {
 public:
  IdSet() : pages_(kPageCount) {}

  // Adds `id` (1..2^31-1); returns false if it was already present.
  bool Insert(int32_t id) {
    const auto u = static_cast<uint32_t>(id);
    auto& page = pages_[u >> kPageBits];
    if (!page) page = std::make_unique<Page>();
    const uint32_t bit = u & (kBitsPerPage - 1);
    uint64_t& word = (*page)[bit >> 6];
    const uint64_t mask = uint64_t{1} << (bit & 63);
    if (word & mask) return false;
    word |= mask;
    return true;
  }

  bool Contains(int32_t id) const {
    const auto u = static_cast<uint32_t>(id);
    const auto& page = pages_[u >> kPageBits];
    if (!page) return false;
    const uint32_t bit = u & (kBitsPerPage - 1);
    return ((*page)[bit >> 6] >> (bit & 63)) & 1;
  }

 private:
  static constexpr uint32_t kPageBits = 16;  // 65536 ids per page
  static constexpr uint32_t kBitsPerPage = 1u << kPageBits;
  static constexpr uint32_t kPageCount = (1u << 31) >> kPageBits;
  using Page = std::array<uint64_t, kBitsPerPage / 64>;
  std::vector<std::unique_ptr<Page>> pages_;
};

}  // namespace migration::ingest
