//! One owner per secret: a secret belongs to the resource instance whose
//! random id it carries, and nothing is adopted, restored, tagged or
//! deleted on another owner's behalf. Every step checks Terraform's answer
//! and the server (through the probe and the recording proxy).

use std::collections::BTreeMap;

use crate::harness::registry::one_line;
use crate::harness::scenario::{RELEASED_TAG, WRITES};
use crate::harness::{
    for_each_terraform, name_set, ownership_tags, secrets_resource, Scenario, SecretsResource,
};

const X: &str = "planton_aws_secrets.x";
const Y: &str = "planton_aws_secrets.y";
fn assert_mentions(text: &str, expected: &[&str], context: &str) {
    for phrase in expected {
        assert!(
            text.contains(phrase),
            "{context}: expected {phrase:?} in: {text}"
        );
    }
}

/// Writes `x` with `names`, initialises, applies, and returns what state records.
fn first_apply(sc: &Scenario, names: &[&str]) -> SecretsResource {
    sc.write_main("", &secrets_resource("x", names));
    sc.init();
    sc.apply();
    sc.secrets(X)
}

fn no_extra_tags() -> BTreeMap<String, String> {
    BTreeMap::new()
}

#[test]
fn identical_names_in_one_configuration_fail_at_plan_and_replace_still_plans() {
    for_each_terraform("ownership_same_configuration", |tf| {
        let sc = Scenario::new(tf, "own-dup");
        let [a, b] = ["A", "B"].map(|s| sc.name(s));
        sc.write_main(
            "",
            &format!(
                "{}\n{}",
                secrets_resource("x", &[&a, &b]),
                secrets_resource("y", &[&b, &a])
            ),
        );
        sc.init();
        sc.proxy.clear();
        let out = sc.try_apply();
        out.assert_failure();
        assert_mentions(
            &one_line(&out.stderr),
            &[
                "2 secret name(s) listed by two resources",
                &format!("\"{a}\", \"{b}\""),
                "listed by another planton_aws_secrets resource of this provider configuration",
            ],
            "duplicate names",
        );
        assert!(
            sc.proxy.operation_names().is_empty(),
            "no AWS call at all: {:?}",
            sc.proxy.operation_names()
        );
        assert_eq!(sc.probe.describe(&a), None);
        assert_eq!(sc.probe.describe(&b), None);

        // One resource: a plain -replace plans (the double plan of a
        // replacement is one resource) and hands the secrets over: the new
        // object continues the old one (same id, same ARNs) and AWS sees
        // no write but the handover mark.
        sc.write_main("", &secrets_resource("x", &[&a, &b]));
        sc.apply();
        let created = sc.secrets(X);
        let replace = format!("-replace={X}");
        sc.tf(&[
            "plan",
            "-detailed-exitcode",
            "-input=false",
            "-no-color",
            &replace,
        ])
        .assert_code(2);
        sc.proxy.clear();
        sc.tf(&[
            "apply",
            "-auto-approve",
            "-input=false",
            "-no-color",
            &replace,
        ])
        .assert_success();
        let replaced = sc.secrets(X);
        assert_eq!(replaced.arns, created.arns, "a replacement keeps the ARNs");
        assert_eq!(
            replaced.id, created.id,
            "the replacement continues the old id"
        );
        assert!(!replaced.tainted);
        sc.assert_no_writes_but_the_mark("-replace");
        for name in [&a, &b] {
            assert!(
                !sc.describe(name).tags.contains_key(RELEASED_TAG),
                "{name} was never released"
            );
        }
        sc.assert_server_matches(&replaced, &no_extra_tags());
        sc.assert_empty_plan();
    });
}

#[test]
fn the_same_names_in_two_working_directories_have_one_owner() {
    for_each_terraform("ownership_two_directories", |tf| {
        let one = Scenario::new(tf, "own-two");
        let [a, b, c] = ["A", "B", "C"].map(|s| one.name(s));
        let first = first_apply(&one, &[&a, &b]);

        // A second state creating the same names: refused before any write.
        let other = Scenario::new(tf, "own-two-other");
        other.write_main("", &secrets_resource("x", &[&a, &b, &c]));
        other.init();
        let out = other.try_apply();
        out.assert_failure();
        assert_mentions(
            &one_line(&out.stderr),
            &[
                "2 secret name(s) already exist and are not this resource's",
                &format!(
                    "\"{a}\": it exists and belongs to another planton_aws_secrets resource (id {})",
                    first.id
                ),
                "Nothing was created or changed",
            ],
            "second create",
        );
        other.assert_no_writes("second create");
        assert!(other.state().addresses().is_empty());
        assert_eq!(other.probe.describe(&c), None, "{c} must not be created");
        one.assert_server_matches(&first, &no_extra_tags());

        // The second owns {c}; adding a name of the first fails for that name.
        other.write_main("", &secrets_resource("x", &[&c]));
        other.apply();
        other.write_main("", &secrets_resource("x", &[&c, &a]));
        let out = other.try_apply();
        out.assert_failure();
        assert_mentions(
            &one_line(&out.stderr),
            &[
                "1 secret name(s) already exist and are not this resource's",
                "They were left untouched; the resource's other names are in place",
                &format!("\"{a}\": it exists and belongs to another planton_aws_secrets resource (id {})", first.id),
                "terraform state rm <ADDRESS>",
                &format!("terraform import <ADDRESS> '{}'", [a.as_str(), c.as_str()].join(",")),
            ],
            "second update",
        );
        // Destroying the second deletes nothing of the first.
        other.proxy.clear();
        other.destroy();
        assert_eq!(other.proxy.count("DeleteSecret"), 1);
        assert!(other.describe(&c).scheduled_for_deletion);
        one.assert_server_matches(&first, &no_extra_tags());
        one.assert_empty_plan();
    });
}

#[test]
fn a_new_resource_with_old_names_never_adopts_what_the_old_one_kept() {
    for_each_terraform("ownership_no_shared_id", |tf| {
        let sc = Scenario::new(tf, "own-pqr");
        let [p, q, r] = ["P", "Q", "R"].map(|s| sc.name(s));
        let pq = first_apply(&sc, &[&p, &q]);
        sc.write_main("", &secrets_resource("x", &[&r]));
        sc.apply();
        let x = sc.secrets(X);
        assert_eq!(x.id, pq.id);

        // y lists {p, q}: it restores those (clean planton secrets
        // scheduled for deletion), and r stays x's.
        sc.write_main(
            "",
            &format!(
                "{}\n{}",
                secrets_resource("x", &[&r]),
                secrets_resource("y", &[&p, &q])
            ),
        );
        sc.apply();
        let y = sc.secrets(Y);
        assert_ne!(y.id, x.id, "ids are random, never shared");
        assert_eq!(y.secret_names, name_set(&[&p, &q]));
        assert_eq!(y.arns, pq.arns, "restored with the same ARNs");
        assert_eq!(sc.secrets(X), x);
        sc.assert_server_matches(&x, &no_extra_tags());
        sc.assert_server_matches(&y, &no_extra_tags());
        sc.assert_empty_plan();

        // Destroying y deletes only y's.
        sc.write_main("", &secrets_resource("x", &[&r]));
        sc.apply();
        assert!(sc.describe(&p).scheduled_for_deletion);
        sc.assert_server_matches(&x, &no_extra_tags());
    });
}

#[test]
fn create_before_destroy_replacement_fails_before_deleting_anything() {
    for_each_terraform("ownership_create_before_destroy", |tf| {
        let sc = Scenario::new(tf, "own-cbd");
        let [a, b] = ["A", "B"].map(|s| sc.name(s));
        let body = secrets_resource("x", &[&a, &b]).replace(
            "\n}\n",
            "\n  lifecycle {\n    create_before_destroy = true\n  }\n}\n",
        );
        sc.write_main("", &body);
        sc.init();
        sc.apply();
        let before = sc.secrets(X);
        sc.proxy.clear();
        let out = sc.tf(&[
            "apply",
            "-auto-approve",
            "-input=false",
            "-no-color",
            &format!("-replace={X}"),
        ]);
        out.assert_failure();
        assert_mentions(
            &one_line(&out.stderr),
            &[
                "A planton_aws_secrets cannot be replaced with lifecycle create_before_destroy",
                "Remove create_before_destroy; a plain replacement hands the secrets over and keeps every ARN",
                &format!("Only if no state records {}", before.id),
                &before.id,
            ],
            "create_before_destroy",
        );
        sc.assert_no_writes("create_before_destroy");
        let after = sc.secrets(X);
        assert_eq!(after.arns, before.arns);
        assert_eq!(after.id, before.id);
        sc.assert_server_matches(&after, &no_extra_tags());
    });
}

#[test]
fn planted_secrets_are_neither_adopted_nor_restored() {
    for_each_terraform("ownership_planted", |tf| {
        let sc = Scenario::new(tf, "own-plant");
        let [live, scheduled, released, fresh] =
            ["LIVE", "SCHEDULED", "RELEASED", "FRESH"].map(|s| sc.name(s));
        // Someone who may create and tag secrets guesses an id and plants a
        // value and a policy; the scheduled ones even look like deleted
        // planton secrets, one of them released by its owner.
        let guessed_id = "asm-00000000000000000000000000000000";
        let guessed = ownership_tags(guessed_id);
        let mut guessed_released = guessed.clone();
        guessed_released.insert(RELEASED_TAG.into(), "true".into());
        sc.oob.create(&live, &guessed);
        let live_version = sc.oob.plant_value(&live, "planted-by-someone-else");
        sc.oob.create(&scheduled, &guessed);
        sc.oob.create(&released, &guessed_released);
        let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#;
        let mut planted_versions = BTreeMap::new();
        for name in [&scheduled, &released] {
            let version = sc.oob.plant_value(name, "planted-by-someone-else");
            sc.oob.put_policy(name, policy);
            sc.oob.schedule_deletion(name, 7);
            let versions = sc.oob.versions(name);
            assert!(versions.contains_key(&version));
            planted_versions.insert(name.clone(), versions);
        }
        let before: BTreeMap<&String, _> = [&live, &scheduled, &released]
            .into_iter()
            .map(|n| (n, sc.describe(n)))
            .collect();
        let live_versions = sc.oob.versions(&live);
        assert!(live_versions.contains_key(&live_version));

        sc.write_main(
            "",
            &secrets_resource("x", &[&live, &scheduled, &released, &fresh]),
        );
        sc.init();
        sc.proxy.clear();
        let out = sc.try_apply();
        out.assert_failure();
        let text = one_line(&out.stderr);
        assert_mentions(
            &text,
            &[
                "2 secret name(s) already exist and are not this resource's",
                &format!("\"{live}\": it exists and belongs to another planton_aws_secrets resource (id {guessed_id})"),
                // Not released by the id it carries: only that id restores it.
                &format!("\"{scheduled}\": it is scheduled for deletion but still belongs to planton_aws_secrets resource {guessed_id}, which did not release it (it was scheduled outside Terraform)"),
                &format!("\"{scheduled}\" were scheduled for deletion outside Terraform while resource {guessed_id} still owns them, and only that resource restores them"),
            ],
            "planted",
        );
        // Released and clean as far as DescribeSecret tells (AWS answers
        // nothing else on a scheduled secret): not refused before a write.
        assert!(!text.contains(&format!("- \"{released}\":")), "{text}");
        // The import is offered for the live one only, and only on the
        // condition that no state records the id it carries.
        assert_mentions(
            &text,
            &[
                &format!("Only if no state records {guessed_id}"),
                &format!("terraform import <ADDRESS> '{live}'"),
            ],
            "planted",
        );
        assert_eq!(
            text.matches("terraform import <ADDRESS>").count(),
            1,
            "{text}"
        );
        sc.assert_no_writes("planted");
        assert!(sc.state().addresses().is_empty());
        assert_eq!(sc.probe.describe(&fresh), None);
        for (name, info) in &before {
            assert_eq!(&sc.describe(name), info, "{name} must be untouched");
        }
        assert!(sc.describe(&scheduled).scheduled_for_deletion);
        assert!(sc.describe(&released).scheduled_for_deletion);
        assert_eq!(sc.oob.versions(&live), live_versions);
        for (name, versions) in &planted_versions {
            assert_eq!(&sc.oob.versions(name), versions);
            assert_eq!(sc.oob.policy(name).as_deref(), Some(policy));
        }

        // Alone, the released one is restored, found with a resource policy
        // once live, and scheduled again with the resource's window (the
        // one case where recovery schedules); the new name is made.
        sc.write_main("", &secrets_resource("x", &[&released, &fresh]));
        sc.proxy.clear();
        let since = std::time::SystemTime::now();
        let out = sc.try_apply();
        out.assert_failure();
        let text = one_line(&out.stderr);
        assert_mentions(
            &text,
            &[&format!(
                "\"{released}\": it is scheduled for deletion and carries planton tags, but it \
                 differs from what this provider makes: it has a resource policy, found once this \
                 apply restored it, so it was scheduled for deletion again (30-day recovery \
                 window: its deletion date moved)"
            )],
            "restored, then refused",
        );
        let arn = &before[&released].arn;
        let writes: Vec<(String, String)> = sc
            .proxy
            .operations()
            .into_iter()
            .filter(|op| {
                op.operation.as_deref().is_some_and(|o| WRITES.contains(&o))
                    && op.secret.as_deref() != Some(fresh.as_str())
            })
            .map(|op| {
                (
                    op.operation.unwrap_or_default(),
                    op.secret.unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            writes,
            [
                ("RestoreSecret".to_string(), arn.clone()),
                ("DeleteSecret".to_string(), arn.clone())
            ],
            "only the restore and the new schedule"
        );
        let again = sc.assert_scheduled(&released, 30.0, since);
        assert_eq!(&again.arn, arn);
        assert_eq!(again.tags, before[&released].tags, "never tagged");
        assert_eq!(sc.oob.policy(&released).as_deref(), Some(policy));
        assert_eq!(
            sc.secrets(X).arns.keys().collect::<Vec<_>>(),
            [&fresh],
            "only the new name is recorded"
        );
    });
}

#[test]
fn plans_name_the_secrets_they_will_delete() {
    for_each_terraform("ownership_deletion_warnings", |tf| {
        let sc = Scenario::new(tf, "own-warn");
        let names: Vec<String> = (0..13).map(|i| sc.name(&format!("N{i:02}"))).collect();
        let all: Vec<&str> = names.iter().map(String::as_str).collect();
        sc.write_main("", &secrets_resource("x", &all));
        sc.init();
        sc.apply();
        sc.write_main("", &secrets_resource("x", &all[..1]));
        let out = sc.plan_code(2);
        assert_mentions(
            &one_line(&out.combined()),
            &[
                "12 secret(s) will be scheduled for deletion",
                "with a recovery window of 30 days",
                &format!("\"{}\"", names[1]),
                &format!("\"{}\" and 2 more", names[10]),
            ],
            "removal plan",
        );
        sc.write_main("", &secrets_resource("x", &all));
        let out = sc.tf(&["plan", "-destroy", "-input=false", "-no-color"]);
        out.assert_success();
        let warned =
            one_line(&out.combined()).contains("13 secret(s) will be scheduled for deletion");
        // Terraform calls PlanResourceChange for destroys from 1.3 on, when
        // the provider asks for it (plan_destroy); 1.0 never does.
        assert_eq!(
            warned,
            tf.version_at_least((1, 3, 0)),
            "destroy plan warning with {}: {}",
            tf.name(),
            out.describe()
        );
        assert_eq!(sc.proxy.count("DeleteSecret"), 0, "plans delete nothing");
        sc.assert_server_matches(&sc.secrets(X), &no_extra_tags());
    });
}

#[test]
fn import_moves_ownership_and_the_previous_owner_lets_go() {
    for_each_terraform("ownership_import", |tf| {
        let one = Scenario::new(tf, "own-imp");
        let [a, b] = ["A", "B"].map(|s| one.name(s));
        let first = first_apply(&one, &[&a, &b]);

        let other = Scenario::new(tf, "own-imp-other");
        other.write_main("", &secrets_resource("y", &[&a]));
        other.init();
        let out = other.tf(&["import", "-input=false", "-no-color", Y, &a]);
        out.assert_success();
        assert_mentions(
            &one_line(&out.combined()),
            &[
                "Importing 1 secret(s) owned by another planton_aws_secrets resource",
                &first.id,
            ],
            "import",
        );
        let imported = other.secrets(Y);
        assert_ne!(imported.id, first.id, "import mints its own id");
        assert_eq!(imported.arns[&a], first.arns[&a]);
        // The plan moves the ownership tag in place; then it is empty.
        other.plan_update(Y);
        other.apply_saved_plan();
        let y = other.secrets(Y);
        assert_eq!(one.describe(&a).tags, ownership_tags(&y.id));
        other.assert_server_matches(&y, &no_extra_tags());
        other.assert_empty_plan();

        // The previous owner's refresh drops it with a warning, and does
        // not fight over its tags.
        one.proxy.clear();
        let out = one.tf(&[
            "apply",
            "-refresh-only",
            "-auto-approve",
            "-input=false",
            "-no-color",
        ]);
        out.assert_success();
        assert_mentions(
            &one_line(&out.combined()),
            &[
                "1 secret(s) now belong to another planton_aws_secrets resource",
                &y.id,
                &format!("\"{a}\""),
            ],
            "previous owner's refresh",
        );
        one.assert_no_writes("previous owner's refresh");
        assert_eq!(one.secrets(X).secret_names, name_set(&[&b]));
        one.write_main("", &secrets_resource("x", &[&b]));
        one.assert_empty_plan();
        one.destroy();
        other.assert_server_matches(&y, &no_extra_tags());
        other.destroy();
    });
}
