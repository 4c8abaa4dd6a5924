#include "api/load_slots.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace migration::api {

LoadSlots::Slot LoadSlots::Take(const std::shared_ptr<LoadSlots>& slots) {
  if (!slots) return Slot(nullptr);  // no cap configured
  if (slots->in_use_.fetch_add(1, std::memory_order_acq_rel) >= slots->capacity_) {
    slots->in_use_.fetch_sub(1, std::memory_order_acq_rel);
    throw core::Error(
        core::ErrorCode::kUnavailable,
        fmt::format("{} loads are running, the most this server takes at once; retry shortly", slots->capacity_));
  }
  return Slot(slots);
}

}  // namespace migration::api
