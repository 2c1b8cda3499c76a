//! Acceptance tests: real Terraform clients driving the real provider binary
//! against LocalStack.
//!
//! Every test runs its scenario once per Terraform version the harness finds
//! (always v1.0.3, the oldest client speaking plugin protocol 6.0, plus every
//! other `terraform` on `PATH` with a distinct version) and reports which
//! versions it ran. Nothing here is ever skipped: a missing Terraform 1.0.3 or
//! an unreachable LocalStack fails the test with the command that fixes it.
//!
//! Run everything with `scripts/test`, or, with LocalStack already started by
//! `scripts/localstack start && scripts/localstack wait`:
//!
//! ```text
//! cargo test --test acceptance
//! ```
//!
//! Environment:
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
mod lifecycle;
mod logs;
mod no_value_ever;
mod ownership;
mod plan_basic;
mod provider_config;
mod recovery_window;
mod registry_install;
mod resilience_denied;
mod resilience_interrupt;
mod resilience_kill9;
mod resilience_quota;
mod resilience_retries_exhausted;
mod schema;
mod unknown_names;
mod validation;
