//! Acceptance tests: real Terraform and OpenTofu clients driving the real
//! provider binary against LocalStack.
//!
//! Every test runs its scenario once per client the harness finds (always
//! Terraform v1.0.3, the oldest client speaking plugin protocol 6.0, plus every
//! client listed in `PLANTON_CLIENTS`, else every `terraform` and `tofu` on
//! `PATH`, each with a distinct version) and reports which clients it ran.
//! Where Terraform and OpenTofu differ (wording, default registry), a test
//! asserts each one's own behaviour. Nothing here is ever skipped: a missing
//! Terraform 1.0.3 or an unreachable LocalStack fails the test with the
//! command that fixes it.
//!
//! Run everything with `scripts/test`, or, with LocalStack already started by
//! `scripts/localstack start && scripts/localstack wait`:
//!
//! ```text
//! cargo test --test acceptance
//! ```
//!
//! Environment:
//! - `PLANTON_CLIENTS`: a path list of clients, as `scripts/install-clients`
//!   prints them (`$(scripts/install-clients | paste -sd:)`).
//! - `PLANTON_TERRAFORM_1_0_3`: path of Terraform v1.0.3 (default
//!   `.cache/terraform/1.0.3/terraform`, installed by `scripts/install-terraform`).
//! - `PLANTON_LOCALSTACK_ENDPOINT`: LocalStack's URL (default
//!   `http://127.0.0.1:4566`).
//! - `PLANTON_ACCEPTANCE_TF_LOG`: passed to Terraform as `TF_LOG` (each
//!   working directory gets its own `terraform.log`); nothing else of the
//!   caller's `TF_*` or `AWS_*` environment reaches Terraform.
//!
//! One module per behaviour; [`harness`] holds the shared machinery.

mod harness;

mod access;
mod auth;
mod default_tags;
mod drift;
mod examples;
mod fail_fast;
mod foreign;
mod harness_selfcheck;
mod import;
mod init;
mod kms;
mod lifecycle;
mod logs;
mod migrate;
mod no_value_ever;
mod ownership;
mod plan_basic;
mod provider_config;
mod readiness;
mod recovery;
mod recovery_window;
mod registry_install;
mod resilience_denied;
mod resilience_interrupt;
mod resilience_kill9;
mod resilience_quota;
mod resilience_retries_exhausted;
mod retry;
mod schema;
mod takeover;
mod transport_tcp;
mod unknown_names;
mod validation;
