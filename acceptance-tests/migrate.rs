//! docs/guides/migrate.md, as written: secrets that hashicorp/aws manages
//! (`aws_secretsmanager_secret` with `for_each`) move to a
//! `planton_aws_secrets` in one apply, by the guide's `removed` and `import`
//! blocks (Terraform and OpenTofu 1.7 and later), or by its `terraform state
//! rm` and `terraform import` commands (older clients). Same ARNs; nothing
//! created, deleted or restored; the next plan is empty.
//!
//! hashicorp/aws comes from the filesystem mirror the machine image carries
//! (/opt/tf-plugins, or `PLANTON_AWS_PROVIDER_MIRROR`).

use std::collections::BTreeMap;

use crate::harness::hashicorp_aws::{providers, use_both_mirrors};
use crate::harness::{for_each_terraform, guide_block, Scenario};

/// The names the guide's blocks use.
const NAMES: [&str; 3] = [
    "app/prod/DB_PASSWORD",
    "app/prod/API_KEY",
    "app/prod/SMTP_PASSWORD",
];

#[test]
fn hashicorp_aws_secrets_move_as_the_migration_guide_says() {
    for_each_terraform(
        "hashicorp_aws_secrets_move_as_the_migration_guide_says",
        |tf| {
            // The guide's names are literal: an account of its own.
            let mut sc = Scenario::isolated(tf, "migrate-aws");
            use_both_mirrors(&mut sc);
            sc.wd
                .write("providers.tf", &providers(&sc, &["secretsmanager"], &[]));
            sc.wd
                .write("main.tf", &guide_block("migrate.md", "aws-before"));
            sc.init();
            sc.apply();
            let arns: BTreeMap<String, String> = NAMES
                .iter()
                .map(|n| (n.to_string(), sc.describe(n).arn))
                .collect();

            sc.proxy.clear();
            if tf.supports_removed_blocks() {
                sc.wd
                    .write("main.tf", &guide_block("migrate.md", "aws-after"));
                // The apply prints its plan: what the guide says it shows.
                let apply = sc.apply();
                apply.assert_stdout_contains("1 to import, 0 to add, 1 to change, 0 to destroy");
                apply.assert_stdout_contains(if tf.is_opentofu() {
                    "will be removed from the OpenTofu state but will not be destroyed"
                } else {
                    "will no longer be managed by Terraform"
                });
            } else {
                // The guide's commands, for clients without the blocks.
                sc.wd
                    .write("main.tf", &crate::harness::secrets_resource("app", &NAMES));
                sc.tf(&["state", "rm", "-no-color", "aws_secretsmanager_secret.app"])
                    .assert_success();
                sc.tf(&[
                    "import",
                    "-input=false",
                    "-no-color",
                    "planton_aws_secrets.app",
                    &NAMES.join(","),
                ])
                .assert_success();
                sc.apply();
            }
            for op in ["CreateSecret", "DeleteSecret", "RestoreSecret"] {
                assert_eq!(
                    sc.proxy.count(op),
                    0,
                    "{op} sent: {:?}",
                    sc.proxy.operation_names()
                );
            }
            let state = sc.state();
            assert_eq!(
                state.addresses(),
                ["planton_aws_secrets.app"],
                "{}",
                state.raw
            );
            let app = sc.secrets("planton_aws_secrets.app");
            assert_eq!(app.arns, arns);
            sc.assert_server_matches(&app, &BTreeMap::new());
            sc.assert_empty_plan();
        },
    );
}
