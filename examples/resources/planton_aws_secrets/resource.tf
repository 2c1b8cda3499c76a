# Secret containers for one application. Values are written by whoever owns
# them (a pipeline, an operator), never by Terraform.
resource "planton_aws_secrets" "app" {
  secret_names = [
    "app/prod/DB_PASSWORD",
    "app/prod/API_KEY",
  ]
}

# Attach the read policy to the application's role.
output "app_secret_arns" {
  value = planton_aws_secrets.app.secret_arn_map
}

output "app_read_policy" {
  value = planton_aws_secrets.app.read_policy_json
}
