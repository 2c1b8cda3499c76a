//! Secrets the provider does not own are never taken over: a live untagged
//! secret, or one scheduled for deletion without planton tags, with a name
//! in the configuration gets a clear error and stays exactly as it was,
//! while the other names are created and recorded, and removing the
//! foreign names converges.

use std::collections::BTreeMap;
use std::time::SystemTime;

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
        // Each foreign secret is named, with what to do about it.
        assert!(
            stderr.contains(&format!("Secret \"{live}\" already exists")),
            "{}",
            out.describe()
        );
        assert!(
            stderr.contains("terraform import") && stderr.contains(&format!("'{live},...'")),
            "the error should say how to import {live}: {}",
            out.describe()
        );
        assert!(
            stderr.contains(&format!(
                "Secret \"{gone}\" is scheduled for deletion and not owned by planton"
            )),
            "{}",
            out.describe()
        );
        assert!(
            stderr.contains(&format!("restore-secret --secret-id '{gone}'")),
            "the error should say how to restore {gone}: {}",
            out.describe()
        );

        // Untouched: same ARN, same tags, same deletion schedule.
        assert_eq!(sc.describe(&live), live_before);
        assert_eq!(live_before.arn, live_arn);
        assert_eq!(live_before.tags, their_tags);
        assert!(!live_before.scheduled_for_deletion);
        assert_eq!(sc.describe(&gone), gone_before);
        assert_eq!(gone_before.arn, gone_arn);
        sc.assert_scheduled(&gone, 7.0, scheduled_at);

        // The other names exist and state says so.
        let partial = sc.secrets("planton_aws_secrets.x");
        assert_eq!(partial.secret_names, name_set(&[&a, &b]), "{partial:?}");
        sc.assert_server_matches(&partial, &BTreeMap::new());
        assert_eq!(
            sc.probe.list_names_with_prefix(&sc.prefix),
            {
                let mut all = vec![a.clone(), b.clone(), gone.clone(), live.clone()];
                all.sort();
                all
            },
            "nothing else was created"
        );

        // Without the foreign names the next apply converges, keeping the
        // secrets it made, and the foreign ones are still untouched. (Terraform
        // marks an instance whose create returned errors as tainted, so this
        // apply replaces it: the provider deletes its secrets and restores
        // them, which keeps every ARN.)
        sc.write_main("", &secrets_resource("x", &[&a, &b]));
        let out = sc.apply();
        let converged = sc.secrets("planton_aws_secrets.x");
        assert!(!converged.tainted, "{converged:?}\n{}", out.describe());
        assert_eq!(converged.arns, partial.arns, "{}", out.describe());
        sc.assert_server_matches(&converged, &BTreeMap::new());
        assert_eq!(sc.describe(&live), live_before);
        assert_eq!(sc.describe(&gone), gone_before);
        sc.assert_empty_plan();
    });
}

#[test]
fn own_secrets_are_adopted_and_another_resources_are_refused() {
    for_each_terraform(
        "own_secrets_are_adopted_and_another_resources_are_refused",
        |tf| {
            let sc = Scenario::new(tf, "adopt");
            let [a, b, c] = ["A", "B", "C"].map(|s| sc.name(s));
            sc.write_main("", &secrets_resource("x", &[&a, &b]));
            sc.init();
            sc.apply();
            let created = sc.secrets("planton_aws_secrets.x");

            // A create whose state was lost (an interrupted apply): the same
            // configuration derives the same id and adopts its own secrets.
            sc.tf(&["state", "rm", "-no-color", "planton_aws_secrets.x"])
                .assert_success();
            sc.proxy.clear();
            let out = sc.apply();
            out.assert_stdout_contains("Resources: 1 added, 0 changed, 0 destroyed.");
            assert_eq!(sc.secrets("planton_aws_secrets.x"), created);
            assert_eq!(sc.proxy.count("RestoreSecret"), 0);
            assert_eq!(sc.proxy.count("DeleteSecret"), 0);

            // A second resource naming one of the first one's secrets is
            // refused, and the secret stays the first one's.
            let a_before = sc.describe(&a);
            sc.write_main(
                "",
                &format!(
                    "{}\n{}",
                    secrets_resource("x", &[&a, &b]),
                    secrets_resource("y", &[&c, &a])
                ),
            );
            let out = sc.try_apply();
            out.assert_failure();
            let stderr = out.stderr.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                stderr.contains(&format!("Secret \"{a}\" already exists"))
                    && stderr.contains(&format!(
                        "belongs to another planton_aws_secrets resource ({})",
                        created.id
                    )),
                "{}",
                out.describe()
            );
            assert_eq!(sc.describe(&a), a_before);
            assert_eq!(sc.secrets("planton_aws_secrets.x"), created);
            let y = sc.secrets("planton_aws_secrets.y");
            assert_eq!(y.secret_names, name_set(&[&c]));
            sc.assert_server_matches(&y, &BTreeMap::new());
        },
    );
}
