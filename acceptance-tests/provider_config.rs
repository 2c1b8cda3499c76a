//! The provider block is validated by `terraform validate`, with diagnostics
//! that name the offending argument and say what is allowed.

use crate::harness::{for_each_terraform, required_providers_block, Terraform, TfOutput, Workdir};

/// A resource that uses the provider. Terraform validates a provider's
/// configuration only when something in the configuration uses it; without
/// one, `terraform validate` would pass whatever the provider block says.
const RESOURCE: &str =
    "\nresource \"planton_aws_secrets\" \"x\" {\n  secret_names = [\"acc/validate/A\"]\n}\n";

/// A working directory with `provider "planton" { <body> }` and a resource
/// using it, initialised.
fn workdir_with_provider_body(tf: &Terraform, body: &str) -> Workdir {
    let wd = Workdir::new(tf);
    wd.write(
        "main.tf",
        &format!(
            "{}\nprovider \"planton\" {{\n{body}\n}}\n{RESOURCE}",
            required_providers_block()
        ),
    );
    wd.init();
    wd
}

/// The error diagnostics of `terraform validate -json`, as (summary + detail,
/// snippet code, start line).
fn json_errors(out: &TfOutput) -> Vec<(String, String, Option<u64>)> {
    let v = out.json();
    v["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| {
            (
                format!(
                    "{}\n{}",
                    d["summary"].as_str().unwrap_or_default(),
                    d["detail"].as_str().unwrap_or_default()
                ),
                d["snippet"]["code"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                d["range"]["start"]["line"].as_u64(),
            )
        })
        .collect()
}

/// Line (1-based) of the first line of main.tf containing `needle`.
fn line_of(wd: &Workdir, needle: &str) -> u64 {
    let text = wd.read("main.tf");
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i as u64 + 1)
        .unwrap_or_else(|| panic!("{needle} not in main.tf:\n{text}"))
}

fn assert_recovery_window_rejected(tf: &Terraform, value: i64) {
    let wd = workdir_with_provider_body(tf, &format!("  recovery_window_in_days = {value}"));

    let human = wd.run(&["validate", "-no-color"]);
    human.assert_failure();
    assert!(
        human.stderr.contains("recovery_window_in_days"),
        "stderr should name recovery_window_in_days: {}",
        human.describe()
    );

    let json = wd.run(&["validate", "-json", "-no-color"]);
    json.assert_failure();
    let errors = json_errors(&json);
    let expected_line = line_of(&wd, "recovery_window_in_days");
    assert!(
        errors.iter().any(|(text, code, line)| {
            text.contains('7')
                && text.contains("30")
                && code.contains("recovery_window_in_days")
                && *line == Some(expected_line)
        }),
        "expected an error on recovery_window_in_days (line {expected_line}) stating the 7..30 range: {}",
        json.describe()
    );
}

#[test]
fn validate_rejects_recovery_window_below_7() {
    for_each_terraform("validate_rejects_recovery_window_below_7", |tf| {
        assert_recovery_window_rejected(tf, 3);
    });
}

#[test]
fn validate_rejects_recovery_window_above_30() {
    for_each_terraform("validate_rejects_recovery_window_above_30", |tf| {
        assert_recovery_window_rejected(tf, 31);
    });
}

#[test]
fn validate_accepts_recovery_window_bounds_and_unknown_values() {
    for_each_terraform(
        "validate_accepts_recovery_window_bounds_and_unknown_values",
        |tf| {
            for value in ["7", "30", "var.window"] {
                let wd = Workdir::new(tf);
                wd.write(
                    "main.tf",
                    &format!(
                        "{}\nvariable \"window\" {{\n  type    = number\n  default = 14\n}}\n\nprovider \"planton\" {{\n  recovery_window_in_days = {value}\n}}\n{RESOURCE}",
                        required_providers_block()
                    ),
                );
                wd.init();
                wd.run_ok(&["validate", "-no-color"]);
            }
        },
    );
}

#[test]
fn validate_rejects_an_endpoint_that_is_not_a_url() {
    for_each_terraform("validate_rejects_an_endpoint_that_is_not_a_url", |tf| {
        let wd = workdir_with_provider_body(
            tf,
            "  endpoints {\n    secretsmanager = \"not a url\"\n  }",
        );

        let human = wd.run(&["validate", "-no-color"]);
        human.assert_failure();
        assert!(
            human.stderr.contains("endpoints") && human.stderr.contains("secretsmanager"),
            "stderr should name endpoints and secretsmanager: {}",
            human.describe()
        );

        let json = wd.run(&["validate", "-json", "-no-color"]);
        json.assert_failure();
        let errors = json_errors(&json);
        let expected_line = line_of(&wd, "not a url");
        assert!(
            errors.iter().any(|(text, code, line)| {
                text.contains("secretsmanager")
                    && code.contains("not a url")
                    && *line == Some(expected_line)
            }),
            "expected an error on endpoints.secretsmanager (line {expected_line}) naming it: {}",
            json.describe()
        );
    });
}

#[test]
fn validate_accepts_a_full_provider_block() {
    for_each_terraform("validate_accepts_a_full_provider_block", |tf| {
        let wd = workdir_with_provider_body(
            tf,
            r#"  region                      = "us-east-1"
  profile                     = "default"
  shared_config_files         = ["/nonexistent/config"]
  shared_credentials_files    = ["/nonexistent/credentials"]
  access_key                  = "test"
  secret_key                  = "test"
  token                       = "session"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  recovery_window_in_days     = 7
  max_retries                 = 5

  endpoints {
    secretsmanager = "http://127.0.0.1:4566"
    sts            = "http://127.0.0.1:4566"
  }

  default_tags {
    tags = {
      team = "platform"
    }
  }"#,
        );
        wd.run_ok(&["validate", "-no-color"]);
    });
}
