//! Plugin transport (go-plugin): handshake, mutual TLS and the services Terraform expects besides the provider.
