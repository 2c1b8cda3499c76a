//! Secrets the provider does not own are never taken over: a live untagged
//! secret, or one scheduled for deletion without planton tags, with a name
//! in the configuration gets a clear error and stays exactly as it was; a
//! create meeting one makes nothing, and removing the foreign names
//! converges.

use std::collections::BTreeMap;
use std::time::SystemTime;

use crate::harness::registry::one_line;
use crate::harness::{for_each_terraform, name_set, secrets_resource, Scenario};

#[test]
fn foreign_secrets_are_reported_and_left_untouched() {
    for_each_terraform("foreign_secrets_are_reported_and_left_untouched", |tf| {
        let sc = Scenario::new(tf, "foreign");
        let [a, b, live, gone] = ["A", "B", "LIVE", "GONE"].map(|s| sc.name(s));
        // Someone else's secrets: one live, one scheduled for deletion,
        // neither tagged by planton (the live one carries a tag of its own).
        let their_tags = BTreeMap::from([("owner".to_string(), "someone-else".to_string())]);
        let live_arn = sc.oob.create(&live, &their_tags);
        let gone_arn = sc.oob.create(&gone, &BTreeMap::new());
        let scheduled_at = SystemTime::now();
        sc.oob.schedule_deletion(&gone, 7);
        let live_before = sc.describe(&live);
        let gone_before = sc.describe(&gone);

        sc.write_main("", &secrets_resource("x", &[&a, &b, &live, &gone]));
        sc.init();
        let out = sc.try_apply();
        out.assert_failure();
        let stderr = out.stderr.replace('\n', " ");
        let stderr: String = stderr.split_whitespace().collect::<Vec<_>>().join(" ");
        // Each foreign secret is named, with what to do about it; no
        // interrupted apply of this provider could have made them, so no
        // ready import command is offered.
        for expected in [
            format!("\"{live}\": it exists and was not created by this provider"),
            format!("\"{live}\" were not made by this provider, or were changed since it made them, so no interrupted apply explains them and this resource will not take them"),
            format!(
                "\"{gone}\": it is scheduled for deletion and carries no planton ownership tags"
            ),
            format!("\"{gone}\" are scheduled for deletion and are not clean planton secrets, so this provider will not restore them"),
            "restore-secret --secret-id NAME".to_string(),
        ] {
            assert!(stderr.contains(&expected), "{expected}: {}", out.describe());
        }
        for offered in [
            "terraform import <ADDRESS>",
            "import {",
            "create_before_destroy",
        ] {
            assert!(!stderr.contains(offered), "{offered}: {}", out.describe());
        }
        // Untouched: same ARN, same tags, same deletion schedule.
        assert_eq!(sc.describe(&live), live_before);
        assert_eq!(live_before.arn, live_arn);
        assert_eq!(live_before.tags, their_tags);
        assert!(!live_before.scheduled_for_deletion);
        assert_eq!(sc.describe(&gone), gone_before);
        assert_eq!(gone_before.arn, gone_arn);
        sc.assert_scheduled(&gone, 7.0, scheduled_at);

        // The create made nothing.
        assert!(sc.state().secrets("planton_aws_secrets.x").is_none());
        assert_eq!(
            sc.probe.list_names_with_prefix(&sc.prefix),
            {
                let mut all = vec![gone.clone(), live.clone()];
                all.sort();
                all
            },
            "nothing was created"
        );

        // Without the foreign names the next apply converges, and the
        // foreign ones are still untouched.
        sc.write_main("", &secrets_resource("x", &[&a, &b]));
        sc.apply();
        let converged = sc.secrets("planton_aws_secrets.x");
        assert_eq!(converged.secret_names, name_set(&[&a, &b]));
        sc.assert_server_matches(&converged, &BTreeMap::new());
        assert_eq!(sc.describe(&live), live_before);
        assert_eq!(sc.describe(&gone), gone_before);
        sc.assert_empty_plan();
    });
}

#[test]
fn a_lost_state_is_recovered_by_import_and_another_resources_secrets_are_refused() {
    for_each_terraform(
        "a_lost_state_is_recovered_by_import_and_another_resources_secrets_are_refused",
        |tf| {
            let sc = Scenario::new(tf, "adopt");
            let [a, b, c] = ["A", "B", "C"].map(|s| sc.name(s));
            sc.write_main("", &secrets_resource("x", &[&a, &b]));
            sc.init();
            sc.apply();
            let created = sc.secrets("planton_aws_secrets.x");

            // A create whose state was lost (an interrupted apply): the id
            // that proved ownership is gone, so the apply stops with the
            // import that takes the secrets back, and changes nothing.
            sc.tf(&["state", "rm", "-no-color", "planton_aws_secrets.x"])
                .assert_success();
            sc.proxy.clear();
            let out = sc.try_apply();
            out.assert_failure();
            let stderr = one_line(&out.stderr);
            let import_id = format!("{a},{b}");
            assert!(
                stderr.contains(&format!("terraform import <ADDRESS> '{import_id}'"))
                    && stderr.contains(&format!("id = \"{import_id}\"")),
                "{}",
                out.describe()
            );
            sc.assert_no_writes("apply");
            if tf.version_at_least((1, 5, 0)) {
                // The import block the error gives, with the address filled in.
                let block = format!(
                    "import {{\n  to = planton_aws_secrets.x\n  id = \"{import_id}\"\n}}\n"
                );
                sc.write_main("", &format!("{block}{}", secrets_resource("x", &[&a, &b])));
                sc.apply();
                sc.write_main("", &secrets_resource("x", &[&a, &b]));
            } else {
                sc.tf(&[
                    "import",
                    "-input=false",
                    "-no-color",
                    "planton_aws_secrets.x",
                    &import_id,
                ])
                .assert_success();
                sc.apply();
            }
            let recovered = sc.secrets("planton_aws_secrets.x");
            assert_eq!(recovered.arns, created.arns);
            sc.assert_server_matches(&recovered, &BTreeMap::new());
            sc.assert_empty_plan();

            // A second resource of this configuration naming one of the
            // first one's secrets is refused at plan, before any AWS call.
            let a_before = sc.describe(&a);
            sc.write_main(
                "",
                &format!(
                    "{}\n{}",
                    secrets_resource("x", &[&a, &b]),
                    secrets_resource("y", &[&c, &a])
                ),
            );
            sc.proxy.clear();
            let out = sc.try_apply();
            out.assert_failure();
            let stderr = one_line(&out.stderr);
            assert!(
                stderr.contains("1 secret name(s) listed by two resources")
                    && stderr.contains(&format!("\"{a}\"")),
                "{}",
                out.describe()
            );
            sc.assert_no_writes("apply");
            assert_eq!(sc.describe(&a), a_before);
            assert_eq!(sc.secrets("planton_aws_secrets.x"), recovered);
            assert!(sc.state().secrets("planton_aws_secrets.y").is_none());
            assert_eq!(sc.probe.describe(&c), None, "nothing of y is created");
        },
    );
}
