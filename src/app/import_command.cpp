// `migration-api import SOURCE`: the import job of POST /v1/imports from the command line. The job
// is created in the database like the API's, then run in this process with its lease renewed
// (or, if a server replica claimed it first, watched there) with a progress line per table and a
// summary at the end. `--detach` only queues it for the servers. A run that is killed leaves a
// lease that expires: a server replica then takes the job over.

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <thread>

#include "app/commands.hpp"
#include "app/config.hpp"
#include "app/progress_display.hpp"
#include "core/error.hpp"
#include "core/host_name.hpp"
#include "db/database.hpp"
#include "http/trace_context.hpp"
#include "imports/import_plan.hpp"
#include "imports/import_runner.hpp"
#include "ingest/csv_input.hpp"
#include "observability/log.hpp"
#include "storage/object_store.hpp"

namespace migration::app {
namespace {

using core::Error;
using core::ErrorCode;

db::ImportRecord PlanJob(storage::ObjectStore& store, const ImportCommandOptions& options, const std::string& trace) {
  std::optional<core::Table> table;
  if (!options.table.empty()) {
    table = core::TableFromName(options.table);
    if (!table) throw Error(ErrorCode::kBadRequest, fmt::format("--table: unknown table \"{}\"", options.table));
  }
  const auto on_conflict = db::OnConflictFromName(options.on_conflict);
  if (!on_conflict) throw Error(ErrorCode::kBadRequest, "--on-conflict must be reject, update or skip");
  if (!ingest::HeaderModeFromName(options.header)) {
    throw Error(ErrorCode::kBadRequest, "--header must be auto, present or absent");
  }
  db::ImportRecord import;
  // A key of the store may be given as is ("incoming/hires.csv").
  import.source = options.source.find("://") == std::string::npos ? store.Location(options.source) : options.source;
  import.header = options.header;
  import.on_conflict = *on_conflict;
  import.dry_run = options.dry_run;
  import.trace_id = trace;
  import.steps = imports::PlanImport(store, import.source, table);
  return import;
}

// One progress display per table of a job, a new one when the next table starts.
class StepProgress {
 public:
  void Show(const db::ImportStep& step, uint64_t bytes_read, uint64_t rows) {
    if (step.position != shown_) {
      Done();
      display_ = std::make_unique<ProgressDisplay>(std::string(core::TableName(step.table)), step.bytes_total);
      shown_ = step.position;
    }
    display_->Update(bytes_read, rows);
  }
  void Done() {
    if (display_) display_->Done();
    display_.reset();
  }

 private:
  std::unique_ptr<ProgressDisplay> display_;
  int shown_ = -1;
};

// A server replica claimed the job first: its progress, as the database has it, until it ends.
db::ImportRecord Watch(db::Database& database, int64_t id) {
  StepProgress progress;
  while (true) {
    auto import = database.Imports().Get(id);
    if (!import) throw Error(ErrorCode::kInternal, fmt::format("import {} vanished", id));
    if (db::IsFinal(import->status)) {
      progress.Done();
      return *import;
    }
    for (const auto& step : import->steps) {
      if (step.status == "running") progress.Show(step, step.bytes_read, step.counts.received);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

void PrintSummary(const db::ImportRecord& import, storage::ObjectStore& store) {
  std::printf("import %lld: %s%s\n", static_cast<long long>(import.id),
              std::string(db::ImportStatusName(import.status)).c_str(),
              import.dry_run ? " (dry run: nothing written)" : "");
  std::printf("%-16s %-10s %6s %10s %10s %10s %10s %10s  %s\n", "table", "status", "load", "received", "inserted",
              "updated", "rejected", "skipped", "source");
  for (const auto& step : import.steps) {
    std::printf(
        "%-16s %-10s %6s %10llu %10llu %10llu %10llu %10llu  %s\n", std::string(core::TableName(step.table)).c_str(),
        step.status.c_str(), step.load_id ? std::to_string(*step.load_id).c_str() : "-",
        static_cast<unsigned long long>(step.counts.received), static_cast<unsigned long long>(step.counts.inserted),
        static_cast<unsigned long long>(step.counts.updated), static_cast<unsigned long long>(step.counts.rejected),
        static_cast<unsigned long long>(step.counts.skipped), store.Location(step.key).c_str());
  }
  if (!import.error.empty()) std::printf("  error: %s\n", import.error.c_str());
  std::printf("rejected rows are listed by: GET /v1/loads/{load}/rejects (?format=csv to fix and load again)\n");
}

}  // namespace

int RunImport(const Config& config, const ImportCommandOptions& options) {
  const std::unique_ptr<storage::ObjectStore> store = OpenStore(config);
  if (!store) throw Error(ErrorCode::kBadRequest, "imports read from object storage: set STORAGE_URL");
  const http::TraceContext trace = http::NewTrace();
  const observability::LogContext log_context("", trace.trace_id);
  auto database = db::OpenDatabase(config.database_url, {});
  database->Migrate();
  const db::ImportRecord planned = PlanJob(*store, options, trace.trace_id);
  const int64_t id = database->Imports().Create(planned, std::nullopt);
  std::fprintf(stderr, "import %lld queued: %zu table(s) from %s\n", static_cast<long long>(id), planned.steps.size(),
               planned.source.c_str());
  if (options.detach) {
    std::printf("%lld\n", static_cast<long long>(id));  // GET /v1/imports/{id} follows it
    return 0;
  }
  imports::ImportRunnerOptions runner_options;
  runner_options.max_jobs = 0;  // only the heartbeat: this process runs its own job, below
  runner_options.lease = std::chrono::seconds(config.import_lease_seconds);
  runner_options.host = fmt::format("{}/{} (cli)", core::HostName(), ::getpid());
  imports::ImportRunner runner(*database, *store, runner_options);
  runner.Start();
  if (auto claim = database->Imports().Claim(runner_options.host, runner_options.lease, id)) {
    StepProgress progress;
    runner.Run(*claim, [&progress](const db::ImportStep& step, const imports::LiveProgress& live) {
      progress.Show(step, live.bytes_read, live.counts.received);
    });
    progress.Done();
  }
  runner.Stop();
  const db::ImportRecord done = Watch(*database, id);
  PrintSummary(done, *store);
  std::printf("trace_id %s (in the import's loads and every log line of this run)\n", trace.trace_id.c_str());
  const bool clean = done.status == db::ImportStatus::kSucceeded &&
                     std::none_of(done.steps.begin(), done.steps.end(),
                                  [](const db::ImportStep& step) { return step.status == "rejected"; });
  return clean ? 0 : 1;
}

}  // namespace migration::app
