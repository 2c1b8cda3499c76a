//! No value, ever: through a full create / update / re-tag / drift /
//! destroy / restore / import / destroy cycle, with credential validation
//! and account lookup on, the recording proxy in front of LocalStack sees
//! only container and tag operations, never an operation that carries a
//! value, and never a DeleteSecret that skips the recovery window.
//!
//! (Every other scenario runs the same check after each Terraform command;
//! this one makes sure the cycle really sends every kind of operation.)

use std::collections::BTreeSet;

use crate::harness::proxy::ALLOWED_OPERATIONS;
use crate::harness::{for_each_terraform, required_providers_block, secrets_resource, Scenario};

#[test]
fn full_cycle_sends_no_value_operation_and_no_force_delete() {
    for_each_terraform(
        "full_cycle_sends_no_value_operation_and_no_force_delete",
        |tf| {
            let sc = Scenario::new(tf, "no-value");
            let [a, b, c, d] = ["A", "B", "C", "D"].map(|s| sc.name(s));
            let endpoint = sc.proxy.endpoint();
            let write = |names: &[&str], tags: &str| {
                sc.wd.write(
                    "main.tf",
                    &format!(
                        "{}\nprovider \"planton\" {{\n  region = \"us-east-1\"\n  endpoints {{\n    secretsmanager = \"{endpoint}\"\n    sts            = \"{endpoint}\"\n  }}\n  default_tags {{\n    tags = {{ {tags} }}\n  }}\n}}\n\n{}",
                        required_providers_block(),
                        secrets_resource("x", names)
                    ),
                );
            };

            write(&[&a, &b, &c], "team = \"one\"");
            sc.init();
            sc.apply();
            // Add, remove and re-tag (one tag replaced by another) in one apply.
            write(&[&a, &b, &d], "env = \"two\"");
            sc.apply();
            // Drift: one scheduled for deletion elsewhere, restored.
            sc.oob.schedule_deletion(&b, 7);
            sc.apply();
            sc.assert_empty_plan();
            // Destroy, then restore everything.
            sc.destroy();
            sc.apply();
            // Forget and import.
            let before = sc.secrets("planton_aws_secrets.x");
            sc.tf(&["state", "rm", "-no-color", "planton_aws_secrets.x"])
                .assert_success();
            let id = format!("{a},{b},{d}");
            sc.tf(&[
                "import",
                "-input=false",
                "-no-color",
                "planton_aws_secrets.x",
                &id,
            ])
            .assert_success();
            assert_eq!(sc.secrets("planton_aws_secrets.x").arns, before.arns);
            sc.destroy();

            // Scenario::tf already checked every command; check the whole
            // record once more and that the cycle sent every kind of call.
            sc.proxy.assert_no_value_ever("full cycle");
            let seen = sc.proxy.operation_set();
            let allowed: BTreeSet<String> =
                ALLOWED_OPERATIONS.iter().map(|s| s.to_string()).collect();
            assert!(seen.is_subset(&allowed), "{seen:?}");
            // Every allowed operation but ListSecrets, which refresh does not
            // need, and role assumption, which this configuration does not ask
            // for (the auth tests cover it), nor a key change (kms.rs does).
            let not_here = [
                "ListSecrets",
                "AssumeRole",
                "AssumeRoleWithWebIdentity",
                "UpdateSecret",
                "DescribeKey",
            ];
            for expected in ALLOWED_OPERATIONS
                .iter()
                .filter(|op| !not_here.contains(op))
            {
                assert!(
                    seen.contains(*expected),
                    "the cycle should have sent {expected}: {seen:?}"
                );
            }
            let deletes: Vec<_> = sc
                .proxy
                .operations()
                .into_iter()
                .filter(|op| op.operation.as_deref() == Some("DeleteSecret"))
                .collect();
            // c removed; a, b, d destroyed twice.
            assert!(deletes.len() >= 7, "{deletes:?}");
            assert!(deletes.iter().all(|op| !op.force_delete), "{deletes:?}");
        },
    );
}

/// The check above is not vacuous: a force delete sent through the proxy is
/// recorded as one and fails it.
#[test]
fn the_proxy_check_catches_a_force_delete() {
    let ls = crate::harness::require_localstack();
    let proxy = crate::harness::proxy::RecordingProxy::start(&ls.endpoint);
    let oob = crate::harness::out_of_band::OutOfBand::new(&proxy.endpoint(), "test");
    let name = format!(
        "{}forced",
        crate::harness::unique_prefix("no-value-selfcheck")
    );
    oob.create(&name, &Default::default());
    proxy.assert_no_value_ever("after CreateSecret");
    oob.force_delete(&name);
    let ops = proxy.operations();
    assert_eq!(ops.len(), 2, "{ops:?}");
    assert_eq!(ops[1].operation.as_deref(), Some("DeleteSecret"));
    assert_eq!(ops[1].secret.as_deref(), Some(name.as_str()));
    assert!(ops[1].force_delete, "{ops:?}");
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        proxy.assert_no_value_ever("after a force delete")
    }));
    assert!(caught.is_err(), "a force delete must fail the check");
    assert_eq!(ls.probe().describe(&name), None);
}
