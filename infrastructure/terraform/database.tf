# Aurora PostgreSQL 15: writer and reader in different AZs (Multi-AZ failover), encrypted
# under the stack key, 35-day backups, deletion protection, IAM authentication enabled, TLS
# required. The master password is managed by Aurora in Secrets Manager
# (manage_master_user_password): it is never in this code, a variable or the state.

resource "aws_db_subnet_group" "main" {
  name        = local.name
  description = "migration-api database subnets (no internet route)"
  subnet_ids  = aws_subnet.data[*].id
}

resource "aws_rds_cluster_parameter_group" "main" {
  name = local.name
  # The family follows the engine's major version (15.10 -> aurora-postgresql15).
  family      = "aurora-postgresql${split(".", var.db_engine_version)[0]}"
  description = "migration-api Aurora PostgreSQL, TLS required"
  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }
}

# The log group Aurora exports PostgreSQL's log to. Aurora would create it on the first export
# with no retention (kept, and paid for, forever); made here first, with 30 days.
resource "aws_cloudwatch_log_group" "db" {
  name              = "/aws/rds/cluster/${local.name}/postgresql"
  retention_in_days = 30
}

resource "aws_rds_cluster" "main" {
  cluster_identifier                  = local.name
  engine                              = "aurora-postgresql"
  engine_version                      = var.db_engine_version
  database_name                       = "migration"
  master_username                     = "migration_admin"
  manage_master_user_password         = true
  master_user_secret_kms_key_id       = aws_kms_key.app.arn
  db_subnet_group_name                = aws_db_subnet_group.main.name
  db_cluster_parameter_group_name     = aws_rds_cluster_parameter_group.main.name
  vpc_security_group_ids              = [aws_security_group.db.id]
  storage_encrypted                   = true
  kms_key_id                          = aws_kms_key.app.arn
  backup_retention_period             = 35
  preferred_backup_window             = "03:00-04:00"
  preferred_maintenance_window        = "sun:04:30-sun:05:30"
  deletion_protection                 = true
  iam_database_authentication_enabled = true
  copy_tags_to_snapshot               = true
  enabled_cloudwatch_logs_exports     = ["postgresql"]
  skip_final_snapshot                 = false
  final_snapshot_identifier           = "${local.name}-final"
  depends_on                          = [aws_cloudwatch_log_group.db]
}

resource "aws_rds_cluster_instance" "main" {
  count                      = 2
  identifier                 = "${local.name}-${count.index}"
  cluster_identifier         = aws_rds_cluster.main.id
  instance_class             = var.db_instance_class
  engine                     = aws_rds_cluster.main.engine
  engine_version             = aws_rds_cluster.main.engine_version
  availability_zone          = local.azs[count.index]
  publicly_accessible        = false
  auto_minor_version_upgrade = true
}
