variable "aws_region" {
  description = "Region of the whole stack."
  type        = string
  default     = "us-east-1"
}

variable "environment" {
  description = "development, staging or production."
  type        = string
  validation {
    condition     = contains(["development", "staging", "production"], var.environment)
    error_message = "environment must be development, staging or production."
  }
}

variable "container_image" {
  description = "ECR image by digest (repo@sha256:...) or by an immutable commit-SHA or semver tag."
  type        = string
  validation {
    condition     = can(regex("^[0-9]{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?/[a-z0-9._/-]+(@sha256:[a-f0-9]{64}|:[0-9a-f]{7,40}|:v[0-9]+\\.[0-9]+\\.[0-9]+)$", var.container_image))
    error_message = "container_image must be an ECR image pinned by digest, commit SHA or semver tag (never latest)."
  }
}

variable "api_key_digests" {
  description = "API keys the service accepts: comma-separated name:sha256hex[:read] entries, the SHA-256 digest of each key, never the key (docs/security.md, \"Issuing an API key\"). The first value of the API keys secret."
  type        = string
  validation {
    condition     = can(regex("^[A-Za-z0-9._-]+:[0-9a-fA-F]{64}(:read|:readwrite)?(,[A-Za-z0-9._-]+:[0-9a-fA-F]{64}(:read|:readwrite)?)*$", var.api_key_digests))
    error_message = "api_key_digests must be comma-separated name:sha256hex[:read] entries (name of letters, digits, . _ -; the 64 hex digits of SHA-256 of the key), no spaces."
  }
}

variable "certificate_arn" {
  description = "ACM certificate for the HTTPS listener."
  type        = string
}

variable "domain_name" {
  description = "The API's DNS name, the one certificate_arn covers: clients, service_url and smoke tests use it (the ALB's own name is not on the certificate)."
  type        = string
  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.domain_name))
    error_message = "domain_name must be the DNS name the certificate covers."
  }
}

variable "hosted_zone_id" {
  description = "Route 53 zone of domain_name, where the alias record is made; empty when DNS is managed elsewhere (point domain_name at load_balancer_dns_name there)."
  type        = string
  default     = ""
}

variable "desired_count" {
  description = "Tasks at creation; autoscaling moves it between min_tasks and max_tasks."
  type        = number
  default     = 2
}

variable "min_tasks" {
  type    = number
  default = 2
  validation {
    condition     = var.min_tasks >= 2
    error_message = "min_tasks must be at least 2 (one task per AZ)."
  }
}

variable "max_tasks" {
  type    = number
  default = 10
}

variable "task_cpu" {
  description = "Fargate CPU units (256, 512, 1024, 2048)."
  type        = number
  default     = 512
}

variable "task_memory" {
  type    = number
  default = 1024
}

variable "db_instance_class" {
  type    = string
  default = "db.t4g.medium"
}

variable "db_engine_version" {
  type    = string
  default = "15.10"
}

variable "alarm_email" {
  description = "Optional e-mail subscribed to the alarm topic."
  type        = string
  default     = ""
}

variable "latency_p99_threshold_seconds" {
  type    = number
  default = 2
}

variable "app_db_password_version" {
  description = "Version of the service's generated database password: a new number writes a new one (the service repairs its role with the master login)."
  type        = number
  default     = 1
}

variable "rate_limit_rps" {
  description = "Requests per second each task allows per API key (or client address) before 429 (RATE_LIMIT_RPS); per task, so the service allows about this times the task count."
  type        = number
  default     = 50
  validation {
    condition     = var.rate_limit_rps >= 1
    error_message = "rate_limit_rps must be at least 1: the service must never run without a limit."
  }
}

variable "dns_failover_role" {
  description = "With hosted_zone_id: this region's half of the Route 53 failover pair on domain_name (PRIMARY, or SECONDARY for a disaster-recovery stack in another region)."
  type        = string
  default     = "PRIMARY"
  validation {
    condition     = contains(["PRIMARY", "SECONDARY"], var.dns_failover_role)
    error_message = "dns_failover_role must be PRIMARY or SECONDARY."
  }
}

variable "replica_bucket_arn" {
  description = "Optional: a versioned bucket in the disaster-recovery region that S3 replicates the service's prefix to; empty for none."
  type        = string
  default     = ""
}

variable "replica_kms_key_arn" {
  description = "With replica_bucket_arn: the KMS key in that region the replicas are encrypted under."
  type        = string
  default     = ""
}

variable "dr_backup_vault_arn" {
  description = "Optional: an AWS Backup vault in the disaster-recovery region; a daily backup of the Aurora cluster is copied there (35 days). Empty for none."
  type        = string
  default     = ""
}

variable "db_connections_threshold" {
  description = "Alarm when the database holds more connections than this (db.t4g.medium allows about 400)."
  type        = number
  default     = 300
}

variable "vpc_cidr" {
  type    = string
  default = "10.20.0.0/16"
}

variable "eks_oidc_provider_arn" {
  description = "IAM OIDC provider of an EKS cluster running infrastructure/kubernetes; empty for none (ECS only)."
  type        = string
  default     = ""
}

variable "eks_database_client_security_group_id" {
  description = "With eks_oidc_provider_arn: the security group the pods connect to the database from (their own with security groups for pods, else the node group's); empty for none."
  type        = string
  default     = ""
  validation {
    condition     = var.eks_database_client_security_group_id == "" || can(regex("^sg-[0-9a-f]+$", var.eks_database_client_security_group_id))
    error_message = "eks_database_client_security_group_id must be a security group id (sg-...) or empty."
  }
}

variable "db_endpoint_override" {
  description = "Disaster recovery only: writer endpoint of a cluster restored outside Terraform that the tasks use instead of the stack's; empty for the stack's cluster."
  type        = string
  default     = ""
}

variable "db_secret_arn_override" {
  description = "With db_endpoint_override: the Aurora-managed master secret of the restored cluster."
  type        = string
  default     = ""
  validation {
    condition     = var.db_secret_arn_override == "" || can(regex("^arn:aws[a-z-]*:secretsmanager:", var.db_secret_arn_override))
    error_message = "db_secret_arn_override must be a Secrets Manager ARN or empty."
  }
}

variable "browser_upload_origin" {
  description = "The web origin whose pages may upload straight to the data bucket with the presigned URLs the API hands out (the bucket's CORS rule); empty for the API's own origin, https://<domain_name>, which serves the /ui app."
  type        = string
  default     = ""
  validation {
    condition     = var.browser_upload_origin == "" || can(regex("^https://[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?$", var.browser_upload_origin))
    error_message = "browser_upload_origin must be empty or an https origin (https://host[:port], no path)."
  }
}

variable "direct_upload_events" {
  description = "true: the bucket sends its events to EventBridge, a rule forwards every object created under <prefix>/uploads/ to an SQS queue (with a dead-letter queue), the tasks get its URL as UPLOAD_EVENTS_QUEUE_URL and the task role may receive and delete its messages: the service starts a presigned upload's pending import once its object exists."
  type        = bool
  default     = false
}
