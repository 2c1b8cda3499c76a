# Terraform 1.12 and later: take in every secret that carries one ownership
# id (a planton_aws_secrets list block shows the ids: terraform query).
# account_id and region default to the provider's.
import {
  to = planton_aws_secrets.app
  identity = {
    id = "asm-0123456789abcdef0123456789abcdef"
  }
}
