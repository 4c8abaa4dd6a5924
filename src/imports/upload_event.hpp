#pragma once
// What an upload event says: the objects an S3 "Object Created" message names, and whether a key
// is a direct upload's (api/direct_upload_api: uploads/{table}/{YYYY}/{MM}/{DD}/import-{id}.csv).
// Pure functions over untrusted text: the queue may hold anything anyone allowed to send wrote.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace migration::imports {

struct CreatedObject {
  std::string bucket;
  std::string key;  // as the event gives it
};

// The objects a message names as created. Two shapes are read:
//   - an EventBridge event: {"source": "aws.s3", "detail-type": "Object Created",
//     "detail": {"bucket": {"name"}, "object": {"key"}}} (the IaC's rule sends these);
//   - an S3 event notification: {"Records": [{"eventName": "ObjectCreated:…",
//     "s3": {"bucket": {"name"}, "object": {"key"}}}]} (a bucket wired to SQS directly), whose
//     keys are URL-encoded ('+' for a space) and are decoded here.
// Another event of either shape (a deletion, S3's test event) names none: an empty list.
// nullopt when the body is not one of these shapes at all (not JSON, another service's message).
std::optional<std::vector<CreatedObject>> CreatedObjectsOf(std::string_view body);

// The import id of a direct upload's key (".../uploads/<table>/YYYY/MM/DD/import-<id>.csv"),
// nullopt for any other key (the service's own upload archives, a person's files).
std::optional<int64_t> DirectUploadImportId(std::string_view key);

}  // namespace migration::imports
