//! The harness itself: its Terraform clients, mirror and LocalStack probe
//! work, so a failure elsewhere is about the provider.

use crate::harness::terraform::{parse_version_line, Client};
use crate::harness::{
    for_each_terraform, mirror, require_localstack, terraform_versions, unique_prefix, Workdir,
};

#[test]
fn terraform_1_0_3_is_under_test() {
    let versions = terraform_versions();
    assert!(
        versions
            .iter()
            .any(|tf| tf.client == Client::Terraform && tf.version == "1.0.3"),
        "Terraform 1.0.3 must always be among the clients under test: {versions:?}"
    );
    // Every client is distinct.
    for (i, a) in versions.iter().enumerate() {
        for b in &versions[i + 1..] {
            assert_ne!(a.name(), b.name(), "duplicate client: {a:?} {b:?}");
        }
    }
}

/// Every client `scripts/install-clients` printed (`PLANTON_CLIENTS`) is
/// under test: none is dropped, whatever its version line looks like.
#[test]
fn every_listed_client_is_under_test() {
    let Some(list) = std::env::var_os("PLANTON_CLIENTS").filter(|l| !l.is_empty()) else {
        // Without a list, the clients on PATH are the ones under test: each
        // `terraform`/`tofu` there must be among them.
        let path = std::env::var_os("PATH").unwrap_or_default();
        for dir in std::env::split_paths(&path) {
            for program in ["terraform", "tofu"] {
                assert_under_test(&dir.join(program));
            }
        }
        return;
    };
    for path in std::env::split_paths(&list) {
        assert_under_test(&path);
    }
}

fn assert_under_test(path: &std::path::Path) {
    if !path.is_file() {
        return;
    }
    let out = std::process::Command::new(path)
        .arg("version")
        .env_remove("TF_CLI_CONFIG_FILE")
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", path.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let first = stdout.lines().next().unwrap_or_default();
    // A program of that name that is not a client is not one to test.
    let Some((client, version)) = parse_version_line(first) else {
        return;
    };
    let versions = terraform_versions();
    assert!(
        versions
            .iter()
            .any(|tf| (tf.client, &tf.version) == (client, &version)),
        "{} reports `{first}`, which is not among the clients under test: {versions:?}",
        path.display()
    );
}

#[test]
fn workdir_runs_terraform_with_the_harness_environment() {
    for_each_terraform(
        "workdir_runs_terraform_with_the_harness_environment",
        |tf| {
            let wd = Workdir::new(tf);
            let out = wd.run_ok(&["version"]);
            assert!(
                out.stdout
                    .starts_with(&format!("{} v{}", tf.client.name(), tf.version)),
                "{}",
                out.describe()
            );
            // The CLI config exists and names the mirror: no warning about a
            // missing configuration file (the machine image sets one).
            assert!(
                !out.stderr.contains("Unable to open CLI configuration file"),
                "{}",
                out.describe()
            );
            let cfg = std::fs::read_to_string(&wd.mirror().cli_config).unwrap();
            assert!(cfg.contains("filesystem_mirror"), "{cfg}");
            assert!(wd.mirror().binary.is_file());
            assert!(!out.leftover_processes);
        },
    );
}

#[test]
fn cli_config_names_the_mirror_and_excludes_direct_installation() {
    let text = mirror::cli_config_text(std::path::Path::new("/tmp/x \"y\"/mirror"));
    assert!(
        text.contains(r#"path    = "/tmp/x \"y\"/mirror""#),
        "{text}"
    );
    // Both default registries: Terraform resolves the source to
    // registry.terraform.io, OpenTofu to registry.opentofu.org.
    let both = r#"["registry.terraform.io/project-planton/planton", "registry.opentofu.org/project-planton/planton"]"#;
    assert!(text.contains(&format!("include = {both}")), "{text}");
    assert!(text.contains(&format!("exclude = {both}")), "{text}");
}

#[test]
fn unique_prefixes_differ_and_are_valid_secret_names() {
    let a = unique_prefix("some test");
    let b = unique_prefix("some test");
    assert_ne!(a, b);
    for p in [&a, &b] {
        assert!(p.len() < 64, "{p}");
        assert!(
            p.chars()
                .all(|c| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c)),
            "{p}"
        );
    }
}

#[test]
fn localstack_answers_describe_and_list() {
    let ls = require_localstack();
    let probe = ls.probe();
    let prefix = unique_prefix("selfcheck");
    assert_eq!(probe.describe(&format!("{prefix}absent")), None);
    assert!(probe.list_names_with_prefix(&prefix).is_empty());
}
