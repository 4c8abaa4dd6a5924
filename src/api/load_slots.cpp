#include "api/load_slots.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace migration::api {

namespace {

[[noreturn]] void ThrowBusy(int capacity) {
  throw core::Error(core::ErrorCode::kUnavailable,
                    fmt::format("{} loads are running, the most this server takes at once; retry shortly", capacity));
}

}  // namespace

LoadSlots::Slot LoadSlots::Take(const std::shared_ptr<LoadSlots>& slots) {
  if (!slots) return Slot(nullptr);  // no cap configured
  if (slots->in_use_.fetch_add(1, std::memory_order_acq_rel) >= slots->capacity_) {
    slots->in_use_.fetch_sub(1, std::memory_order_acq_rel);
    ThrowBusy(slots->capacity_);
  }
  return Slot(slots);
}

void LoadSlots::CheckFree(const std::shared_ptr<LoadSlots>& slots) {
  if (slots && slots->in_use() >= slots->capacity_) ThrowBusy(slots->capacity_);
}

}  // namespace migration::api
