#include "db/import_records.hpp"

#include <fmt/format.h>

#include <array>
#include <random>

#include "db/import_queue.hpp"

namespace migration::db {

namespace {
constexpr std::array kImportStatuses = {ImportStatus::kPending,   ImportStatus::kQueued, ImportStatus::kRunning,
                                        ImportStatus::kSucceeded, ImportStatus::kFailed, ImportStatus::kCancelled};
}

std::string_view ImportStatusName(ImportStatus status) {
  switch (status) {
    case ImportStatus::kPending: return "pending";
    case ImportStatus::kQueued: return "queued";
    case ImportStatus::kRunning: return "running";
    case ImportStatus::kSucceeded: return "succeeded";
    case ImportStatus::kFailed: return "failed";
    case ImportStatus::kCancelled: return "cancelled";
  }
  return "failed";
}

std::optional<ImportStatus> ImportStatusFromName(std::string_view name) {
  for (const auto status : kImportStatuses) {
    if (ImportStatusName(status) == name) return status;
  }
  return std::nullopt;
}

std::string WithImportId(std::string key, int64_t id) {
  const size_t at = key.find(kImportIdPlaceholder);
  if (at != std::string::npos) key.replace(at, kImportIdPlaceholder.size(), std::to_string(id));
  return key;
}

std::string NewLeaseToken() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{:016x}{:016x}", rng(), rng());
}

}  // namespace migration::db
