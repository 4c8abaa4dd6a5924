#include "imports/upload_event_consumer.hpp"

#include <algorithm>
#include <utility>

#include "core/error.hpp"
#include "imports/import_runner.hpp"
#include "imports/upload_event.hpp"
#include "observability/log.hpp"

namespace migration::imports {
namespace {

// SQS's largest batch.
constexpr int kMessagesPerReceive = 10;
// Bytes of an unreadable message's body logged: enough to recognise it, bounded.
constexpr size_t kLoggedBodyBytes = 200;

}  // namespace

UploadEventConsumer::UploadEventConsumer(db::Database& db, storage::ObjectStore& store,
                                         std::unique_ptr<storage::aws::SqsClient> queue, ImportRunner* runner,
                                         UploadEventConsumerOptions options)
    : db_(db), store_(store), queue_(std::move(queue)), runner_(runner), options_(options) {}

UploadEventConsumer::~UploadEventConsumer() { Stop(); }

void UploadEventConsumer::Start() {
  observability::LogInfo("upload_events_consumer_started", {{"queue_url", queue_->queue_url()}});
  thread_ = std::thread([this] { Loop(); });
}

void UploadEventConsumer::RequestStop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
}

void UploadEventConsumer::Stop() {
  RequestStop();
  if (thread_.joinable()) thread_.join();
}

bool UploadEventConsumer::SleepUnlessStopped(std::chrono::milliseconds duration) {
  std::unique_lock lock(mutex_);
  return !wake_.wait_for(lock, duration, [this] { return stopping_; });
}

void UploadEventConsumer::Loop() {
  std::chrono::milliseconds backoff{1000};
  for (;;) {
    {
      const std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    std::vector<storage::aws::SqsMessage> messages;
    try {
      messages = queue_->Receive(kMessagesPerReceive, options_.wait_seconds);
      backoff = std::chrono::milliseconds(1000);
    } catch (const std::exception& e) {
      observability::LogWarn("upload_events_receive_failed",
                             {{"queue_url", queue_->queue_url()}, {"error", e.what()}, {"retry_ms", backoff.count()}});
      if (!SleepUnlessStopped(backoff)) return;
      backoff = std::min(backoff * 2, options_.max_backoff);
      continue;
    }
    for (const auto& message : messages) {
      // Once stopping, what was received is left to come back to another replica.
      if (!Handle(message.message_id, message.body)) continue;
      try {
        queue_->Delete(message.receipt_handle);
      } catch (const std::exception& e) {
        // Handled but not deleted: it comes back, and a second start changes nothing.
        observability::LogWarn("upload_event_delete_failed", {{"message_id", message.message_id}, {"error", e.what()}});
      }
    }
  }
}

bool UploadEventConsumer::Handle(const std::string& message_id, const std::string& body) {
  const auto objects = CreatedObjectsOf(body);
  if (!objects) {
    observability::LogWarn("upload_event_unreadable",
                           {{"message_id", message_id}, {"body_start", body.substr(0, kLoggedBodyBytes)}});
    return false;
  }
  try {
    for (const auto& object : *objects) {
      const auto id = DirectUploadImportId(object.key);
      if (!id) continue;  // an upload archive or another file under uploads/
      const auto import = db_.Imports().Get(*id);
      const std::string location = "s3://" + object.bucket + "/" + object.key;
      // The import must be the one this object was made for: another deployment's uploads in the
      // same bucket have ids of their own database.
      if (!import || import->steps.size() != 1 || store_.Location(import->steps[0].key) != location) {
        observability::LogInfo(
            "upload_event_ignored",
            {{"import_id", *id}, {"object", location.substr(0, 1024)}, {"reason", "not its import"}});
        continue;
      }
      if (db_.Imports().Start(*id)) {
        // The trace of the request that asked for the upload URLs: the job's lines follow it.
        const observability::LogContext log_context("", import->trace_id);
        observability::LogInfo("import_started_by_upload_event", {{"import_id", *id}, {"object", location}});
        if (runner_ != nullptr) runner_->Notify();
      }
    }
  } catch (const std::exception& e) {
    observability::LogWarn("upload_event_failed", {{"message_id", message_id}, {"error", e.what()}});
    return false;
  }
  return true;
}

}  // namespace migration::imports
