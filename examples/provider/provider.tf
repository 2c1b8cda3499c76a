terraform {
  required_providers {
    planton = {
      source  = "project-planton/planton"
      version = "~> 0.2"
    }
  }
}

# Credentials and region come from the standard AWS chain (environment,
# shared files, SSO, instance role) unless set here.
provider "planton" {
  region = "us-east-1"

  # Removed secrets stay recoverable this many days (7 to 30).
  recovery_window_in_days = 30

  default_tags {
    tags = {
      team        = "platform"
      environment = "prod"
    }
  }
}
