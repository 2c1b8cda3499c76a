# Requires Terraform 1.8 or later, or OpenTofu 1.7 or later.
resource "planton_aws_secrets" "platform" {
  secret_names = [
    "billing/prod/DB_PASSWORD",
    "billing/prod/STRIPE_KEY",
    "search/prod/API_KEY",
  ]
}

# One policy per application, from its slice of the platform's secrets.
locals {
  billing_arns = [
    for name, arn in planton_aws_secrets.platform.secret_arn_map : arn
    if startswith(name, "billing/")
  ]
}

output "billing_read_policy" {
  value = provider::planton::read_policy_json(local.billing_arns)
}
