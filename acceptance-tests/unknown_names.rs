//! Names known only after another resource is applied (here, built from a
//! first `planton_aws_secrets`'s `id`) plan as
//! unknown and apply correctly.

use std::collections::BTreeMap;

use crate::harness::{for_each_terraform, hcl_list, name_set, Scenario};

#[test]
fn names_from_another_resource_plan_unknown_and_apply() {
    for_each_terraform("names_from_another_resource_plan_unknown_and_apply", |tf| {
        let sc = Scenario::new(tf, "unknown-names");
        let base = sc.name("base");
        let fixed = sc.name("fixed");
        let prefix = &sc.prefix;
        sc.write_main(
            "",
            &format!(
                r#"
resource "planton_aws_secrets" "base" {{
  secret_names = {base_list}
}}

# One element unknown until base exists.
resource "planton_aws_secrets" "partly" {{
  secret_names = ["{fixed}", "{prefix}by-id/${{planton_aws_secrets.base.id}}"]
}}

# The whole set unknown until base exists (secret_arn_map's keys are known
# at plan, so the set is built from the id).
resource "planton_aws_secrets" "wholly" {{
  secret_names = [for part in split(",", planton_aws_secrets.base.id) : "{base}/copy"]
}}
"#,
                base_list = hcl_list(&[&base]),
            ),
        );
        sc.init();

        let (out, plan) = sc.plan_json_out();
        out.assert_code(2);
        assert_eq!(plan.summary, Some((3, 0, 0)), "{}", out.describe());
        assert!(
            plan.diagnostics_of("error").is_empty(),
            "{}",
            out.describe()
        );
        let shown = sc.tf(&["show", "-json", "tfplan"]);
        shown.assert_success();
        let changes = shown.json()["resource_changes"].clone();
        let change_of = |addr: &str| {
            changes
                .as_array()
                .and_then(|a| a.iter().find(|c| c["address"] == addr))
                .map(|c| c["change"].clone())
                .unwrap_or_else(|| panic!("no change for {addr}: {changes}"))
        };
        // partly: the fixed name is known, the other element is not.
        let partly = change_of("planton_aws_secrets.partly");
        let after = partly["after"]["secret_names"].as_array().cloned();
        let unknown = partly["after_unknown"]["secret_names"].as_array().cloned();
        let (Some(after), Some(unknown)) = (after, unknown) else {
            panic!("partly's secret_names should be a partly known set: {partly}");
        };
        assert!(after.contains(&serde_json::json!(fixed)), "{partly}");
        let mut flags: Vec<String> = unknown.iter().map(|u| u.to_string()).collect();
        flags.sort();
        assert_eq!(
            flags,
            ["false", "true"],
            "one element known, one not: {partly}"
        );
        // wholly: the set itself is unknown.
        let wholly = change_of("planton_aws_secrets.wholly");
        assert_eq!(
            wholly["after_unknown"]["secret_names"],
            serde_json::json!(true),
            "{wholly}"
        );

        sc.apply_saved_plan();
        let base_state = sc.secrets("planton_aws_secrets.base");
        let partly_state = sc.secrets("planton_aws_secrets.partly");
        let wholly_state = sc.secrets("planton_aws_secrets.wholly");
        let by_id = format!("{prefix}by-id/{}", base_state.id);
        assert_eq!(partly_state.secret_names, name_set(&[&fixed, &by_id]));
        assert_eq!(
            wholly_state.secret_names,
            name_set(&[format!("{base}/copy")])
        );
        for resource in [&base_state, &partly_state, &wholly_state] {
            sc.assert_server_matches(resource, &BTreeMap::new());
        }
        sc.assert_empty_plan();
    });
}
