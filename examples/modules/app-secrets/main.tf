terraform {
  required_providers {
    planton = {
      source = "project-planton/planton"
    }
  }
}

variable "app" {
  description = "Application name; every secret is named <app>/<environment>/<NAME>."
  type        = string
}

variable "environment" {
  description = "Environment name, for example prod."
  type        = string
}

variable "names" {
  description = "Secret names without the prefix, for example [\"DB_PASSWORD\", \"API_KEY\"]."
  type        = set(string)
}

resource "planton_aws_secrets" "this" {
  secret_names = [for name in var.names : "${var.app}/${var.environment}/${name}"]
}

output "secret_arn_map" {
  description = "Full secret name -> ARN."
  value       = planton_aws_secrets.this.secret_arn_map
}

output "read_policy_json" {
  description = "IAM policy allowing GetSecretValue and DescribeSecret on exactly these secrets."
  value       = planton_aws_secrets.this.read_policy_json
}
