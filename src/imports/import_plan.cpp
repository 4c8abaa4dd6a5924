#include "imports/import_plan.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.hpp"

namespace migration::imports {

using core::Error;
using core::ErrorCode;

std::optional<std::string> KeyInStore(const storage::ObjectStore& store, const std::string& source) {
  const std::string root = store.Location("");
  if (!source.starts_with(root)) return std::nullopt;
  std::string key = source.substr(root.size());
  // No way out of the store's folder or prefix, however the key is spelled.
  for (size_t start = 0; start <= key.size();) {
    const size_t end = std::min(key.find('/', start), key.size());
    const std::string_view segment = std::string_view(key).substr(start, end - start);
    if (segment == ".." || segment == ".") return std::nullopt;
    start = end + 1;
  }
  return key;
}

std::vector<db::ImportStep> PlanImport(storage::ObjectStore& store, const std::string& source,
                                       std::optional<core::Table> table) {
  const auto key = KeyInStore(store, source);
  if (!key) {
    throw Error(
        ErrorCode::kBadRequest,
        fmt::format("source must be an object or folder under {} (the configured STORAGE_URL)", store.Location("")));
  }
  std::vector<db::ImportStep> steps;
  if (key->empty() || key->ends_with('/')) {
    // The three names are asked for, not the folder listed: a prefix may hold millions of objects.
    for (const core::Table each : core::kAllTables) {
      const std::string wanted = *key + std::string(core::TableName(each)) + ".csv";
      const auto found = store.Head(wanted);
      if (!found) continue;
      db::ImportStep step;
      step.table = table.value_or(each);
      step.key = wanted;
      step.bytes_total = found->size;
      steps.push_back(step);
    }
    if (steps.empty()) {
      throw Error(ErrorCode::kBadRequest,
                  fmt::format("{}: no departments.csv, jobs.csv or hired_employees.csv directly under it", source));
    }
  } else {
    const auto info = store.Head(*key);
    if (!info) throw Error(ErrorCode::kBadRequest, fmt::format("{}: no such object", source));
    const std::string name = key->substr(key->rfind('/') == std::string::npos ? 0 : key->rfind('/') + 1);
    const auto named = core::TableFromName(name.ends_with(".csv") ? name.substr(0, name.size() - 4) : name);
    const auto chosen = table ? table : named;
    if (!chosen) {
      throw Error(ErrorCode::kBadRequest,
                  fmt::format("{}: cannot tell the table from the object's name; give \"table\"", source));
    }
    db::ImportStep step;
    step.table = *chosen;
    step.key = *key;
    step.bytes_total = info->size;
    steps.push_back(step);
  }
  // Parents before children, so the hires' foreign keys find the departments and jobs.
  std::stable_sort(steps.begin(), steps.end(),
                   [](const db::ImportStep& a, const db::ImportStep& b) { return a.table < b.table; });
  for (size_t i = 0; i < steps.size(); ++i) steps[i].position = static_cast<int>(i);
  return steps;
}

}  // namespace migration::imports
