// migration-api: parse the command line (CLI11) and run one command.

#include <CLI/CLI.hpp>
#include <unistd.h>
#include <cstdio>
#include <string>
#include <vector>

#include "app/commands.hpp"
#include "app/config.hpp"
#include "core/error.hpp"
#include "core/table.hpp"

namespace {

// The tables' names, from core/ (the one list of them).
std::vector<std::string> TableNames() {
  std::vector<std::string> names;
  names.reserve(migration::core::kAllTables.size());
  for (const auto table : migration::core::kAllTables) names.emplace_back(migration::core::TableName(table));
  return names;
}

std::string TableChoices() {
  std::string choices;
  for (const auto& name : TableNames()) choices += (choices.empty() ? "" : " | ") + name;
  return choices;
}

}  // namespace

// Only CLI11 set-up errors (a bug) can escape the try blocks below, and terminate() reports them.
int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
  using namespace migration;
  app::Config config;
  CLI::App cli{"migration-api: migrate CSV history into SQL, take new rows over REST, validate every row."};
  cli.require_subcommand(0, 1);

  auto* serve = cli.add_subcommand("serve", "serve the REST API (the default command)");
  app::AddCommonFlags(*serve, config);
  app::AddServerFlags(*serve, config);

  app::LoadCommandOptions load_options;
  auto* load = cli.add_subcommand(
      "load", "load CSV files, local or on S3 (a folder: departments, jobs, hired_employees in that order)");
  app::AddCommonFlags(*load, config);
  app::AddStorageFlags(*load, config);  // the S3 settings for s3:// paths
  load->add_option("paths", load_options.paths,
                   "folders or .csv files, local or s3://bucket/prefix/ (a folder) and s3://bucket/key.csv")
      ->required();
  load->add_option("--table", load_options.table, "table for every file (default: from the file name)");
  load->add_option("--on-conflict", load_options.on_conflict, "reject|update|skip for ids that exist")
      ->capture_default_str();
  load->add_option("--header", load_options.header, "auto|present|absent")->capture_default_str();
  load->add_option("--extra-columns", load_options.extra_columns,
                   "reject|ignore fields after the table's columns (ignore: re-load a fixed rejects CSV as is)")
      ->capture_default_str()
      ->check(CLI::IsMember({"reject", "ignore"}));
  load->add_flag("--dry-run", load_options.dry_run,
                 "check every row (rules, duplicates, references) against the database as it is and report the "
                 "counts and rejects, writing no row; a folder's hires are checked against the departments and "
                 "jobs already loaded, not those of the same dry run");

  app::ImportCommandOptions import_options;
  auto* import = cli.add_subcommand(
      "import", "run an import job (as POST /v1/imports): a file or folder already in object storage (STORAGE_URL)");
  app::AddCommonFlags(*import, config);
  app::AddStorageFlags(*import, config);
  import
      ->add_option("source", import_options.source,
                   "an object or a folder (ending in /) under STORAGE_URL: s3://bucket/prefix/key.csv, "
                   "file:///dir/key.csv, or the key alone")
      ->required();
  import->add_option("--table", import_options.table, "table of a single object (default: from its name)");
  import->add_option("--on-conflict", import_options.on_conflict, "reject|update|skip for ids that exist")
      ->capture_default_str()
      ->check(CLI::IsMember({"reject", "update", "skip"}));
  import->add_option("--header", import_options.header, "auto|present|absent")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "present", "absent"}));
  import->add_flag("--dry-run", import_options.dry_run, "check every row against the database as it is; write none");
  import->add_flag("--detach", import_options.detach,
                   "only queue the job for the servers (MAX_IMPORT_JOBS) and print its id");
  import
      ->add_option("--import-lease-seconds", config.import_lease_seconds,
                   "a run that stops renewing its job for this long loses it to a server replica "
                   "[env IMPORT_LEASE_SECONDS]")
      ->capture_default_str()
      ->check(CLI::Range(2, 3600));

  app::ReportCommandOptions report_options;
  auto* report = cli.add_subcommand("report", "print a report: hires-by-quarter or departments-above-mean");
  app::AddCommonFlags(*report, config);
  report->add_option("name", report_options.name, "hires-by-quarter | departments-above-mean")
      ->required()
      ->check(CLI::IsMember({"hires-by-quarter", "departments-above-mean"}));
  report->add_option("--year", report_options.year, "year of the hires, 1900..2100")->capture_default_str();
  report
      ->add_option("--format", report_options.format,
                   "table | csv | json (default: table on a terminal, JSON otherwise)")
      ->check(CLI::IsMember({"table", "csv", "json"}));

  std::string backup_table;
  auto* backup = cli.add_subcommand("backup", "write an Avro backup of a table to object storage (STORAGE_URL)");
  app::AddCommonFlags(*backup, config);
  app::AddStorageFlags(*backup, config);
  backup->add_option("table", backup_table, TableChoices())->required()->check(CLI::IsMember(TableNames()));

  std::string restore_table;
  std::string restore_backup_id;
  auto* restore = cli.add_subcommand("restore", "replace a table's rows with a backup, in one transaction");
  app::AddCommonFlags(*restore, config);
  app::AddStorageFlags(*restore, config);
  restore->add_option("table", restore_table, TableChoices())->required()->check(CLI::IsMember(TableNames()));
  restore->add_option("backup_id", restore_backup_id, "as `backup` printed it (or GET /v1/backups lists)")->required();

  auto* db_cmd = cli.add_subcommand("db", "database maintenance");
  db_cmd->require_subcommand(1);
  auto* migrate = db_cmd->add_subcommand("migrate", "apply the schema migrations embedded in this binary");
  app::AddCommonFlags(*migrate, config);

  try {
    app::LoadEnvironment(config);  // environment first; flags parsed next override it
  } catch (const core::Error& e) {
    std::fprintf(stderr, "migration-api: %s\n", e.detail().c_str());
    return 2;
  }
  // CLI loads print a summary; keep the per-row log lines for servers unless asked for.
  if (argc > 1 &&
      (std::string_view(argv[1]) == "load" || std::string_view(argv[1]) == "report" ||
       std::string_view(argv[1]) == "backup" || std::string_view(argv[1]) == "import" ||
       std::string_view(argv[1]) == "restore") &&
      std::getenv("LOG_LEVEL") == nullptr) {
    config.log_level = "error";
  }
  if (std::getenv("LOG_FORMAT") == nullptr && isatty(STDERR_FILENO)) config.log_format = "text";
  CLI11_PARSE(cli, argc, argv);

  try {
    app::ConfigureLogging(config);
    if (*load) return app::RunLoad(config, load_options);
    if (*import) return app::RunImport(config, import_options);
    if (*report) return app::RunReport(config, report_options);
    if (*migrate) return app::RunMigrate(config);
    if (*backup) return app::RunBackup(config, backup_table);
    if (*restore) return app::RunRestore(config, restore_table, restore_backup_id);
    return app::RunServe(config);
  } catch (const core::Error& e) {
    std::fprintf(stderr, "migration-api: %s\n", e.detail().c_str());
    return e.code() == core::ErrorCode::kBadRequest ? 2 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "migration-api: %s\n", e.what());
    return 1;
  }
}
