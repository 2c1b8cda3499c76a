//! Names are checked before any AWS request: an invalid name or an empty
//! set fails the plan with the error on `secret_names`, and the recording
//! proxy in front of LocalStack sees nothing at all; a name that ends like
//! an ARN suffix plans with a warning.

use crate::harness::{for_each_terraform, hcl_list, secrets_resource, Scenario, TfOutput};

/// Line (1-based) of main.tf holding `needle`.
fn line_of(sc: &Scenario, needle: &str) -> usize {
    let text = sc.wd.read("main.tf");
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("{needle} not in main.tf:\n{text}"))
}

/// Asserts that the plan failed with an error pointing at the
/// `secret_names` line of main.tf, saying `what`, and that the proxy saw no
/// request at all.
fn assert_rejected_before_any_request(sc: &Scenario, out: &TfOutput, what: &[&str]) {
    out.assert_code(1);
    let stderr = out.stderr.split_whitespace().collect::<Vec<_>>().join(" ");
    let line = line_of(sc, "secret_names");
    assert!(
        stderr.contains(&format!(
            "on main.tf line {line}, in resource \"planton_aws_secrets\" \"x\""
        )),
        "the error should point at secret_names (main.tf line {line}): {}",
        out.describe()
    );
    assert!(stderr.contains("secret_names"), "{}", out.describe());
    for text in what {
        assert!(
            stderr.contains(text),
            "expected {text:?} in: {}",
            out.describe()
        );
    }
    assert_eq!(
        sc.proxy.operations(),
        vec![],
        "no AWS request may be sent before the names are valid: {}",
        out.describe()
    );
}

#[test]
fn invalid_names_fail_the_plan_before_any_aws_request() {
    for_each_terraform("invalid_names_fail_the_plan_before_any_aws_request", |tf| {
        let sc = Scenario::new(tf, "validation");
        let ok = sc.name("OK");
        // A resource in state, so a plan would refresh it if validation
        // did not stop everything first.
        sc.write_main("", &secrets_resource("x", &[&ok]));
        sc.init();
        sc.apply();
        sc.proxy.clear();

        let too_long = format!("{}{}", sc.prefix, "L".repeat(513));
        sc.write_main("", &secrets_resource("x", &[&ok, "bad name!", &too_long]));
        let out = sc.plan_code(1);
        assert_rejected_before_any_request(
            &sc,
            &out,
            &[
                "Invalid secret name \"bad name!\"",
                "' ', '!'",
                "the limit is 512",
            ],
        );

        sc.write_main(
            "",
            &format!(
                "resource \"planton_aws_secrets\" \"x\" {{\n  secret_names = {}\n}}\n",
                hcl_list(&[])
            ),
        );
        let out = sc.plan_code(1);
        assert_rejected_before_any_request(&sc, &out, &["No secret names"]);

        // The secret in state was never touched.
        assert!(!sc.describe(&ok).scheduled_for_deletion);
    });
}

#[test]
fn a_name_ending_like_an_arn_suffix_plans_with_a_warning() {
    for_each_terraform(
        "a_name_ending_like_an_arn_suffix_plans_with_a_warning",
        |tf| {
            let sc = Scenario::new(tf, "validation-warn");
            let name = sc.name("db-abc123");
            sc.write_main("", &secrets_resource("x", &[&name]));
            sc.init();
            let out = sc.plan_code(2);
            let all = out
                .combined()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            assert!(
                all.contains(&format!(
                    "Warning: Secret name \"{name}\" ends like an ARN suffix"
                )),
                "{}",
                out.describe()
            );
            assert!(
                all.contains("Plan: 1 to add, 0 to change, 0 to destroy."),
                "{}",
                out.describe()
            );
            // Planning a new resource needs nothing from AWS.
            assert_eq!(sc.proxy.operations(), vec![], "{}", out.describe());
        },
    );
}
