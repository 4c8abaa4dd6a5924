#pragma once
// One function per CLI command; main.cpp only parses the command line and calls one of these.

#include <string>
#include <vector>

#include "app/config.hpp"

namespace migration::app {

int RunServe(const Config& config_as_given);
int RunMigrate(const Config& config);

struct LoadCommandOptions {
  std::vector<std::string> paths;
  std::string table;  // empty: from the file name (departments.csv → departments)
  std::string on_conflict = "reject";
  std::string header = "auto";
  std::string extra_columns = "reject";  // reject | ignore
  bool dry_run = false;                  // check every row against the database as it is; write nothing
};
int RunLoad(const Config& config, const LoadCommandOptions& options);

struct ImportCommandOptions {
  std::string source;  // s3://… or file://… under STORAGE_URL, or a key of that store
  std::string table;   // empty: from the object's name
  std::string on_conflict = "reject";
  std::string header = "auto";
  bool dry_run = false;
  bool detach = false;  // only queue the job (the servers run it) and print its id
};
int RunImport(const Config& config, const ImportCommandOptions& options);

struct ReportCommandOptions {
  std::string name;  // hires-by-quarter | departments-above-mean
  std::string year = "2021";
  std::string format;  // table | csv | json; empty: table on a terminal, JSON otherwise
};
int RunReport(const Config& config, const ReportCommandOptions& options);

// `backup TABLE` / `restore TABLE BACKUP_ID`: the same operations as the API, printed as JSON.
int RunBackup(const Config& config, const std::string& table);
int RunRestore(const Config& config, const std::string& table, const std::string& backup_id);

}  // namespace migration::app
