#pragma once
// A cap on loads (uploads and batches) running at once. Each holds a database connection and a
// worker thread for its whole length; beyond the cap a new load is answered 503 + Retry-After at
// once instead of queueing without bound for a connection (MAX_IN_FLIGHT_LOADS).

#include <atomic>
#include <memory>

namespace migration::api {

class LoadSlots {
 public:
  explicit LoadSlots(int capacity) : capacity_(capacity) {}

  // Held for the length of one load; frees its slot when destroyed.
  class Slot {
   public:
    explicit Slot(std::shared_ptr<LoadSlots> slots) : slots_(std::move(slots)) {}
    ~Slot() {
      if (slots_) slots_->in_use_.fetch_sub(1, std::memory_order_acq_rel);
    }
    Slot(Slot&&) noexcept = default;
    Slot& operator=(Slot&&) = delete;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;

   private:
    std::shared_ptr<LoadSlots> slots_;
  };

  // A slot, or throws core::Error(kUnavailable) when `capacity` loads are running.
  static Slot Take(const std::shared_ptr<LoadSlots>& slots);
  // Throws like Take() when every slot is in use, taking none: an upload is refused before its
  // body is sent when the server is busy, though it takes its slot only once the body is complete.
  static void CheckFree(const std::shared_ptr<LoadSlots>& slots);

  int in_use() const { return in_use_.load(std::memory_order_acquire); }

 private:
  const int capacity_;
  std::atomic<int> in_use_{0};
};

}  // namespace migration::api
