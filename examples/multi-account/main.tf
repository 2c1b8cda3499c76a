# One module applied to two AWS accounts. Each provider alias assumes a role
# in its account and refuses to act in any other (allowed_account_ids), so a
# mistake in a role ARN can never put production's secrets in staging.
#
#   terraform apply -var staging_account_id=111111111111 \
#                   -var production_account_id=222222222222
#
# Against LocalStack, also set -var endpoint=http://127.0.0.1:4566 (its STS
# hands out credentials of the role's account).

terraform {
  required_providers {
    planton = {
      source = "project-planton/planton"
    }
  }
}

variable "staging_account_id" {
  description = "AWS account that holds the staging secrets."
  type        = string
}

variable "production_account_id" {
  description = "AWS account that holds the production secrets."
  type        = string
}

variable "region" {
  description = "Region of both accounts' secrets."
  type        = string
  default     = "us-east-1"
}

variable "endpoint" {
  description = "AWS API endpoint override (LocalStack); null for AWS itself."
  type        = string
  default     = null
}

provider "planton" {
  alias  = "staging"
  region = var.region

  assume_role {
    role_arn     = "arn:aws:iam::${var.staging_account_id}:role/secrets-admin"
    session_name = "terraform-staging"
  }
  allowed_account_ids = [var.staging_account_id]

  endpoints {
    secretsmanager = var.endpoint
    sts            = var.endpoint
  }
}

provider "planton" {
  alias  = "production"
  region = var.region

  assume_role {
    role_arn     = "arn:aws:iam::${var.production_account_id}:role/secrets-admin"
    session_name = "terraform-production"
  }
  allowed_account_ids = [var.production_account_id]

  endpoints {
    secretsmanager = var.endpoint
    sts            = var.endpoint
  }
}

module "billing_staging" {
  source    = "../modules/app-secrets"
  providers = { planton = planton.staging }

  app         = "billing"
  environment = "staging"
  names       = ["DB_PASSWORD", "STRIPE_KEY"]
}

module "billing_production" {
  source    = "../modules/app-secrets"
  providers = { planton = planton.production }

  app         = "billing"
  environment = "production"
  names       = ["DB_PASSWORD", "STRIPE_KEY"]
}

output "staging_secret_arns" {
  description = "Staging secret name -> ARN (in the staging account)."
  value       = module.billing_staging.secret_arn_map
}

output "production_secret_arns" {
  description = "Production secret name -> ARN (in the production account)."
  value       = module.billing_production.secret_arn_map
}
