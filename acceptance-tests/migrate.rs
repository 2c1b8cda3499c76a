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
use std::path::PathBuf;

use crate::harness::mirror::mirrored_addrs;
use crate::harness::{for_each_terraform, repo_root, Scenario};

const AWS_VERSION: &str = "5.100.0";
const AWS_ADDR: &str = "registry.terraform.io/hashicorp/aws";

/// The names the guide's blocks use.
const NAMES: [&str; 3] = [
    "app/prod/DB_PASSWORD",
    "app/prod/API_KEY",
    "app/prod/SMTP_PASSWORD",
];

/// The filesystem mirror holding hashicorp/aws; its absence fails the test.
fn aws_mirror() -> PathBuf {
    let root = std::env::var_os("PLANTON_AWS_PROVIDER_MIRROR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/opt/tf-plugins"));
    let dir = root.join(AWS_ADDR).join(AWS_VERSION);
    assert!(
        dir.is_dir(),
        "hashicorp/aws {AWS_VERSION} is needed at {} (a filesystem mirror; set \
         PLANTON_AWS_PROVIDER_MIRROR to its root)",
        dir.display()
    );
    root
}

/// The fenced block after `<!-- tested: NAME -->` in the guide.
fn guide_block(name: &str) -> String {
    let path = repo_root().join("docs/guides/migrate.md");
    let guide = std::fs::read_to_string(&path).expect("reading the migration guide");
    let marker = format!("<!-- tested: {name} -->");
    let after = guide
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

/// Both providers from filesystem mirrors, nothing from the network.
fn cli_config(sc: &Scenario) -> String {
    let ours: Vec<String> = mirrored_addrs().iter().map(|a| format!("{a:?}")).collect();
    format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path    = {:?}\n    include = [{}]\n  }}\n  filesystem_mirror {{\n    path    = {:?}\n    include = [{AWS_ADDR:?}]\n  }}\n}}\n",
        sc.wd.mirror().root.display().to_string(),
        ours.join(", "),
        aws_mirror().display().to_string(),
    )
}

/// `terraform {}` with both providers, and both provider blocks pointing at
/// the recording proxy.
fn providers(sc: &Scenario) -> String {
    let endpoint = sc.proxy.endpoint();
    format!(
        "terraform {{\n  required_providers {{\n    planton = {{\n      source = \"project-planton/planton\"\n    }}\n    aws = {{\n      source  = \"{AWS_ADDR}\"\n      version = \"{AWS_VERSION}\"\n    }}\n  }}\n}}\n\n{}\nprovider \"aws\" {{\n  region                      = \"us-east-1\"\n  skip_credentials_validation = true\n  skip_requesting_account_id  = true\n  skip_metadata_api_check     = true\n\n  endpoints {{\n    secretsmanager = \"{endpoint}\"\n    sts            = \"{endpoint}\"\n  }}\n}}\n",
        sc.provider_block("")
    )
}

#[test]
fn hashicorp_aws_secrets_move_as_the_migration_guide_says() {
    for_each_terraform(
        "hashicorp_aws_secrets_move_as_the_migration_guide_says",
        |tf| {
            // The guide's names are literal: an account of its own.
            let mut sc = Scenario::isolated(tf, "migrate-aws");
            let rc = sc.wd.path().join("../migrate.tfrc");
            std::fs::write(&rc, cli_config(&sc)).expect("writing the CLI configuration");
            sc.wd.env("TF_CLI_CONFIG_FILE", &rc.display().to_string());
            sc.wd.write("providers.tf", &providers(&sc));
            sc.wd.write("main.tf", &guide_block("aws-before"));
            sc.init();
            sc.apply();
            let arns: BTreeMap<String, String> = NAMES
                .iter()
                .map(|n| (n.to_string(), sc.describe(n).arn))
                .collect();

            sc.proxy.clear();
            if tf.supports_removed_blocks() {
                sc.wd.write("main.tf", &guide_block("aws-after"));
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
