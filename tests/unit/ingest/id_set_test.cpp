// The set of ids one load has seen: exact answers, and memory that grows with the ids, not their spread.

#include "ingest/id_set.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace migration::ingest {
namespace {

TEST(IdSetTest, TellsNewIdsFromRepeatsAcrossTheWholeRange) {
  IdSet set;
  for (const int32_t id : {1, 2, 65535, 65536, 65537, 2147483647, 1000000}) EXPECT_TRUE(set.Insert(id)) << id;
  for (const int32_t id : {1, 2, 65535, 65536, 65537, 2147483647, 1000000}) EXPECT_FALSE(set.Insert(id)) << id;
}

// Agrees with std::set on random ids, through the change of a block from array to bitmap (4096 ids).
TEST(IdSetTest, AgreesWithAReferenceSetThroughEveryBlockShape) {
  std::mt19937 random(7);
  std::uniform_int_distribution<int32_t> near(1, 3 * 65536);  // three blocks, dense enough to turn into bitmaps
  std::uniform_int_distribution<int32_t> far(1, 2147483647);
  IdSet set;
  std::set<int32_t> reference;
  for (int i = 0; i < 60000; ++i) {
    const int32_t id = i % 3 == 0 ? far(random) : near(random);
    EXPECT_EQ(set.Insert(id), reference.insert(id).second) << id;
  }
  EXPECT_GT(reference.size(), 3u * 4096u);
}

// 32,768 ids spaced 65,536 apart (a 400 KB upload) used to allocate an 8 KiB page each: 256 MiB.
TEST(IdSetTest, SparseIdsCostMemoryByCountNotBySpread) {
  IdSet set;
  for (int64_t id = 1; id < 2147483647; id += 65536) ASSERT_TRUE(set.Insert(static_cast<int32_t>(id)));
  EXPECT_LT(set.MemoryBytes(), 8u << 20);
}

TEST(IdSetTest, DenseIdsCostAboutOneBitEach) {
  IdSet set;
  for (int32_t id = 1; id <= 20000000; ++id) ASSERT_TRUE(set.Insert(id));
  EXPECT_LT(set.MemoryBytes(), 4u << 20);
  EXPECT_FALSE(set.Insert(12345678));
}

}  // namespace
}  // namespace migration::ingest
