// `migration-api load DIR|FILE|s3://bucket/prefix/|s3://bucket/key.csv... [--table T]`: the
// historical load from local files or S3 objects. A folder (or an S3 prefix ending in "/") is
// loaded in foreign-key order (departments, jobs, hired_employees); each file is one load, atomic
// on its own; objects stream from S3 straight into the load, nothing is staged on disk. Progress
// as it goes (app/progress_display.hpp), a summary table at the end, exit 1 when a file failed
// (nothing of it committed, or nothing valid in it).

#include <fmt/format.h>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <utility>

#include "app/commands.hpp"
#include "app/config.hpp"
#include "app/progress_display.hpp"
#include "core/error.hpp"
#include "db/database.hpp"
#include "http/trace_context.hpp"
#include "ingest/upload_pipeline.hpp"
#include "observability/log.hpp"
#include "storage/object_store.hpp"

namespace migration::app {
namespace {

namespace fs = std::filesystem;
using core::Error;
using core::ErrorCode;

constexpr size_t kReadBytes = 1 << 20;  // a local file is read a MiB at a time

// One file to load: a local path, or an object of an S3 store (`store` set, `key` in it).
struct FileJob {
  fs::path path;  // local file, or the object key's file name part for display
  core::Table table;
  std::shared_ptr<storage::ObjectStore> store;
  std::string key;
  uint64_t size = 0;
};

// "s3://bucket/a/b.csv" -> {"s3://bucket", "a/b.csv"}
std::pair<std::string, std::string> SplitS3Url(const std::string& url) {
  const size_t slash = url.find('/', 5);
  if (slash == std::string::npos) return {url, ""};
  return {url.substr(0, slash), url.substr(slash + 1)};
}

// The jobs of an s3:// argument: a prefix ending in "/" holds {table}.csv objects (directly under
// it); anything else is one object.
void PlanS3(const std::string& url, const std::optional<core::Table>& forced, const Config& config,
            std::vector<FileJob>& jobs) {
  const auto [bucket_url, key] = SplitS3Url(url);
  std::shared_ptr<storage::ObjectStore> store;
  {
    Config bucket_config = config;
    bucket_config.storage_url = bucket_url;
    store = OpenStore(bucket_config);
  }
  if (key.empty() || key.ends_with('/')) {
    bool any = false;
    const auto objects = store->List(key);
    for (const core::Table table : core::kAllTables) {
      const std::string wanted = key + std::string(core::TableName(table)) + ".csv";
      for (const auto& object : objects) {
        if (object.key != wanted) continue;
        jobs.push_back({fs::path(wanted).filename(), forced.value_or(table), store, object.key, object.size});
        any = true;
      }
    }
    if (!any)
      throw Error(ErrorCode::kBadRequest,
                  fmt::format("{}: no departments.csv, jobs.csv or hired_employees.csv under it", url));
    return;
  }
  const auto info = store->Head(key);
  if (!info) throw Error(ErrorCode::kBadRequest, fmt::format("{}: no such object", url));
  const fs::path name = fs::path(key).filename();
  const auto table = forced ? forced : core::TableFromName(name.stem().string());
  if (!table)
    throw Error(ErrorCode::kBadRequest,
                fmt::format("{}: cannot tell the table from the object name; pass --table", url));
  jobs.push_back({name, *table, store, key, info->size});
}

struct FileOutcome {
  FileJob job;
  std::string status;
  db::LoadCounts counts;
  int64_t load_id = 0;
  double seconds = 0;
  std::string error;
};

std::vector<FileJob> PlanFiles(const Config& config, const LoadCommandOptions& options) {
  std::optional<core::Table> forced;
  if (!options.table.empty()) {
    forced = core::TableFromName(options.table);
    if (!forced) throw Error(ErrorCode::kBadRequest, fmt::format("--table: unknown table \"{}\"", options.table));
  }
  std::vector<FileJob> jobs;
  for (const auto& arg : options.paths) {
    if (arg.starts_with("s3://")) {
      PlanS3(arg, forced, config, jobs);
      continue;
    }
    const fs::path path(arg);
    if (fs::is_directory(path)) {
      for (const core::Table table : core::kAllTables) {
        const fs::path file = path / (std::string(core::TableName(table)) + ".csv");
        if (fs::exists(file)) jobs.push_back({file, forced.value_or(table), nullptr, "", fs::file_size(file)});
      }
      continue;
    }
    if (!fs::exists(path)) throw Error(ErrorCode::kBadRequest, fmt::format("{}: no such file or folder", arg));
    auto table = forced ? forced : core::TableFromName(path.stem().string());
    if (!table) {
      throw Error(ErrorCode::kBadRequest,
                  fmt::format("{}: cannot tell the table from the file name; pass --table", arg));
    }
    jobs.push_back({path, *table, nullptr, "", fs::file_size(path)});
  }
  // Parents before children whatever the argument order, so foreign keys resolve.
  std::stable_sort(jobs.begin(), jobs.end(), [](const FileJob& a, const FileJob& b) { return a.table < b.table; });
  return jobs;
}

// Calls `sink` with the file's bytes, from the local file or the S3 object.
void ReadFile(const FileJob& job, const ingest::ByteSink& sink) {
  if (job.store) {
    job.store->Read(job.key, sink);
    return;
  }
  std::ifstream in(job.path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kBadRequest, fmt::format("cannot open {}", job.path.string()));
  std::vector<char> buffer(kReadBytes);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto n = static_cast<size_t>(in.gcount());
    if (n == 0) break;
    sink(std::string_view(buffer.data(), n));
  }
}

FileOutcome LoadFile(db::Database& database, const FileJob& job, const LoadCommandOptions& options,
                     const std::string& trace_id) {
  FileOutcome outcome{job, "failed", {}, 0, 0, {}};
  const auto started = std::chrono::steady_clock::now();
  try {
    ingest::CsvFileOptions file;
    file.load.table = job.table;
    file.load.source = "cli:" + job.path.filename().string();
    file.load.on_conflict = *db::OnConflictFromName(options.on_conflict);  // checked by RunLoad
    file.load.dry_run = options.dry_run;
    file.load.trace_id = trace_id;
    file.header = *ingest::HeaderModeFromName(options.header);
    file.extra_columns = ingest::ExtraColumnsFromName(options.extra_columns).value_or(ingest::ExtraColumns::kReject);
    ProgressDisplay progress(job.path.filename().string(), job.size);
    file.started = [&outcome](int64_t load_id) { outcome.load_id = load_id; };
    file.progress = [&progress](uint64_t bytes, const db::LoadCounts& counts) {
      progress.Update(bytes, counts.received);
    };
    const ingest::LoadResult result =
        ingest::LoadCsvFile(database, file, [&job](const ingest::ByteSink& sink) { ReadFile(job, sink); });
    progress.Done();
    // A dry run shows what the load would be; the summary's heading says it was a dry run.
    outcome.status = std::string(db::LoadStatusName(db::OutcomeOf(result.record.counts)));
    if (result.record.status != db::LoadStatus::kDryRun) outcome.status = db::LoadStatusName(result.record.status);
    outcome.counts = result.record.counts;
  } catch (const std::exception& e) {
    outcome.error = e.what();
  }
  outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return outcome;
}

void PrintSummary(const std::vector<FileOutcome>& outcomes, bool dry_run) {
  if (dry_run) std::printf("dry run: nothing was written; each status is what the load would be\n");
  std::printf("%-28s %-16s %6s %-9s %10s %10s %10s %10s %10s %8s\n", "file", "table", "load", "status", "received",
              "inserted", "updated", "rejected", "skipped", "seconds");
  for (const auto& o : outcomes) {
    std::printf("%-28s %-16s %6lld %-9s %10llu %10llu %10llu %10llu %10llu %8.2f\n",
                o.job.path.filename().string().c_str(), std::string(core::TableName(o.job.table)).c_str(),
                static_cast<long long>(o.load_id), o.status.c_str(), static_cast<unsigned long long>(o.counts.received),
                static_cast<unsigned long long>(o.counts.inserted), static_cast<unsigned long long>(o.counts.updated),
                static_cast<unsigned long long>(o.counts.rejected), static_cast<unsigned long long>(o.counts.skipped),
                o.seconds);
    if (!o.error.empty()) std::printf("  error: %s\n", o.error.c_str());
  }
  std::printf("rejected rows are listed by: GET /v1/loads/{load}/rejects\n");
}

}  // namespace

int RunLoad(const Config& config, const LoadCommandOptions& options) {
  if (!ingest::HeaderModeFromName(options.header)) {
    throw Error(ErrorCode::kBadRequest, "--header must be auto, present or absent");
  }
  if (!db::OnConflictFromName(options.on_conflict)) {
    throw Error(ErrorCode::kBadRequest, "--on-conflict must be reject, update or skip");
  }
  const auto jobs = PlanFiles(config, options);
  if (jobs.empty())
    throw Error(ErrorCode::kBadRequest,
                "no CSV files to load (a folder needs departments.csv, jobs.csv or hired_employees.csv)");
  // One trace for the run: its loads record it and every line it logs carries it.
  const http::TraceContext trace = http::NewTrace();
  const observability::LogContext log_context("", trace.trace_id);
  auto database = db::OpenDatabase(config.database_url, {});
  database->Migrate();
  std::vector<FileOutcome> outcomes;
  outcomes.reserve(jobs.size());
  for (const auto& job : jobs) outcomes.push_back(LoadFile(*database, job, options, trace.trace_id));
  PrintSummary(outcomes, options.dry_run);
  std::printf("trace_id %s (in the loads' records and every log line of this run)\n", trace.trace_id.c_str());
  const bool any_failed = std::any_of(outcomes.begin(), outcomes.end(), [](const FileOutcome& o) {
    return o.status == "failed" || o.status == "rejected";
  });
  return any_failed ? 1 : 0;
}

}  // namespace migration::app
