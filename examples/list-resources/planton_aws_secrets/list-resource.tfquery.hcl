# Every group of secrets a planton_aws_secrets resource made in the
# provider's account and region: one result per ownership id.
list "planton_aws_secrets" "all" {
  provider = planton
}

# Only secrets under app/prod/, those scheduled for deletion included.
list "planton_aws_secrets" "prod" {
  provider = planton

  config {
    name_prefix       = "app/prod/"
    include_scheduled = true
  }
}
