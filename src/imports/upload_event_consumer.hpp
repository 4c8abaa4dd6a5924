#pragma once
// Starts direct uploads' imports from the bucket's events (UPLOAD_EVENTS_QUEUE_URL): one thread
// per replica long-polls the SQS queue the IaC's EventBridge rule fills with every object created
// under the store's uploads/ folder. An event naming a pending import's own object
// (uploads/{table}/…/import-{id}.csv) queues that import, as POST /v1/imports/{id}/start does;
// replicas share the queue, each message goes to one of them, and a start seen twice changes nothing.
//
// A message is deleted once handled, and also when it names no direct upload (the service's own
// upload archives are created under uploads/ too). One that cannot be read, or whose import
// could not be started (the database down), stays: SQS shows it again after the queue's
// visibility timeout, and moves it to the dead-letter queue after its maxReceiveCount.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "db/database.hpp"
#include "storage/aws/sqs_client.hpp"
#include "storage/object_store.hpp"

namespace migration::imports {

class ImportRunner;

struct UploadEventConsumerOptions {
  int wait_seconds = 10;                         // each long poll; also how long Stop() may wait for the one under way
  std::chrono::milliseconds max_backoff{30000};  // between failed receives, doubling from 1 s
};

class UploadEventConsumer {
 public:
  // `runner` (may be null) is told of each import started, so an idle worker claims it at once.
  UploadEventConsumer(db::Database& db, storage::ObjectStore& store, std::unique_ptr<storage::aws::SqsClient> queue,
                      ImportRunner* runner, UploadEventConsumerOptions options = {});
  ~UploadEventConsumer();
  UploadEventConsumer(const UploadEventConsumer&) = delete;
  UploadEventConsumer& operator=(const UploadEventConsumer&) = delete;

  void Start();
  // No further receive starts; returns at once. Stop() joins.
  void RequestStop();
  void Stop();

  // Handles one message's body; true when the message is done with (delete it). Public for tests.
  bool Handle(const std::string& message_id, const std::string& body);

 private:
  void Loop();
  bool SleepUnlessStopped(std::chrono::milliseconds duration);

  db::Database& db_;
  storage::ObjectStore& store_;
  std::unique_ptr<storage::aws::SqsClient> queue_;
  ImportRunner* runner_;
  UploadEventConsumerOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace migration::imports
