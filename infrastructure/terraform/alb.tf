# Internet-facing ALB: HTTP only redirects to HTTPS; HTTPS (TLS 1.2+, ACM certificate)
# forwards to the tasks, whose health is checked on /healthz.

resource "aws_lb" "main" {
  name                       = local.name
  load_balancer_type         = "application"
  internal                   = false
  subnets                    = aws_subnet.public[*].id
  security_groups            = [aws_security_group.alb.id]
  drop_invalid_header_fields = true
  idle_timeout               = 300
  enable_deletion_protection = var.environment == "production"
}

resource "aws_lb_target_group" "app" {
  name                 = local.name
  vpc_id               = aws_vpc.main.id
  target_type          = "ip"
  protocol             = "HTTP"
  port                 = local.container_port
  deregistration_delay = 20 # shorter than the task's stop timeout: leave the ALB, then drain
  health_check {
    enabled             = true
    path                = "/healthz"
    protocol            = "HTTP"
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.main.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type = "redirect"
    redirect {
      protocol    = "HTTPS"
      port        = "443"
      status_code = "HTTP_301"
    }
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.main.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }
}

# Route 53 checks /readyz (the service and its database) through this region's load balancer;
# it does not verify the certificate, so the ALB's own name serves here.
resource "aws_route53_health_check" "ready" {
  count             = var.hosted_zone_id != "" ? 1 : 0
  type              = "HTTPS"
  fqdn              = aws_lb.main.dns_name
  port              = 443
  resource_path     = "/readyz"
  request_interval  = 30
  failure_threshold = 3
  tags              = { Name = "${local.name}-${var.aws_region}-readyz" }
}

# One half of a failover pair: the set identifier is the region, so a stack in another region
# (dns_failover_role SECONDARY) adds its own record to the same name instead of colliding.
resource "aws_route53_record" "api" {
  count           = var.hosted_zone_id != "" ? 1 : 0
  zone_id         = var.hosted_zone_id
  name            = var.domain_name
  type            = "A"
  set_identifier  = var.aws_region
  health_check_id = aws_route53_health_check.ready[0].id
  failover_routing_policy {
    type = var.dns_failover_role
  }
  alias {
    name                   = aws_lb.main.dns_name
    zone_id                = aws_lb.main.zone_id
    evaluate_target_health = true
  }
}
