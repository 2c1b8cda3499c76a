//! `terraform import planton_aws_secrets.x 'a,b,c'`: existing secrets come
//! into state so that the next plan is empty; a missing or scheduled name
//! is refused with an error naming it; the documented import.sh works as
//! written.

use std::collections::BTreeMap;
use std::time::SystemTime;

use crate::harness::{example_dir, for_each_terraform, name_set, secrets_resource, Scenario};

/// Error text with Terraform's line wrapping undone.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn import_after_state_rm_plans_nothing_and_refuses_missing_or_scheduled_names() {
    for_each_terraform(
        "import_after_state_rm_plans_nothing_and_refuses_missing_or_scheduled_names",
        |tf| {
            let sc = Scenario::new(tf, "import");
            let [a, b, c, missing, gone] = ["A", "B", "C", "MISSING", "GONE"].map(|s| sc.name(s));
            sc.write_main("", &secrets_resource("x", &[&a, &b, &c]));
            sc.init();
            sc.apply();
            let created = sc.secrets("planton_aws_secrets.x");
            sc.tf(&["state", "rm", "-no-color", "planton_aws_secrets.x"])
                .assert_success();
            assert!(sc.state().addresses().is_empty());

            // A missing name and a scheduled one: each is named.
            sc.oob.create(&gone, &BTreeMap::new());
            let scheduled_at = SystemTime::now();
            sc.oob.schedule_deletion(&gone, 7);
            let bad_id = format!("{a},{missing},{gone}");
            let out = sc.tf(&[
                "import",
                "-input=false",
                "-no-color",
                "planton_aws_secrets.x",
                &bad_id,
            ]);
            out.assert_failure();
            let stderr = one_line(&out.stderr);
            assert!(
                stderr.contains(&format!("Cannot import secret \"{missing}\""))
                    && stderr.contains("no secret with that name exists"),
                "the error should name {missing} as missing: {}",
                out.describe()
            );
            assert!(
                stderr.contains(&format!("Cannot import secret \"{gone}\""))
                    && stderr.contains("scheduled for deletion"),
                "the error should name {gone} as scheduled for deletion: {}",
                out.describe()
            );
            assert!(
                !stderr.contains(&format!("Cannot import secret \"{a}\"")),
                "{a} is importable: {}",
                out.describe()
            );
            assert!(sc.state().addresses().is_empty(), "{}", sc.state().raw);
            // Looking was all the import did.
            sc.assert_scheduled(&gone, 7.0, scheduled_at);
            assert_eq!(sc.probe.describe(&missing), None);

            // The names in any order: state records the secrets under a new
            // id, and the next apply moves the ownership tag to it in place.
            let id = format!("{c},{a},{b}");
            let out = sc.tf(&[
                "import",
                "-input=false",
                "-no-color",
                "planton_aws_secrets.x",
                &id,
            ]);
            out.assert_success();
            out.assert_stdout_contains("Import successful!");
            let imported = sc.secrets("planton_aws_secrets.x");
            assert_eq!(imported.secret_names, name_set(&[&a, &b, &c]));
            assert_eq!(imported.arns, created.arns);
            assert_eq!(imported.tags_all, created.tags_all);
            assert_ne!(imported.id, created.id, "an import mints its own id");
            sc.plan_update("planton_aws_secrets.x");
            sc.apply_saved_plan();
            let owned = sc.secrets("planton_aws_secrets.x");
            assert_eq!(owned.id, imported.id);
            assert_eq!(owned.arns, created.arns);
            sc.assert_server_matches(&owned, &BTreeMap::new());
            sc.assert_empty_plan();

            // A secret someone else made, imported: the plan shows the
            // ownership tags being added, in place, and the apply adds them.
            let theirs = sc.name("THEIRS");
            let their_arn = sc.oob.create(&theirs, &BTreeMap::new());
            sc.write_main(
                "",
                &format!(
                    "{}\n{}",
                    secrets_resource("x", &[&a, &b, &c]),
                    secrets_resource("y", &[&theirs])
                ),
            );
            sc.tf(&[
                "import",
                "-input=false",
                "-no-color",
                "planton_aws_secrets.y",
                &theirs,
            ])
            .assert_success();
            sc.plan_update("planton_aws_secrets.y");
            sc.apply_saved_plan();
            let y = sc.secrets("planton_aws_secrets.y");
            assert_eq!(y.arns[&theirs], their_arn);
            sc.assert_server_matches(&y, &BTreeMap::new());
            sc.assert_empty_plan();
        },
    );
}

#[test]
fn documented_import_command_works_as_written() {
    for_each_terraform("documented_import_command_works_as_written", |tf| {
        // The example's names are fixed: an account of its own.
        let sc = Scenario::isolated(tf, "import-example");
        sc.wd.copy_example("provider");
        sc.wd.copy_example("resources/planton_aws_secrets");
        sc.write_provider_override();
        let script = example_dir("resources/planton_aws_secrets").join("import.sh");
        let script_text = std::fs::read_to_string(&script).expect("reading import.sh");
        let import_line = script_text
            .lines()
            .find(|l| l.trim_start().starts_with("terraform import"))
            .unwrap_or_else(|| panic!("no `terraform import` line in import.sh:\n{script_text}"));
        // The names it imports are the ones resource.tf creates.
        let quoted = import_line
            .split('\'')
            .nth(1)
            .unwrap_or_else(|| panic!("no quoted import ID in: {import_line}"));
        let import_names: Vec<&str> = quoted.split(',').collect();
        let resource_tf = sc.wd.read("resource.tf");
        for name in &import_names {
            assert!(
                resource_tf.contains(&format!("\"{name}\"")),
                "import.sh imports {name}, which resource.tf does not list"
            );
        }
        assert!(
            import_line.contains("planton_aws_secrets.app"),
            "{import_line}"
        );

        sc.init();
        sc.apply();
        let created = sc.secrets("planton_aws_secrets.app");
        assert_eq!(created.secret_names, name_set(&import_names));
        sc.tf(&["state", "rm", "-no-color", "planton_aws_secrets.app"])
            .assert_success();

        let out = sc.wd.run_script(&script);
        sc.proxy.assert_no_value_ever("import.sh");
        out.assert_success();
        out.assert_stdout_contains("Import successful!");
        let imported = sc.secrets("planton_aws_secrets.app");
        assert_eq!(imported.arns, created.arns);
        assert_ne!(imported.id, created.id, "an import mints its own id");
        // The plan moves the ownership tag to the importer, in place. (Terraform
        // 1.0 drops the root outputs with `state rm` and lists them as "Changes
        // to Outputs", so the resource changes are read from `plan -json`.)
        let (out, plan) = sc.plan_json_out();
        out.assert_code(2);
        assert_eq!(
            plan.changes,
            vec![("planton_aws_secrets.app".to_string(), "update".to_string())],
            "{}",
            out.describe()
        );
        sc.apply_saved_plan();
        sc.assert_server_matches(&sc.secrets("planton_aws_secrets.app"), &BTreeMap::new());
        let (out, plan) = sc.plan_json_out();
        assert!(out.success() || out.code() == Some(2), "{}", out.describe());
        assert_eq!(plan.changes, vec![], "{}", out.describe());
        assert_eq!(plan.summary, Some((0, 0, 0)), "{}", out.describe());
    });
}
