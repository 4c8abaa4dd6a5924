terraform {
  # 1.11: the version CI pins (tests.yml, deploy-infra.yml).
  required_version = ">= 1.11"

  required_providers {
    # The AWS provider only: no registry modules, no random/null/tls providers.
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }

  # Partial configuration: a backend block cannot read variables, so the state bucket, key,
  # region and DynamoDB lock table come from `terraform init -backend-config=...`
  # (see backend.hcl.example and docs/deploy-runbook.md).
  backend "s3" {
    encrypt = true
  }
}
