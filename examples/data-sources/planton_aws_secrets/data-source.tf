# In the application's own workspace: look up secrets that the platform
# workspace manages, and grant the application's role read access to them.
data "planton_aws_secrets" "app" {
  secret_names = [
    "app/prod/DB_PASSWORD",
    "app/prod/API_KEY",
  ]
}

resource "aws_iam_role_policy" "app_reads_its_secrets" {
  role   = "app-prod"
  policy = data.planton_aws_secrets.app.read_policy_json
}

# Which of them still have no value: gate a deployment on this list (see
# the readiness guide and examples/readiness).
output "secrets_without_value" {
  value = data.planton_aws_secrets.app.names_without_value
}
