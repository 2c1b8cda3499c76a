//! Changes made outside Terraform: a secret deleted for good is planned
//! back as an in-place update and re-created; a secret scheduled for
//! deletion drops out of state on refresh and the next apply restores it
//! with its ARN.

use std::collections::BTreeMap;
use std::time::SystemTime;

use crate::harness::{for_each_terraform, name_set, secrets_resource, Scenario};

#[test]
fn secrets_deleted_or_scheduled_outside_terraform_come_back() {
    for_each_terraform(
        "secrets_deleted_or_scheduled_outside_terraform_come_back",
        |tf| {
            let sc = Scenario::new(tf, "drift");
            let [a, b, c] = ["A", "B", "C"].map(|s| sc.name(s));
            sc.write_main("", &secrets_resource("x", &[&a, &b, &c]));
            sc.init();
            sc.apply();
            let created = sc.secrets("planton_aws_secrets.x");
            sc.assert_server_matches(&created, &BTreeMap::new());

            // Someone deletes b for good: the plan adds it back, in place.
            sc.oob.force_delete(&b);
            assert_eq!(sc.probe.describe(&b), None);
            let (out, plan) = sc.plan_update("planton_aws_secrets.x");
            assert_eq!(plan.summary, Some((0, 1, 0)), "{}", out.describe());
            let change = &sc.saved_plan_change();
            assert_eq!(change["actions"], serde_json::json!(["update"]), "{change}");
            let before: Vec<&str> = change["before"]["secret_names"]
                .as_array()
                .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
                .unwrap_or_default();
            assert_eq!(name_set(&before), name_set(&[&a, &c]), "{change}");
            // Known ARNs stay known; only b's is unknown.
            assert_eq!(change["after"]["secret_arn_map"][&a], created.arns[&a]);
            assert_eq!(
                change["after_unknown"]["secret_arn_map"][&b],
                serde_json::json!(true),
                "{change}"
            );
            sc.apply_saved_plan();
            let recreated = sc.secrets("planton_aws_secrets.x");
            assert_eq!(recreated.id, created.id);
            assert_eq!(recreated.secret_names, name_set(&[&a, &b, &c]));
            assert_ne!(recreated.arns[&b], created.arns[&b], "b is a new secret");
            assert_eq!(recreated.arns[&a], created.arns[&a]);
            sc.assert_server_matches(&recreated, &BTreeMap::new());

            // Someone schedules c for deletion: refresh drops it from state.
            sc.oob.schedule_deletion(&c, 7);
            sc.tf(&["refresh", "-input=false", "-no-color"])
                .assert_success();
            let refreshed = sc.secrets("planton_aws_secrets.x");
            assert_eq!(refreshed.secret_names, name_set(&[&a, &b]));
            assert!(!refreshed.arns.contains_key(&c), "{refreshed:?}");
            // The next apply restores it, same ARN.
            let out = sc.apply();
            out.assert_stdout_contains("Resources: 0 added, 1 changed, 0 destroyed.");
            let restored = sc.secrets("planton_aws_secrets.x");
            assert_eq!(restored.arns, recreated.arns, "c keeps its ARN");
            sc.assert_server_matches(&restored, &BTreeMap::new());
            assert_eq!(sc.proxy.count("RestoreSecret"), 1);
            sc.assert_empty_plan();
        },
    );
}

#[test]
fn every_secret_deleted_outside_terraform_is_planned_back_in_place() {
    for_each_terraform(
        "every_secret_deleted_outside_terraform_is_planned_back_in_place",
        |tf| {
            let sc = Scenario::new(tf, "drift-all");
            let [a, b] = ["A", "B"].map(|s| sc.name(s));
            sc.write_main("", &secrets_resource("x", &[&a, &b]));
            sc.init();
            sc.apply();
            let created = sc.secrets("planton_aws_secrets.x");

            sc.oob.force_delete(&a);
            sc.oob.schedule_deletion(&b, 7);
            // The resource stays, with its id and no secrets; the plan adds
            // both back in place.
            sc.plan_update("planton_aws_secrets.x");
            sc.apply_saved_plan();
            let back = sc.secrets("planton_aws_secrets.x");
            assert_eq!(back.id, created.id);
            assert_eq!(back.secret_names, name_set(&[&a, &b]));
            assert_eq!(back.arns[&b], created.arns[&b], "b was restored");
            assert_ne!(back.arns[&a], created.arns[&a], "a was created anew");
            sc.assert_server_matches(&back, &BTreeMap::new());
            sc.assert_empty_plan();
        },
    );
}

#[test]
fn destroy_counts_secrets_already_gone_or_scheduled_as_deleted() {
    for_each_terraform(
        "destroy_counts_secrets_already_gone_or_scheduled_as_deleted",
        |tf| {
            let sc = Scenario::new(tf, "drift-destroy");
            let [a, b, c] = ["A", "B", "C"].map(|s| sc.name(s));
            sc.write_main("", &secrets_resource("x", &[&a, &b, &c]));
            sc.init();
            sc.apply();

            // Between Terraform's refresh and its delete, someone deletes a
            // for good and schedules b: -refresh=false keeps both in state.
            sc.oob.force_delete(&a);
            let scheduled_at = SystemTime::now();
            sc.oob.schedule_deletion(&b, 7);
            let destroyed_at = SystemTime::now();
            let out = sc.tf(&[
                "destroy",
                "-auto-approve",
                "-refresh=false",
                "-input=false",
                "-no-color",
            ]);
            out.assert_success();
            assert!(sc.state().addresses().is_empty(), "{}", sc.state().raw);
            assert_eq!(sc.probe.describe(&a), None);
            // b keeps the schedule it had; c is scheduled by the destroy.
            sc.assert_scheduled(&b, 7.0, scheduled_at);
            sc.assert_scheduled(&c, 30.0, destroyed_at);
        },
    );
}
