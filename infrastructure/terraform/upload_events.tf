# Optional (direct_upload_events): an object created under <prefix>/uploads/ (a browser's
# presigned PUT, or a completed multipart upload) becomes a message the service can consume,
# instead of the service polling the bucket. S3 -> EventBridge (S3 has no per-prefix switch for
# EventBridge: the rule picks the uploads) -> SQS. A message that fails maxReceiveCount times
# moves to the dead-letter queue, kept 14 days (SQS's longest) for someone to look at; its alarm
# (upload_events_dlq, in monitoring.tf) tells the alarm topic when one arrives.

resource "aws_s3_bucket_notification" "data" {
  count       = var.direct_upload_events ? 1 : 0
  bucket      = aws_s3_bucket.data.id
  eventbridge = true
}

resource "aws_sqs_queue" "upload_events_dlq" {
  count                     = var.direct_upload_events ? 1 : 0
  name                      = "${local.name}-upload-events-dlq"
  sqs_managed_sse_enabled   = true
  message_retention_seconds = 1209600
}

resource "aws_sqs_queue" "upload_events" {
  count                   = var.direct_upload_events ? 1 : 0
  name                    = "${local.name}-upload-events"
  sqs_managed_sse_enabled = true
  # How long a received message stays hidden before another task may take it. The service
  # deletes a message within seconds of receiving it (it starts the import; it does not hold the
  # message while the import runs), so 15 min is ample. A message it cannot handle (the database
  # down) is not deleted: it reappears after these 15 min, and after 5 receives (maxReceiveCount,
  # about 75 min) moves to the dead-letter queue.
  visibility_timeout_seconds = 900
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.upload_events_dlq[0].arn
    maxReceiveCount     = 5
  })
}

resource "aws_cloudwatch_event_rule" "upload_events" {
  count       = var.direct_upload_events ? 1 : 0
  name        = "${local.name}-upload-events"
  description = "Objects created under ${local.storage_prefix}/uploads/ in the data bucket, to the upload events queue"
  event_pattern = jsonencode({
    source        = ["aws.s3"]
    "detail-type" = ["Object Created"]
    detail = {
      bucket = { name = [aws_s3_bucket.data.id] }
      object = { key = [{ prefix = "${local.storage_prefix}/uploads/" }] }
    }
  })
}

resource "aws_cloudwatch_event_target" "upload_events" {
  count     = var.direct_upload_events ? 1 : 0
  rule      = aws_cloudwatch_event_rule.upload_events[0].name
  target_id = "upload-events-queue"
  arn       = aws_sqs_queue.upload_events[0].arn
}

# Only that rule may send to the queue (EventBridge delivers with the queue's policy, not a role).
resource "aws_sqs_queue_policy" "upload_events" {
  count     = var.direct_upload_events ? 1 : 0
  queue_url = aws_sqs_queue.upload_events[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "UploadEventsRuleSends"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = "sqs:SendMessage"
        Resource  = aws_sqs_queue.upload_events[0].arn
        Condition = { ArnEquals = { "aws:SourceArn" = aws_cloudwatch_event_rule.upload_events[0].arn } }
      },
      {
        Sid       = "TlsOnly"
        Effect    = "Deny"
        Principal = "*"
        Action    = "sqs:*"
        Resource  = aws_sqs_queue.upload_events[0].arn
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })
}
