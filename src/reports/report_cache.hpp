#pragma once
// Rendered reports, kept per (report, year, format) together with the data version they were
// computed at (db::Database::DataVersion). A request whose data version is unchanged gets the
// stored body for the price of one tiny read; any committed load changes the version. A body is
// never newer-labelled than its data: the version is read before the report is computed.

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "db/database.hpp"

namespace migration::reports {

class ReportCache {
 public:
  // The body of `report` for (year, format), from the cache when still current, else `render()`.
  std::string Get(db::Database& db, const std::string& report, int year, int format,
                  const std::function<std::string()>& render);

 private:
  struct Entry {
    int64_t version;
    std::string body;
  };
  std::mutex mutex_;
  std::map<std::tuple<std::string, int, int>, Entry> entries_;
};

}  // namespace migration::reports
