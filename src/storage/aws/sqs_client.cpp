#include "storage/aws/sqs_client.hpp"

#include <fmt/format.h>

#include <utility>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "storage/s3/http_call.hpp"
#include "storage/s3/sha256.hpp"

namespace migration::storage::aws {
namespace {

using core::Error;
using core::ErrorCode;

// Ten messages of at most 256 KiB each, in JSON (escaping can double a body): an answer past
// this is not SQS's, and is cut off rather than held.
constexpr uint64_t kMaxAnswerBytes = 8ULL << 20;

std::string EndpointOf(const std::string& queue_url) {
  const auto scheme_end = queue_url.find("://");
  if (scheme_end == std::string::npos || queue_url.size() == scheme_end + 3) {
    throw Error(ErrorCode::kBadRequest,
                fmt::format("the queue URL \"{}\" is not https://sqs.<region>.amazonaws.com/<account>/<name>",
                            queue_url.substr(0, 256)));
  }
  const auto path = queue_url.find('/', scheme_end + 3);
  return (path == std::string::npos ? queue_url : queue_url.substr(0, path)) + "/";
}

std::string StringField(const nlohmann::json& object, const char* name) {
  const auto found = object.find(name);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

}  // namespace

SqsClient::SqsClient(std::string region, std::string queue_url, std::shared_ptr<s3::CredentialsProvider> credentials)
    : region_(std::move(region)),
      queue_url_(std::move(queue_url)),
      endpoint_(EndpointOf(queue_url_)),
      credentials_(credentials ? std::move(credentials) : std::make_shared<s3::DefaultCredentialsProvider>()) {}

std::string SqsClient::Call(const std::string& action, const std::string& body, long timeout_ms) const {
  const s3::Credentials credentials = credentials_->Get();
  const s3::SigningKey key{region_, "sqs", credentials.access_key_id, credentials.secret_access_key};
  s3::HttpRequest request;
  request.method = "POST";
  request.url = endpoint_;
  // The payload's hash as a header: libcurl 7.88 signs an uploaded body (CURLOPT_UPLOAD, how
  // http_call sends one) as if it were empty unless this header carries the real hash.
  request.headers = {"Content-Type: application/x-amz-json-1.0", "X-Amz-Target: AmazonSQS." + action,
                     "X-Amz-Content-Sha256: " + s3::Sha256Hex(body)};
  if (!credentials.session_token.empty()) {
    request.headers.push_back("X-Amz-Security-Token: " + credentials.session_token);
  }
  request.body = body;
  request.signing = &key;
  request.connect_timeout_ms = 3000;
  request.total_timeout_ms = timeout_ms;
  std::string answer;
  const std::function<void(std::string_view)> sink = [&answer](std::string_view bytes) {
    if (answer.size() + bytes.size() > kMaxAnswerBytes) {
      throw Error(ErrorCode::kUnavailable, fmt::format("SQS answered more than {} bytes", kMaxAnswerBytes));
    }
    answer.append(bytes);
  };
  request.sink = &sink;
  const s3::HttpResponse response = s3::Perform(request);
  if (response.curl_code != 0) {
    throw Error(ErrorCode::kUnavailable,
                fmt::format("SQS at {} did not answer {}: {}", endpoint_, action, response.curl_error));
  }
  if (!response.ok()) {
    // {"__type": "com.amazonaws.sqs#QueueDoesNotExist", "message": "..."}
    const nlohmann::json error = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
    std::string type = "HTTP " + std::to_string(response.status);
    std::string message;
    if (error.is_object()) {
      if (const std::string named = StringField(error, "__type"); !named.empty()) {
        type = named.substr(named.rfind('#') + 1);
      }
      message = StringField(error, "message");
      if (message.empty()) message = StringField(error, "Message");
    }
    throw Error(ErrorCode::kUnavailable, fmt::format("SQS {} on {} refused: {}{}", action, queue_url_, type,
                                                     message.empty() ? "" : ": " + message.substr(0, 512)));
  }
  return answer;
}

std::vector<SqsMessage> SqsClient::Receive(int max_messages, int wait_seconds) const {
  const nlohmann::json request = {
      {"QueueUrl", queue_url_}, {"MaxNumberOfMessages", max_messages}, {"WaitTimeSeconds", wait_seconds}};
  // The long poll's own time plus room for the answer.
  const std::string answer = Call("ReceiveMessage", request.dump(), (wait_seconds + 10) * 1000L);
  const nlohmann::json document = nlohmann::json::parse(answer, nullptr, /*allow_exceptions=*/false);
  if (!document.is_object()) {
    throw Error(ErrorCode::kUnavailable, "SQS ReceiveMessage answered something that is not a JSON object");
  }
  std::vector<SqsMessage> messages;
  const auto list = document.find("Messages");
  if (list == document.end() || !list->is_array()) return messages;  // none arrived while waiting
  for (const auto& item : *list) {
    if (!item.is_object()) continue;
    SqsMessage message{StringField(item, "MessageId"), StringField(item, "ReceiptHandle"), StringField(item, "Body")};
    if (!message.receipt_handle.empty()) messages.push_back(std::move(message));
  }
  return messages;
}

void SqsClient::Delete(const std::string& receipt_handle) const {
  const nlohmann::json request = {{"QueueUrl", queue_url_}, {"ReceiptHandle", receipt_handle}};
  Call("DeleteMessage", request.dump(), 10000);
}

}  // namespace migration::storage::aws
