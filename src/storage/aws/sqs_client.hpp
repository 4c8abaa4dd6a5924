#pragma once
// Receives and deletes messages of one SQS queue (ReceiveMessage, DeleteMessage; SQS's JSON
// protocol, SigV4 signed by libcurl through storage/s3/http_call). The credentials come from the
// same chain as S3's. Requests go to the queue URL's own host (https://sqs.<region>.amazonaws.com,
// or an emulator's). Thread-safe.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "storage/s3/credentials.hpp"

namespace migration::storage::aws {

struct SqsMessage {
  std::string message_id;
  std::string receipt_handle;  // what DeleteMessage takes
  std::string body;            // at most 256 KiB (SQS's own bound)
};

class SqsClient {
 public:
  // `credentials`: null for the default chain.
  SqsClient(std::string region, std::string queue_url, std::shared_ptr<s3::CredentialsProvider> credentials = nullptr);

  // Up to `max_messages` (1..10) messages, waiting up to `wait_seconds` (0..20; a long poll) for
  // the first. A received message stays invisible to other receivers for the queue's visibility
  // timeout and comes back after it unless deleted. Throws core::Error kUnavailable when SQS
  // cannot be reached or refuses (its error type and message in the detail).
  std::vector<SqsMessage> Receive(int max_messages, int wait_seconds) const;
  void Delete(const std::string& receipt_handle) const;

  const std::string& queue_url() const { return queue_url_; }

 private:
  std::string Call(const std::string& action, const std::string& body, long timeout_ms) const;

  std::string region_;
  std::string queue_url_;
  std::string endpoint_;  // scheme://host[:port]/ of the queue URL
  std::shared_ptr<s3::CredentialsProvider> credentials_;
};

}  // namespace migration::storage::aws
