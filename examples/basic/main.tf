# Three secret containers for an application, against LocalStack.
#
# Run it with `scripts/demo`, or by hand with LocalStack started
# (`scripts/localstack start && scripts/localstack wait`) and fake credentials:
#
#   export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
#   terraform init && terraform apply
#
# The provider creates the secrets without values; put values in with your
# own tooling (aws secretsmanager put-secret-value ...).

terraform {
  required_providers {
    planton = {
      source = "project-planton/planton"
    }
  }
}

variable "localstack_endpoint" {
  description = "URL of the AWS API to use: LocalStack by default."
  type        = string
  default     = "http://127.0.0.1:4566"
}

provider "planton" {
  region = "us-east-1"

  endpoints {
    secretsmanager = var.localstack_endpoint
    sts            = var.localstack_endpoint
  }

  # LocalStack accepts any credentials; nothing to validate.
  skip_credentials_validation = true
  skip_requesting_account_id  = true
}

resource "planton_aws_secrets" "app" {
  secret_names = [
    "demo/app/DB_PASSWORD",
    "demo/app/API_KEY",
    "demo/app/SESSION_SECRET",
  ]
}

output "secret_arn_map" {
  description = "Secret name to ARN."
  value       = planton_aws_secrets.app.secret_arn_map
}

output "read_policy_json" {
  description = "IAM policy letting an application read exactly these secrets."
  value       = planton_aws_secrets.app.read_policy_json
}
