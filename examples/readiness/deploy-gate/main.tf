# A hard deploy gate in the application's workspace: the plan fails, naming
# the secrets, while any of them has no value, so the application is never
# deployed against an empty container. The same data source lists the
# secrets nobody has read for 90 days. The provider only calls
# DescribeSecret: it sees whether a value exists, never the value.
#
# Preconditions need Terraform 1.2 and terraform_data 1.4 (any OpenTofu).
# Terraform 1.0 and 1.1 refuse the configuration at init ("Unsupported block
# type"); 1.2 and 1.3 stop at required_version.

terraform {
  required_version = ">= 1.4.0"

  required_providers {
    planton = {
      source = "project-planton/planton"
    }
  }
}

provider "planton" {
  region = "us-east-1"
}

variable "secret_names" {
  description = "The application's secrets, made by the platform workspace."
  type        = list(string)
  default = [
    "shop/prod/DB_PASSWORD",
    "shop/prod/STRIPE_KEY",
  ]
}

data "planton_aws_secrets" "shop" {
  secret_names      = var.secret_names
  unused_after_days = 90
}

# Stands for whatever deploys the application (a Helm release, an ECS
# service, a Lambda function): put the precondition on that resource.
resource "terraform_data" "shop_deployment" {
  input = data.planton_aws_secrets.shop.secret_arn_map

  lifecycle {
    precondition {
      condition     = length(data.planton_aws_secrets.shop.names_without_value) == 0
      error_message = "Not deploying: these secrets have no value yet: ${join(", ", data.planton_aws_secrets.shop.names_without_value)}."
    }
  }
}

output "unused_secrets" {
  description = "Secrets not read for 90 days (or never read and older than that): candidates for clean-up."
  value       = data.planton_aws_secrets.shop.names_unused
}
