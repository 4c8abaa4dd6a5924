# ECS Fargate: 2-10 tasks in the app subnets behind the ALB, rolled back automatically by the
# deployment circuit breaker, scaled on CPU and on requests per task.

resource "aws_ecs_cluster" "main" {
  name = local.name
  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_ecs_task_definition" "app" {
  family                   = local.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.task_cpu
  memory                   = var.task_memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }
  # Writable space for the read-only root filesystem: task storage mounted on the image's two
  # VOLUMEs (Fargate copies their owner, 10001, from the image; a path without a VOLUME would be
  # root-owned). SCRATCH_DIR (backup, restore and upload scratch files) is on tmp.
  volume {
    name = "tmp"
  }
  volume {
    name = "var"
  }
  container_definitions = jsonencode([{
    name                   = "migration-api"
    image                  = var.container_image
    essential              = true
    user                   = "10001:10001"
    readonlyRootFilesystem = true
    portMappings           = [{ containerPort = local.container_port, protocol = "tcp" }]
    mountPoints = [
      { sourceVolume = "tmp", containerPath = "/tmp" },
      { sourceVolume = "var", containerPath = "/srv/migration-api/var" },
    ]
    ulimits = [{ name = "nofile", softLimit = 65536, hardLimit = 65536 }]
    # The service drains for SHUTDOWN_GRACE_SECONDS after SIGTERM; ECS waits a bit longer.
    stopTimeout = 30
    healthCheck = {
      # Exec form: the image has no shell.
      command     = ["CMD", "/usr/bin/curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:${local.container_port}/healthz"]
      interval    = 15
      timeout     = 5
      retries     = 3
      startPeriod = 30
    }
    # DATABASE_URL names only the database and TLS mode: verify-full against the RDS CA bundle the
    # image carries (infrastructure/rds-ca/); libpq takes the host from PGHOST. The
    # user and password: the service reads them itself from DATABASE_SECRET_ARN (task role),
    # caches them and reads again when the server refuses them, so Aurora's rotation of the
    # managed secret (every 7 days) never strands a running task. No credential is ever an
    # environment value.
    environment = concat(
      [
        { name = "PORT", value = tostring(local.container_port) },
        { name = "SCRATCH_DIR", value = "/tmp" },
        { name = "ENVIRONMENT", value = var.environment },
        { name = "DATABASE_URL", value = "postgresql:///migration?sslmode=verify-full&sslrootcert=/etc/ssl/certs/rds-global-bundle.pem" },
        { name = "PGHOST", value = local.db_host },
        { name = "PGPORT", value = "5432" },
        { name = "DATABASE_SECRET_ARN", value = aws_secretsmanager_secret.app_db.arn },
        # Only to create or repair the service's role (its own login refused after a re-read).
        { name = "DATABASE_ADMIN_SECRET_ARN", value = local.db_secret_arn },
        { name = "STORAGE_URL", value = "s3://${aws_s3_bucket.data.id}/${local.storage_prefix}" },
        { name = "AWS_REGION", value = var.aws_region },
        { name = "LOG_FORMAT", value = "json" },
        { name = "LOG_LEVEL", value = "info" },
        { name = "METRICS_EMF", value = "1" },
        { name = "SHUTDOWN_GRACE_SECONDS", value = "25" },
        { name = "RATE_LIMIT_RPS", value = tostring(var.rate_limit_rps) },
        # The ALB appends the client's address to X-Forwarded-For, and only its security group
        # reaches the task: the limits per address and the access log use that address.
        { name = "FORWARDED_HOPS", value = "1" },
      ],
      # direct_upload_events: each task long-polls the queue and starts the pending import of a
      # presigned upload once its object exists. Absent otherwise (the consumer is off).
      var.direct_upload_events ? [
        { name = "UPLOAD_EVENTS_QUEUE_URL", value = aws_sqs_queue.upload_events[0].url },
      ] : [],
    )
    secrets = [
      { name = "API_KEYS", valueFrom = aws_secretsmanager_secret.api_keys.arn },
    ]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.app.name
        awslogs-region        = var.aws_region
        awslogs-stream-prefix = "api"
      }
    }
  }])
}

resource "aws_ecs_service" "app" {
  name                               = "migration-api"
  cluster                            = aws_ecs_cluster.main.id
  task_definition                    = aws_ecs_task_definition.app.arn
  launch_type                        = "FARGATE"
  desired_count                      = var.desired_count
  health_check_grace_period_seconds  = 60
  enable_ecs_managed_tags            = true
  propagate_tags                     = "SERVICE"
  deployment_maximum_percent         = 200
  deployment_minimum_healthy_percent = 100
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
  network_configuration {
    subnets          = aws_subnet.app[*].id
    security_groups  = [aws_security_group.app.id]
    assign_public_ip = false
  }
  load_balancer {
    target_group_arn = aws_lb_target_group.app.arn
    container_name   = "migration-api"
    container_port   = local.container_port
  }
  depends_on = [aws_lb_listener.https, aws_iam_role_policy.execution]
  lifecycle {
    # Autoscaling owns the count after creation.
    ignore_changes = [desired_count]
  }
}

resource "aws_appautoscaling_target" "app" {
  service_namespace  = "ecs"
  scalable_dimension = "ecs:service:DesiredCount"
  resource_id        = "service/${aws_ecs_cluster.main.name}/${aws_ecs_service.app.name}"
  min_capacity       = var.min_tasks
  max_capacity       = var.max_tasks
}

resource "aws_appautoscaling_policy" "cpu" {
  name               = "cpu-60"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.app.service_namespace
  scalable_dimension = aws_appautoscaling_target.app.scalable_dimension
  resource_id        = aws_appautoscaling_target.app.resource_id
  target_tracking_scaling_policy_configuration {
    target_value       = 60
    scale_out_cooldown = 60
    scale_in_cooldown  = 300
    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

resource "aws_appautoscaling_policy" "requests" {
  name               = "requests-500-per-task"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.app.service_namespace
  scalable_dimension = aws_appautoscaling_target.app.scalable_dimension
  resource_id        = aws_appautoscaling_target.app.resource_id
  target_tracking_scaling_policy_configuration {
    target_value       = 500
    scale_out_cooldown = 60
    scale_in_cooldown  = 300
    predefined_metric_specification {
      predefined_metric_type = "ALBRequestCountPerTarget"
      resource_label         = "${aws_lb.main.arn_suffix}/${aws_lb_target_group.app.arn_suffix}"
    }
  }
}
