//! Shared machinery for the acceptance tests.
//!
//! - [`terraform`]: the Terraform clients under test ([`terraform_versions`])
//!   and [`for_each_terraform`], which runs a scenario against each of them.
//! - [`mirror`]: the provider binary, laid out as a filesystem mirror, and the
//!   CLI configuration that makes Terraform install it from there.
//! - [`workdir`]: a throw-away Terraform working directory ([`Workdir`]) and
//!   the result of one command in it ([`TfOutput`]).
//! - [`localstack`]: the LocalStack endpoint ([`require_localstack`]) and a
//!   read-only view of its Secrets Manager ([`SecretsProbe`]) for asserting
//!   server truth.
//! - [`names`]: unique prefixes, so tests can run in parallel threads against
//!   one LocalStack.
//! - [`out_of_band`]: test-only SDK writes that simulate someone else
//!   changing secrets behind Terraform's back.
//! - [`proxy`]: the project's recording proxy in front of LocalStack, and the
//!   operations the provider may (and may never) send.
//! - [`state`]: the state file, `plan -json` lines and read policies, parsed.
//! - [`registry`]: releases made by `scripts/release` for this test run,
//!   the registry server in front of them, and the lock-file hashes to expect.
//! - [`resilience`]: the fault proxy, the server's view of a prefix, the
//!   state file and interruptible Terraform runs, for the fault-injection
//!   tests.
//! - [`sdk`]: the AWS SDK client the probe, the out-of-band writes and the
//!   clean-up of a prefix share.
//! - [`hashicorp_aws`]: hashicorp/aws from the image's filesystem mirror,
//!   beside this provider; [`iam`]: LocalStack's IAM as the server's truth
//!   about the policies it wires up.
//! - [`scenario`]: all of the above around one working directory
//!   ([`Scenario`]).

#![allow(dead_code)]

pub mod hashicorp_aws;
pub mod iam;
pub mod localstack;
pub mod mirror;
pub mod names;
pub mod out_of_band;
pub mod proxy;
pub mod registry;
pub mod resilience;
pub mod scenario;
pub mod sdk;
pub mod state;
pub mod terraform;
pub mod workdir;

#[allow(unused_imports)]
pub use localstack::{localstack_endpoint, require_localstack, LocalStack, SecretsProbe};
#[allow(unused_imports)]
pub use names::unique_prefix;
#[allow(unused_imports)]
pub use scenario::{hcl_list, name_set, ownership_tags, secrets_resource, Scenario};
#[allow(unused_imports)]
pub use state::{policy_grants, PlanJson, SecretsResource, TfState};
#[allow(unused_imports)]
pub use terraform::{for_each_terraform, terraform_versions, Terraform};
#[allow(unused_imports)]
pub use workdir::{TfOutput, Workdir};

use std::path::{Path, PathBuf};

/// The fenced `terraform` block after `<!-- tested: NAME -->` in
/// docs/guides/`guide`: what a guide shows is what its test runs.
pub fn guide_block(guide: &str, name: &str) -> String {
    let path = repo_root().join("docs/guides").join(guide);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let marker = format!("<!-- tested: {name} -->");
    let after = text
        .split_once(&marker)
        .unwrap_or_else(|| panic!("no {marker} in {}", path.display()))
        .1;
    let body = after
        .split_once("```terraform\n")
        .and_then(|(_, rest)| rest.split_once("\n```"))
        .unwrap_or_else(|| panic!("no terraform block after {marker}"))
        .0;
    format!("{body}\n")
}

/// The repository root (this package's manifest directory).
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `examples/<name>` in the repository.
pub fn example_dir(name: &str) -> PathBuf {
    repo_root().join("examples").join(name)
}

/// The provider's source address as users write it.
pub const PROVIDER_SOURCE: &str = "project-planton/planton";

/// The provider's fully qualified address, as Terraform prints it in
/// `providers schema -json` and the lock file. OpenTofu resolves the same
/// source to registry.opentofu.org: for the client under test use
/// [`Terraform::provider_addr`].
pub const PROVIDER_ADDR: &str = "registry.terraform.io/project-planton/planton";

/// The version the mirror offers: this package's version.
pub const PROVIDER_VERSION: &str = env!("CARGO_PKG_VERSION");

/// A `terraform { required_providers { ... } }` block for this provider.
pub fn required_providers_block() -> String {
    format!(
        "terraform {{\n  required_providers {{\n    planton = {{\n      source = \"{PROVIDER_SOURCE}\"\n    }}\n  }}\n}}\n"
    )
}
