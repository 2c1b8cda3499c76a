# A soft readiness check in the application's workspace: every plan and
# apply warns while any of the application's secrets still has no value,
# and carries on. The provider only calls DescribeSecret: it sees whether a
# value exists, never the value.
#
# Check blocks need Terraform 1.5 or OpenTofu 1.6. Older clients refuse the
# configuration at init ("Unsupported block type"); required_version says
# why to those that get that far.

terraform {
  required_version = ">= 1.5.0"

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

check "shop_secrets_have_values" {
  # Scoped to the check: should a secret not exist yet, that is a warning
  # too, not a failed plan.
  data "planton_aws_secrets" "shop" {
    secret_names = var.secret_names
  }

  assert {
    condition     = length(data.planton_aws_secrets.shop.names_without_value) == 0
    error_message = "These secrets have no value yet: ${join(", ", data.planton_aws_secrets.shop.names_without_value)}. Write them (aws secretsmanager put-secret-value) before the application starts."
  }
}
