// What the upload events consumer reads off its queue (src/imports/upload_event.hpp): the two
// shapes of an S3 "Object Created" message, the events it ignores, what it refuses to read, and
// which keys are direct uploads.

#include "imports/upload_event.hpp"

#include <gtest/gtest.h>

namespace migration::imports {
namespace {

// As EventBridge delivers an S3 event to an SQS target (the IaC's rule).
constexpr const char* kEventBridgeEvent = R"({
  "version": "0", "id": "17793124-05d4-b198-2fde-7ededc63b103", "detail-type": "Object Created",
  "source": "aws.s3", "account": "123456789012", "time": "2026-12-07T00:00:00Z", "region": "us-east-1",
  "resources": ["arn:aws:s3:::data-bucket"],
  "detail": {"version": "0", "bucket": {"name": "data-bucket"},
             "object": {"key": "migration-api/uploads/jobs/2026/12/07/import-17.csv", "size": 20,
                        "etag": "d41d8cd98f00b204e9800998ecf8427e"},
             "request-id": "N4N7GDK58NMKJ12R", "requester": "123456789012", "reason": "PutObject"}})";

TEST(UploadEventTest, AnEventBridgeObjectCreatedEventNamesItsObject) {
  const auto objects = CreatedObjectsOf(kEventBridgeEvent);
  ASSERT_TRUE(objects.has_value());
  ASSERT_EQ(objects->size(), 1u);
  EXPECT_EQ((*objects)[0].bucket, "data-bucket");
  EXPECT_EQ((*objects)[0].key, "migration-api/uploads/jobs/2026/12/07/import-17.csv");
}

TEST(UploadEventTest, AnS3NotificationNamesEachCreatedObjectWithItsKeyDecoded) {
  const auto objects = CreatedObjectsOf(R"({"Records": [
    {"eventName": "ObjectCreated:CompleteMultipartUpload",
     "s3": {"bucket": {"name": "b"}, "object": {"key": "uploads/hired_employees/2026/12/07/import-5.csv"}}},
    {"eventName": "ObjectRemoved:Delete", "s3": {"bucket": {"name": "b"}, "object": {"key": "gone.csv"}}},
    {"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": "b"}, "object": {"key": "my+file%2C+v2.csv"}}}]})");
  ASSERT_TRUE(objects.has_value());
  ASSERT_EQ(objects->size(), 2u) << "the deletion names nothing";
  EXPECT_EQ((*objects)[0].key, "uploads/hired_employees/2026/12/07/import-5.csv");
  EXPECT_EQ((*objects)[1].key, "my file, v2.csv");
}

TEST(UploadEventTest, OtherEventsOfS3NameNothingAndForeignMessagesAreNotRead) {
  // Read, and nothing to do: these are deleted from the queue.
  const auto deleted =
      CreatedObjectsOf(R"({"source": "aws.s3", "detail-type": "Object Deleted", "detail": {"bucket": {"name": "b"}}})");
  ASSERT_TRUE(deleted.has_value());
  EXPECT_TRUE(deleted->empty());
  const auto test_event = CreatedObjectsOf(R"({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "b"})");
  ASSERT_TRUE(test_event.has_value());
  EXPECT_TRUE(test_event->empty());
  // Not read: these stay on the queue and reach its dead-letter queue.
  for (const char* body :
       {"", "not json", "[]", "42", R"({"hello": "world"})", R"({"Records": {}})", R"({"Records": [{"s3": {}}]})",
        R"({"Records": [{"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": "b"}}}]})",
        R"({"source": "aws.s3", "detail-type": "Object Created", "detail": {"object": {"key": "k"}}})",
        R"({"source": "aws.s3", "detail-type": "Object Created",
                               "detail": {"bucket": {"name": ""}, "object": {"key": "k"}}})"}) {
    EXPECT_FALSE(CreatedObjectsOf(body).has_value()) << body;
  }
}

TEST(UploadEventTest, OnlyADirectUploadsKeyHasAnImportId) {
  EXPECT_EQ(DirectUploadImportId("uploads/jobs/2026/12/07/import-17.csv"), 17);
  EXPECT_EQ(DirectUploadImportId("a/b/uploads/hired_employees/2026/01/31/import-9223372036854775807.csv"), INT64_MAX);
  for (const char* key :
       {"uploads/jobs/2026/12/07/17.csv",  // an upload's archive, named by its load
        "uploads/jobs/2026/12/07/import-.csv", "uploads/jobs/2026/12/07/import-0.csv",
        "uploads/jobs/2026/12/07/import--3.csv", "uploads/jobs/2026/12/07/import-3.csv.gz",
        "uploads/jobs/2026/12/07/import-99999999999999999999.csv", "uploads/jobs/2026/12/import-3.csv",
        "uploads/jobs/26/12/07/import-3.csv", "backups/jobs/2026/12/07/import-3.csv",
        "uploads//2026/12/07/import-3.csv", "import-3.csv", ""}) {
    EXPECT_FALSE(DirectUploadImportId(key).has_value()) << key;
  }
}

}  // namespace
}  // namespace migration::imports
