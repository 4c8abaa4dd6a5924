#pragma once
// The hires per (year, department, job) and quarter that the reports read (table hire_counts),
// kept exact by every path that writes hired_employees: each load transaction collects the
// changes it makes here and records them just before it commits. SQLite (one writer at a time)
// adds them to hire_counts directly; PostgreSQL appends them to hire_count_deltas, because
// concurrent loads updating the same count rows would wait on each other's commits, and a
// compactor folds the deltas in (see migrations/postgres/0002_hire_counts.sql).

#include <array>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "core/row.hpp"

namespace migration::db {

struct HireCountKey {
  int32_t year;
  int32_t department_id;
  int32_t job_id;
  auto operator<=>(const HireCountKey&) const = default;
};

struct HireCountDelta {
  HireCountKey key;
  std::array<int64_t, 4> quarters;  // change of the Q1..Q4 counts
};

class HireCountDeltas {
 public:
  // +1 (a hire now in the table) or -1 (a hire's old values, before an overwrite or delete).
  void Add(const core::Row& hire, int sign);
  void Merge(const HireCountDeltas& other);
  void Clear() { deltas_.clear(); }
  bool empty() const { return deltas_.empty(); }

  // The non-zero changes in key order.
  std::vector<HireCountDelta> Sorted() const;

 private:
  struct KeyHash {
    size_t operator()(const HireCountKey& k) const {
      return (static_cast<size_t>(static_cast<uint32_t>(k.year)) * 0x9E3779B97F4A7C15ULL) ^
             (static_cast<size_t>(static_cast<uint32_t>(k.department_id)) << 32) ^ static_cast<uint32_t>(k.job_id);
    }
  };
  // Hashed, not ordered: Add() runs once per row of every load; Sorted() sorts once per commit.
  std::unordered_map<HireCountKey, std::array<int64_t, 4>, KeyHash> deltas_;
};

}  // namespace migration::db
