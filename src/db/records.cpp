#include "db/records.hpp"

namespace migration::db {

std::string_view OnConflictName(OnConflict mode) {
  switch (mode) {
    case OnConflict::kReject: return "reject";
    case OnConflict::kUpdate: return "update";
    case OnConflict::kSkip: return "skip";
  }
  return "reject";
}

std::optional<OnConflict> OnConflictFromName(std::string_view name) {
  for (auto mode : {OnConflict::kReject, OnConflict::kUpdate, OnConflict::kSkip}) {
    if (OnConflictName(mode) == name) return mode;
  }
  return std::nullopt;
}

std::string_view RejectLocatorName(RejectLocator locator) { return locator == RejectLocator::kLine ? "line" : "index"; }

std::optional<RejectLocator> RejectLocatorFromName(std::string_view name) {
  for (auto locator : {RejectLocator::kLine, RejectLocator::kIndex}) {
    if (RejectLocatorName(locator) == name) return locator;
  }
  return std::nullopt;
}

std::string_view LoadStatusName(LoadStatus status) {
  switch (status) {
    case LoadStatus::kRunning: return "running";
    case LoadStatus::kSucceeded: return "succeeded";
    case LoadStatus::kPartial: return "partial";
    case LoadStatus::kRejected: return "rejected";
    case LoadStatus::kFailed: return "failed";
    case LoadStatus::kDryRun: return "dry_run";
  }
  return "failed";
}

std::optional<LoadStatus> LoadStatusFromName(std::string_view name) {
  for (auto status : {LoadStatus::kRunning, LoadStatus::kSucceeded, LoadStatus::kPartial, LoadStatus::kRejected,
                      LoadStatus::kFailed, LoadStatus::kDryRun}) {
    if (LoadStatusName(status) == name) return status;
  }
  return std::nullopt;
}

LoadStatus OutcomeOf(const LoadCounts& counts) {
  if (counts.rejected == 0) return LoadStatus::kSucceeded;
  if (counts.inserted + counts.updated + counts.skipped == 0) return LoadStatus::kRejected;
  return LoadStatus::kPartial;
}

}  // namespace migration::db
