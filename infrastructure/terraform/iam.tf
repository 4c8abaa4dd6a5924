# Execution role: what ECS itself needs to start a task (pull the image, write its log stream,
# read the API keys secret it injects). Task role: what the service does at run time, read and
# write under its own prefix of its own bucket, read the database secret, and with
# direct_upload_events consume the upload events queue. Nothing else. The presigned URLs the
# service hands out are signed with the task role's credentials, so a browser's upload can do
# only what ObjectsUnderOwnPrefix allows (PutObject, AbortMultipartUpload,
# ListMultipartUploadParts under the prefix; CreateMultipartUpload and CompleteMultipartUpload
# are s3:PutObject).

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:ecs:${var.aws_region}:${local.account_id}:*"]
    }
  }
}

resource "aws_iam_role" "execution" {
  name               = "${local.name}-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }
  statement {
    sid       = "EcrPull"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = ["arn:${local.partition}:ecr:${var.aws_region}:${local.account_id}:repository/migration-api"]
  }
  statement {
    sid       = "OwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.app.arn}:*"]
  }
  statement {
    sid       = "ApiKeysSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.api_keys.arn]
  }
  statement {
    sid       = "DecryptSecrets"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.app.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${var.aws_region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "start-task"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

resource "aws_iam_role" "task" {
  name               = "${local.name}-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

# The same permissions serve the ECS task role and, when eks_oidc_provider_arn is set, the
# IRSA role of the Kubernetes ServiceAccount (infrastructure/kubernetes).
data "aws_iam_policy_document" "task" {
  statement {
    sid       = "ListOwnPrefix"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.data.arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = [local.storage_prefix, "${local.storage_prefix}/*"]
    }
  }
  statement {
    sid = "ObjectsUnderOwnPrefix"
    # DeleteObject: the service removes the archive of an upload that did not commit and a
    # backup it could not record; without it they stay as orphans.
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
    resources = ["${aws_s3_bucket.data.arn}/${local.storage_prefix}/*"]
  }
  statement {
    sid       = "BucketKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.app.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${var.aws_region}.amazonaws.com"]
    }
  }
  # DATABASE_SECRET_ARN (the service's login) and DATABASE_ADMIN_SECRET_ARN (the master login
  # that creates or repairs its role): read at start and when the database refuses the login.
  statement {
    sid       = "DatabaseSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.app_db.arn, local.db_secret_arn]
  }
  statement {
    sid       = "DatabaseSecretKey"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.app.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${var.aws_region}.amazonaws.com"]
    }
  }
  dynamic "statement" {
    for_each = var.direct_upload_events ? [aws_sqs_queue.upload_events[0].arn] : []
    content {
      sid       = "UploadEventsQueue"
      actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "task" {
  name   = "own-bucket-prefix"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}

# Optional: the role the Kubernetes ServiceAccount assumes through IRSA on EKS.
data "aws_iam_policy_document" "irsa_assume" {
  count = var.eks_oidc_provider_arn == "" ? 0 : 1
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [var.eks_oidc_provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.eks_oidc_issuer}:sub"
      values   = ["system:serviceaccount:migration-api-${var.environment}:migration-api"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.eks_oidc_issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "irsa" {
  count              = var.eks_oidc_provider_arn == "" ? 0 : 1
  name               = "${local.name}-k8s"
  assume_role_policy = data.aws_iam_policy_document.irsa_assume[0].json
}

resource "aws_iam_role_policy" "irsa" {
  count  = var.eks_oidc_provider_arn == "" ? 0 : 1
  name   = "own-bucket-prefix"
  role   = aws_iam_role.irsa[0].id
  policy = data.aws_iam_policy_document.task.json
}

# On Kubernetes the External Secrets Operator reads the API keys secret as this ServiceAccount
# (infrastructure/kubernetes/base/external-secrets.yaml): the execution role's secret rights. The
# database secret the service reads itself (the task policy above).
data "aws_iam_policy_document" "irsa_secrets" {
  statement {
    sid       = "OwnSecrets"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = [aws_secretsmanager_secret.api_keys.arn]
  }
  statement {
    sid       = "DecryptSecrets"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.app.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${var.aws_region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "irsa_secrets" {
  count  = var.eks_oidc_provider_arn == "" ? 0 : 1
  name   = "own-secrets"
  role   = aws_iam_role.irsa[0].id
  policy = data.aws_iam_policy_document.irsa_secrets.json
}
