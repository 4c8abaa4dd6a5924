# Optional disaster-recovery copies in another region, the same as the CloudFormation stack's:
# S3 replication of the service's prefix (replica_bucket_arn + replica_kms_key_arn) and a daily
# AWS Backup of the Aurora cluster copied to a vault there (dr_backup_vault_arn).

locals {
  replicate = var.replica_bucket_arn != "" && var.replica_kms_key_arn != ""
  dr_backup = var.dr_backup_vault_arn != ""
}

data "aws_iam_policy_document" "replication_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["s3.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "replication" {
  count              = local.replicate ? 1 : 0
  name               = "${local.name}-replication"
  assume_role_policy = data.aws_iam_policy_document.replication_assume.json
}

data "aws_iam_policy_document" "replication" {
  statement {
    actions   = ["s3:GetReplicationConfiguration", "s3:ListBucket"]
    resources = [aws_s3_bucket.data.arn]
  }
  statement {
    actions   = ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"]
    resources = ["${aws_s3_bucket.data.arn}/${local.storage_prefix}/*"]
  }
  statement {
    actions   = ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"]
    resources = ["${var.replica_bucket_arn}/${local.storage_prefix}/*"]
  }
  statement {
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.app.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${var.aws_region}.amazonaws.com"]
    }
  }
  statement {
    actions   = ["kms:Encrypt", "kms:GenerateDataKey"]
    resources = [var.replica_kms_key_arn == "" ? aws_kms_key.app.arn : var.replica_kms_key_arn]
  }
}

resource "aws_iam_role_policy" "replication" {
  count  = local.replicate ? 1 : 0
  name   = "replicate-service-prefix"
  role   = aws_iam_role.replication[0].id
  policy = data.aws_iam_policy_document.replication.json
}

resource "aws_s3_bucket_replication_configuration" "data" {
  count  = local.replicate ? 1 : 0
  bucket = aws_s3_bucket.data.id
  role   = aws_iam_role.replication[0].arn
  rule {
    id       = "service-prefix-to-dr-region"
    status   = "Enabled"
    priority = 1
    filter {
      prefix = "${local.storage_prefix}/"
    }
    delete_marker_replication {
      status = "Enabled"
    }
    source_selection_criteria {
      sse_kms_encrypted_objects {
        status = "Enabled"
      }
    }
    destination {
      bucket = var.replica_bucket_arn
      encryption_configuration {
        replica_kms_key_id = var.replica_kms_key_arn
      }
    }
  }
  depends_on = [aws_s3_bucket_versioning.data]
}

resource "aws_backup_vault" "db" {
  count       = local.dr_backup ? 1 : 0
  name        = local.name
  kms_key_arn = aws_kms_key.app.arn
}

resource "aws_backup_plan" "db" {
  count = local.dr_backup ? 1 : 0
  name  = "${local.name}-dr-copy"
  rule {
    rule_name         = "daily-with-dr-copy"
    target_vault_name = aws_backup_vault.db[0].name
    schedule          = "cron(0 5 * * ? *)"
    lifecycle {
      delete_after = 35
    }
    copy_action {
      destination_vault_arn = var.dr_backup_vault_arn
      lifecycle {
        delete_after = 35
      }
    }
  }
}

data "aws_iam_policy_document" "backup_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["backup.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "backup" {
  count              = local.dr_backup ? 1 : 0
  name               = "${local.name}-backup"
  assume_role_policy = data.aws_iam_policy_document.backup_assume.json
}

resource "aws_iam_role_policy_attachment" "backup" {
  count      = local.dr_backup ? 1 : 0
  role       = aws_iam_role.backup[0].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"
}

resource "aws_backup_selection" "db" {
  count        = local.dr_backup ? 1 : 0
  name         = "aurora-cluster"
  plan_id      = aws_backup_plan.db[0].id
  iam_role_arn = aws_iam_role.backup[0].arn
  resources    = [aws_rds_cluster.main.arn]
}
