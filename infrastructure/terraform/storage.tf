# One customer-managed key for the bucket, the secrets, the database, the logs and the alarm
# topic (CloudWatch alarms cannot publish to a topic under the AWS-managed SNS key); the S3
# bucket for CSV uploads and Avro backups; the API keys secret.

resource "aws_kms_key" "app" {
  description         = "migration-api ${var.environment} data key"
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministers"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudWatchLogsEncrypts"
        Effect    = "Allow"
        Principal = { Service = "logs.${var.aws_region}.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = {
          ArnLike = {
            "kms:EncryptionContext:aws:logs:arn" = "arn:${local.partition}:logs:${var.aws_region}:${local.account_id}:log-group:${local.log_group_name}"
          }
        }
      },
      {
        Sid       = "CloudWatchAlarmsPublish"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
        Resource  = "*"
      },
    ]
  })
}

resource "aws_kms_alias" "app" {
  name          = "alias/${local.name}"
  target_key_id = aws_kms_key.app.key_id
}

resource "aws_s3_bucket" "data" {
  bucket = "${local.name}-${local.account_id}-${var.aws_region}"
  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_versioning" "data" {
  bucket = aws_s3_bucket.data.id
  versioning_configuration {
    status = "Enabled"
  }
}

# Encrypted under the stack's own KMS key (not the AWS-managed aws/s3 key).
resource "aws_s3_bucket_server_side_encryption_configuration" "data" {
  bucket = aws_s3_bucket.data.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.app.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_public_access_block" "data" {
  bucket                  = aws_s3_bucket.data.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "data" {
  bucket = aws_s3_bucket.data.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

# Browsers PUT objects and multipart parts straight to the bucket with presigned URLs the API
# hands out, and POST to complete a multipart upload. The URL's signature authorizes each request
# (made with the task role's credentials); CORS only lets the API's own pages make it and read the
# answer. ETag is exposed because the page must send every part's ETag back to complete the
# upload; Content-Type/Content-MD5 are the headers it may set.
resource "aws_s3_bucket_cors_configuration" "data" {
  bucket = aws_s3_bucket.data.id
  cors_rule {
    id              = "browser-direct-uploads"
    allowed_methods = ["PUT", "POST"]
    allowed_origins = [var.browser_upload_origin != "" ? var.browser_upload_origin : "https://${var.domain_name}"]
    allowed_headers = ["Content-Type", "Content-MD5"]
    expose_headers  = ["ETag"]
    max_age_seconds = 3600
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "data" {
  bucket = aws_s3_bucket.data.id
  rule {
    id     = "archive-after-90-days"
    status = "Enabled"
    filter {}
    transition {
      days          = 90
      storage_class = "GLACIER"
    }
    noncurrent_version_transition {
      noncurrent_days = 30
      storage_class   = "GLACIER"
    }
    noncurrent_version_expiration {
      noncurrent_days = 365
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }
  depends_on = [aws_s3_bucket_versioning.data]
}

resource "aws_s3_bucket_policy" "data" {
  bucket = aws_s3_bucket.data.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "TlsOnly"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.data.arn, "${aws_s3_bucket.data.arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
  depends_on = [aws_s3_bucket_public_access_block.data]
}

# API keys the service accepts (API_KEYS): comma-separated name:sha256hex[:read] entries, the
# SHA-256 digest of each key, never a key (the service refuses to start on anything else). The
# first value is var.api_key_digests (not a secret: a digest of a random 256-bit key reveals
# nothing). Rotation: put a new value (docs/security.md) and force a new deployment; applies
# leave a rotated value alone until api_key_digests itself changes, which overwrites it.
resource "aws_secretsmanager_secret" "api_keys" {
  name        = "migration-api/${var.environment}/api-keys"
  description = "migration-api API key digests (comma-separated name:sha256hex[:read])"
  kms_key_id  = aws_kms_key.app.arn
}

resource "aws_secretsmanager_secret_version" "api_keys" {
  secret_id     = aws_secretsmanager_secret.api_keys.id
  secret_string = var.api_key_digests
}

# The service's own database login (role migration_app): it never logs in as the master user.
# The service creates the role with the master login the first time its login is refused (a new
# cluster), with only its own database's rights, and resets the role's password the same way
# whenever this secret gets a new one: rotating it is putting a new password here
# (docs/security.md). The password is generated at apply time as an ephemeral value and written
# write-only: it is never in the plan or the state. Bump app_db_password_version to make a new one.
resource "aws_secretsmanager_secret" "app_db" {
  name        = "migration-api/${var.environment}/database"
  description = "migration-api database login (the service's own role, not the master user)"
  kms_key_id  = aws_kms_key.app.arn
}

ephemeral "aws_secretsmanager_random_password" "app_db" {
  password_length     = 40
  exclude_punctuation = true
}

resource "aws_secretsmanager_secret_version" "app_db" {
  secret_id = aws_secretsmanager_secret.app_db.id
  secret_string_wo = jsonencode({
    username = "migration_app"
    password = ephemeral.aws_secretsmanager_random_password.app_db.random_password
  })
  secret_string_wo_version = var.app_db_password_version
}
