#include "imports/import_runner.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "ingest/csv_input.hpp"
#include "ingest/upload_pipeline.hpp"
#include "observability/log.hpp"

namespace migration::imports {
namespace {

using core::Error;
using core::ErrorCode;

// Thrown from the running step's reader to stop its load (rolled back by LoadCsvFile).
struct Stopped : Error {
  explicit Stopped(std::string why) : Error(ErrorCode::kUnavailable, std::move(why)) {}
};

const char* StopMessage(bool cancel) {
  return cancel ? "the import was cancelled; nothing of this table was committed"
                : "the server is stopping; the import is queued again and this table will be loaded from the start";
}

}  // namespace

ImportRunner::ImportRunner(db::Database& db, storage::ObjectStore& store, ImportRunnerOptions options)
    : db_(db), store_(store), options_(std::move(options)) {}

ImportRunner::~ImportRunner() { Stop(); }

void ImportRunner::Start() {
  for (int i = 0; i < options_.max_jobs; ++i) workers_.emplace_back([this] { WorkerLoop(); });
  // Also without workers: a job the caller runs itself (Run) needs its lease renewed.
  heartbeat_ = std::thread([this] { HeartbeatLoop(); });
}

void ImportRunner::Notify() {
  {
    const std::lock_guard lock(mutex_);
    ++wake_;
  }
  wake_cv_.notify_all();
}

void ImportRunner::Stop() {
  const std::lock_guard stopping(stop_mutex_);  // one caller joins; a second waits for it
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
    for (auto& [id, active] : active_) active->stop = StopReason::kShutdown;
  }
  wake_cv_.notify_all();
  for (auto& worker : workers_) worker.join();
  workers_.clear();
  if (heartbeat_.joinable()) heartbeat_.join();
}

bool ImportRunner::CancelLocal(int64_t import_id) {
  const std::lock_guard lock(mutex_);
  const auto found = active_.find(import_id);
  if (found == active_.end()) return false;
  found->second->stop = StopReason::kCancel;
  return true;
}

std::optional<LiveProgress> ImportRunner::Live(int64_t import_id) const {
  std::shared_ptr<Active> active;
  {
    const std::lock_guard lock(mutex_);
    const auto found = active_.find(import_id);
    if (found == active_.end()) return std::nullopt;
    active = found->second;
  }
  const std::lock_guard lock(active->mutex);
  if (!active->running_step) return std::nullopt;
  return active->live;
}

std::shared_ptr<ImportRunner::Active> ImportRunner::Register(const db::ImportClaim& claim) {
  auto active = std::make_shared<Active>();
  active->id = claim.import.id;
  active->token = claim.lease_token;
  const std::lock_guard lock(mutex_);
  if (stopping_) active->stop = StopReason::kShutdown;
  active_[claim.import.id] = active;
  return active;
}

void ImportRunner::Unregister(int64_t id) {
  const std::lock_guard lock(mutex_);
  active_.erase(id);
}

void ImportRunner::WorkerLoop() {
  std::chrono::steady_clock::time_point last_claim_warning{};
  while (true) {
    uint64_t seen = 0;  // Notify() calls seen from here on wake this worker
    {
      std::unique_lock lock(mutex_);
      if (stopping_) return;
      seen = wake_;
    }
    std::optional<db::ImportClaim> claim;
    try {
      claim = db_.Imports().Claim(options_.host, options_.lease, 0);
    } catch (const std::exception& e) {
      // Busy (SQLite: a load holds the write lock) or the database is away: retried at the next
      // poll, logged once a minute at most.
      const auto now = std::chrono::steady_clock::now();
      if (now - last_claim_warning >= std::chrono::minutes(1)) {
        last_claim_warning = now;
        observability::LogWarn("import_claim_failed", {{"error", e.what()}});
      }
    }
    if (claim) {
      try {
        Run(*claim);
      } catch (const std::exception& e) {
        // The job's state could not be written (database gone): its lease expires and a replica
        // takes it over.
        observability::LogError("import_run_failed", {{"import_id", claim->import.id}, {"error", e.what()}});
      }
      continue;  // look for the next job at once
    }
    std::unique_lock lock(mutex_);
    wake_cv_.wait_for(lock, options_.poll, [&] { return stopping_ || wake_ != seen; });
  }
}

void ImportRunner::HeartbeatLoop() {
  const auto interval = std::max(options_.lease / 3, std::chrono::milliseconds(50));
  while (true) {
    std::vector<std::shared_ptr<Active>> running;
    {
      std::unique_lock lock(mutex_);
      wake_cv_.wait_for(lock, interval, [&] { return stopping_; });
      if (stopping_) return;
      for (const auto& [id, active] : active_) running.push_back(active);
    }
    for (const auto& active : running) {
      std::optional<db::ImportProgress> progress;
      {
        const std::lock_guard lock(active->mutex);
        if (active->running_step) {
          progress = db::ImportProgress{active->live.position, active->live.bytes_read, active->live.counts};
        }
      }
      try {
        const db::ImportLeaseState state = db_.Imports().Renew(active->id, active->token, options_.lease, progress);
        StopReason expected = StopReason::kNone;
        if (!state.held) {
          active->stop.compare_exchange_strong(expected, StopReason::kLeaseLost);
        } else if (state.cancel_requested) {
          active->stop.compare_exchange_strong(expected, StopReason::kCancel);
        }
      } catch (const std::exception& e) {
        // Not a lost lease: the database did not answer (or, on SQLite, a load holds the write
        // lock). The step's commit is fenced by the lease, so carrying on is safe.
        observability::LogWarn("import_lease_renewal_failed", {{"import_id", active->id}, {"error", e.what()}});
      }
    }
  }
}

db::ImportStatus ImportRunner::Run(const db::ImportClaim& claim,
                                   const std::function<void(const db::ImportStep&, const LiveProgress&)>& on_progress) {
  const db::ImportRecord& import = claim.import;
  const observability::LogContext log_context("", import.trace_id);
  auto& queue = db_.Imports();
  const auto active = Register(claim);
  struct Unregisterer {
    ImportRunner* runner;
    int64_t id;
    ~Unregisterer() { runner->Unregister(id); }
  } unregister{this, import.id};
  observability::LogInfo("import_claimed", {{"import_id", import.id}, {"attempt", import.attempts}});
  if (import.cancel_requested) {
    queue.Finish(import.id, claim.lease_token, db::ImportStatus::kCancelled, "cancelled");
    return db::ImportStatus::kCancelled;
  }
  for (const db::ImportStep& step : import.steps) {
    if (step.status != "queued") continue;  // committed by an earlier attempt
    try {
      RunStep(claim, step, *active, on_progress);
    } catch (const std::exception& e) {
      const StopReason reason = active->stop.load();
      if (reason == StopReason::kShutdown) {
        queue.Release(import.id, claim.lease_token);
        observability::LogInfo("import_released", {{"import_id", import.id}});
        return db::ImportStatus::kQueued;
      }
      if (reason == StopReason::kLeaseLost) {
        observability::LogWarn("import_lease_lost", {{"import_id", import.id}});
        return db::ImportStatus::kRunning;
      }
      // A cancel asked for on another replica may be what refused the commit (the fence).
      const auto now = queue.Get(import.id);
      const bool cancelled = reason == StopReason::kCancel || (now && now->cancel_requested);
      if (!cancelled && now && now->status == db::ImportStatus::kRunning) {
        // Not a cancel: the step's own failure (no such object, database error, empty file).
        queue.EndStep(import.id, claim.lease_token, step.position, "failed");
        // Stored and returned with the job: the load's own reason is cut at 1,000 bytes, so this is too.
        constexpr size_t kMaxErrorBytes = 1200;
        std::string error =
            fmt::format("{} ({}): {}", core::TableName(step.table), store_.Location(step.key), e.what());
        if (error.size() > kMaxErrorBytes) {
          error.resize(kMaxErrorBytes);
          error += "...";
        }
        queue.Finish(import.id, claim.lease_token, db::ImportStatus::kFailed, error);
        observability::LogWarn("import_failed", {{"import_id", import.id}, {"error", error}});
        return db::ImportStatus::kFailed;
      }
      if (!cancelled) return db::ImportStatus::kRunning;  // taken over meanwhile
      queue.EndStep(import.id, claim.lease_token, step.position, "cancelled");
      queue.Finish(import.id, claim.lease_token, db::ImportStatus::kCancelled, StopMessage(true));
      observability::LogInfo("import_cancelled", {{"import_id", import.id}});
      return db::ImportStatus::kCancelled;
    }
  }
  if (!queue.Finish(import.id, claim.lease_token, db::ImportStatus::kSucceeded, "")) {
    return db::ImportStatus::kRunning;  // the lease was lost after the last step: its holder finishes
  }
  observability::LogInfo("import_succeeded", {{"import_id", import.id}});
  return db::ImportStatus::kSucceeded;
}

std::string ImportRunner::RunStep(const db::ImportClaim& claim, const db::ImportStep& step, Active& active,
                                  const std::function<void(const db::ImportStep&, const LiveProgress&)>& on_progress) {
  const db::ImportRecord& import = claim.import;
  // Each piece of the object checks whether the job must stop; so does the step's start.
  const auto check_stop = [&active] {
    const StopReason reason = active.stop.load();
    if (reason == StopReason::kCancel || reason == StopReason::kShutdown) {
      throw Stopped(StopMessage(reason == StopReason::kCancel));
    }
    if (reason == StopReason::kLeaseLost) throw Stopped("another replica took this import over");
  };
  check_stop();
  const auto info = store_.Head(step.key);
  if (!info) throw Error(ErrorCode::kNotFound, "the object is gone");
  ingest::CsvFileOptions file;
  file.load.table = step.table;
  file.load.on_conflict = import.on_conflict;
  file.load.dry_run = import.dry_run;
  file.load.source = fmt::format("import:{}", import.id);
  file.load.trace_id = import.trace_id;
  file.load.import_step = db::ImportStepCommit{import.id, step.position, claim.lease_token, 0, "", {}, info->size};
  file.header = ingest::HeaderModeFromName(import.header).value_or(ingest::HeaderMode::kAuto);
  file.stored_at = store_.Location(step.key);
  file.load.recorded = [&](int64_t load_id) {
    db_.Imports().StartStep(import.id, claim.lease_token, step.position, load_id, info->size);
  };
  file.started = [&](int64_t /*load_id*/) {
    const std::lock_guard lock(active.mutex);
    active.live = LiveProgress{step.position, 0, {}};
    active.running_step = true;
  };
  file.progress = [&](uint64_t bytes, const db::LoadCounts& counts) {
    LiveProgress live;
    {
      const std::lock_guard lock(active.mutex);
      active.live.bytes_read = bytes;
      active.live.counts = counts;
      live = active.live;
    }
    if (on_progress) on_progress(step, live);
  };
  struct StepEnd {
    Active& active;
    ~StepEnd() {
      const std::lock_guard lock(active.mutex);
      active.running_step = false;
    }
  } step_end{active};
  const ingest::LoadResult result = ingest::LoadCsvFile(db_, file, [&](const ingest::ByteSink& sink) {
    store_.Read(step.key, [&](std::string_view piece) {
      check_stop();
      sink(piece);
    });
  });
  return std::string(db::LoadStatusName(result.record.status));
}

}  // namespace migration::imports
