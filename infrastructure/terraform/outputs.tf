output "load_balancer_dns_name" {
  description = "DNS name of the load balancer (alias target of domain_name)."
  value       = aws_lb.main.dns_name
}

output "service_url" {
  description = "HTTPS address of the API: the name the certificate covers, resolvable through the record (hosted_zone_id) or your own DNS."
  value       = "https://${var.domain_name}"
}

output "cluster_name" {
  value = aws_ecs_cluster.main.name
}

output "service_name" {
  value = aws_ecs_service.app.name
}

output "task_definition_arn" {
  value = aws_ecs_task_definition.app.arn
}

output "bucket_name" {
  value = aws_s3_bucket.data.id
}

output "db_endpoint" {
  description = "Aurora writer endpoint."
  value       = aws_rds_cluster.main.endpoint
}

output "db_reader_endpoint" {
  value = aws_rds_cluster.main.reader_endpoint
}

output "db_cluster_identifier" {
  value = aws_rds_cluster.main.cluster_identifier
}

output "db_secret_arn" {
  description = "Aurora-managed master credentials (username/password JSON)."
  value       = local.db_secret_arn
}

output "app_db_secret_arn" {
  description = "The service's own database login (DATABASE_SECRET_ARN)."
  value       = aws_secretsmanager_secret.app_db.arn
}

output "api_keys_secret_arn" {
  value = aws_secretsmanager_secret.api_keys.arn
}

output "alarm_topic_arn" {
  value = aws_sns_topic.alarms.arn
}

output "log_group_name" {
  value = aws_cloudwatch_log_group.app.name
}

output "kms_key_arn" {
  value = aws_kms_key.app.arn
}

output "task_role_arn" {
  value = aws_iam_role.task.arn
}

output "irsa_role_arn" {
  description = "Role for the Kubernetes ServiceAccount (empty unless eks_oidc_provider_arn is set)."
  value       = one(aws_iam_role.irsa[*].arn)
}

output "upload_events_queue_url" {
  description = "The upload events queue (null unless direct_upload_events)."
  value       = one(aws_sqs_queue.upload_events[*].url)
}

output "upload_events_dead_letter_queue_url" {
  description = "Its dead-letter queue (null unless direct_upload_events)."
  value       = one(aws_sqs_queue.upload_events_dlq[*].url)
}
