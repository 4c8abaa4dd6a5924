#pragma once
// The set of ids seen so far in one load, to tell "earlier in the same request" duplicates.
//
// Roaring-style: ids 1..2^31-1 fall into blocks of 65,536, created when first touched; a block holds a sorted array
// of its low 16 bits while it has few ids (2 bytes an id) and turns into an 8 KiB bitmap once
// the array would be larger than that. Memory grows with the ids seen, not their spread: 20
// million dense ids cost ~2.5 MiB of bitmaps, and 32,768 ids spaced 65,536 apart cost 32,768
// two-byte arrays (a flat bitmap page per touched block would have cost 256 MiB).

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

namespace migration::ingest {

class IdSet {
 public:
  // Adds `id` (1..2^31-1); returns false if it was already present.
  bool Insert(int32_t id) {
    const auto u = static_cast<uint32_t>(id);
    Block& block = BlockOf(u >> kBlockBits);
    const auto low = static_cast<uint16_t>(u & (kIdsPerBlock - 1));
    if (block.bitmap) return SetBit(*block.bitmap, low);
    auto& ids = block.sorted;
    // Input ids mostly arrive in ascending order: try the end before searching.
    if (ids.empty() || ids.back() < low) {
      ids.push_back(low);
    } else {
      const auto it = std::lower_bound(ids.begin(), ids.end(), low);
      if (it != ids.end() && *it == low) return false;
      ids.insert(it, low);
    }
    if (ids.size() > kArrayLimit) ToBitmap(block);
    return true;
  }

  // Bytes held by the blocks (for tests of the memory bound).
  size_t MemoryBytes() const {
    size_t bytes = blocks_.bucket_count() * sizeof(void*) + blocks_.size() * (sizeof(Block) + 2 * sizeof(void*));
    for (const auto& [index, block] : blocks_) {
      bytes += block.bitmap ? sizeof(Bitmap) : block.sorted.capacity() * sizeof(uint16_t);
    }
    return bytes;
  }

 private:
  static constexpr uint32_t kBlockBits = 16;
  static constexpr uint32_t kIdsPerBlock = 1u << kBlockBits;
  // An array of more than 4096 two-byte ids is larger than the 8 KiB bitmap of its block.
  static constexpr size_t kArrayLimit = kIdsPerBlock / 16;
  using Bitmap = std::array<uint64_t, kIdsPerBlock / 64>;

  struct Block {
    std::vector<uint16_t> sorted;    // while the block has at most kArrayLimit ids
    std::unique_ptr<Bitmap> bitmap;  // after
  };

  // Only the blocks touched exist; the last one is remembered because ids mostly come in runs.
  Block& BlockOf(uint32_t index) {
    if (index != last_index_) {
      last_ = &blocks_[index];  // references into an unordered_map survive rehashing
      last_index_ = index;
    }
    return *last_;
  }

  static bool SetBit(Bitmap& bitmap, uint16_t low) {
    uint64_t& word = bitmap[low >> 6];
    const uint64_t mask = uint64_t{1} << (low & 63);
    if (word & mask) return false;
    word |= mask;
    return true;
  }

  static void ToBitmap(Block& block) {
    block.bitmap = std::make_unique<Bitmap>();
    for (const uint16_t low : block.sorted) SetBit(*block.bitmap, low);
    std::vector<uint16_t>().swap(block.sorted);
  }

  std::unordered_map<uint32_t, Block> blocks_;
  Block* last_ = nullptr;
  uint32_t last_index_ = UINT32_MAX;
};

}  // namespace migration::ingest
