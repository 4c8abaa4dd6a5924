# migration-api on AWS, the same architecture as infrastructure/cloudformation/api-stack.yaml:
# VPC over two AZs (NAT per AZ), HTTPS ALB, ECS Fargate 2-10 tasks, Aurora PostgreSQL,
# S3, Secrets Manager, CloudWatch logs/alarms/dashboard. Plain aws_* resources only.
# Files: network.tf (VPC, subnets, NAT, security groups), storage.tf (KMS, S3, API keys
# secret), upload_events.tf (optional S3 -> EventBridge -> SQS for direct uploads),
# database.tf, iam.tf, alb.tf, ecs.tf, monitoring.tf, dr.tf (optional cross-region copies),
# variables.tf, outputs.tf.

provider "aws" {
  region = var.aws_region
  default_tags {
    tags = {
      Application = "migration-api"
      Environment = var.environment
      ManagedBy   = "terraform"
    }
  }
}

data "aws_availability_zones" "available" {
  state = "available"
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  name       = "migration-api-${var.environment}"
  azs        = slice(data.aws_availability_zones.available.names, 0, 2)
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  # Objects the service writes live under this prefix; the task role may touch nothing else.
  storage_prefix = "migration-api"
  container_port = 8000
  log_group_name = "/ecs/${local.name}"
  # Aurora-managed master credentials: ECS injects username and password from them. After a
  # disaster-recovery restore outside Terraform, the restored cluster's (docs/disaster-recovery.md).
  use_restored_db = var.db_endpoint_override != "" && var.db_secret_arn_override != ""
  db_host         = local.use_restored_db ? var.db_endpoint_override : aws_rds_cluster.main.endpoint
  db_cluster_id   = local.use_restored_db ? split(".", var.db_endpoint_override)[0] : aws_rds_cluster.main.cluster_identifier
  db_secret_arn   = local.use_restored_db ? var.db_secret_arn_override : aws_rds_cluster.main.master_user_secret[0].secret_arn
  # "oidc.eks.REGION.amazonaws.com/id/ID" from the OIDC provider's ARN (IRSA conditions).
  eks_oidc_issuer = replace(var.eks_oidc_provider_arn, "/^arn:[^:]+:iam::[0-9]+:oidc-provider\\//", "")
}
