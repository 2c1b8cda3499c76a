//! The whole life of one `planton_aws_secrets`: create, an empty plan, add
//! and remove in one apply, reordering, destroy, and an immediate re-apply
//! that restores every secret with its ARN.

use std::collections::BTreeMap;
use std::time::SystemTime;

use crate::harness::scenario::RELEASED_TAG;
use crate::harness::{
    for_each_terraform, name_set, ownership_tags, policy_grants, secrets_resource, Scenario,
};

const OUTPUTS: &str = r#"
output "arns" {
  value = planton_aws_secrets.x.secret_arn_map
}

output "policy" {
  value = planton_aws_secrets.x.read_policy_json
}
"#;

#[test]
fn create_update_reorder_destroy_and_restore() {
    for_each_terraform("create_update_reorder_destroy_and_restore", |tf| {
        let sc = Scenario::new(tf, "lifecycle");
        // c uses every punctuation character a name may hold.
        let [a, b, c, d, e] = ["A", "B", "c/x_y+z=w.v@u-t", "D", "E"].map(|s| sc.name(s));
        let write = |names: &[&str]| {
            sc.write_main("", &format!("{}{OUTPUTS}", secrets_resource("x", names)));
        };

        // Create three.
        write(&[&a, &b, &c]);
        sc.init();
        let out = sc.apply();
        out.assert_stdout_contains("Resources: 1 added, 0 changed, 0 destroyed.");
        let created = sc.secrets("planton_aws_secrets.x");
        assert_eq!(created.secret_names, name_set(&[&a, &b, &c]));
        assert!(created.id.starts_with("asm-"), "{created:?}");
        assert_eq!(created.tags_all, ownership_tags(&created.id));
        sc.assert_server_matches(&created, &BTreeMap::new());
        // The outputs are what state records.
        let state = sc.state();
        let arns_output: BTreeMap<String, String> =
            serde_json::from_value(state.output("arns").cloned().unwrap_or_default())
                .expect("output arns is a map of strings");
        assert_eq!(arns_output, created.arns);
        assert_eq!(
            state.output("policy").and_then(|v| v.as_str()),
            Some(created.read_policy_json.as_str())
        );
        let (actions, resources) = policy_grants(&created.read_policy_json);
        assert_eq!(
            actions,
            [
                "secretsmanager:DescribeSecret",
                "secretsmanager:GetSecretValue"
            ]
            .map(String::from)
            .into()
        );
        assert_eq!(resources, created.arns.values().cloned().collect());

        // Nothing to do right after an apply.
        sc.assert_empty_plan();

        // Add two and remove one in one apply: an in-place update whose plan
        // keeps the ARNs of the names that stay and the id, and leaves
        // unknown only what the new names decide.
        write(&[&a, &c, &d, &e]);
        sc.plan_update("planton_aws_secrets.x");
        let change = sc.saved_plan_change();
        assert_eq!(change["after"]["id"], created.id.as_str(), "{change}");
        for kept in [&a, &c] {
            assert_eq!(
                change["after"]["secret_arn_map"][kept],
                created.arns[kept].as_str(),
                "{kept}: {change}"
            );
        }
        for added in [&d, &e] {
            assert_eq!(
                change["after_unknown"]["secret_arn_map"][added], true,
                "{added}: {change}"
            );
        }
        assert!(
            change["after"]["secret_arn_map"].get(&b).is_none()
                && change["after_unknown"]["secret_arn_map"].get(&b).is_none(),
            "{b} is being removed: {change}"
        );
        assert_eq!(
            change["after_unknown"]["read_policy_json"], true,
            "{change}"
        );
        assert_ne!(
            change["after_unknown"]["id"], true,
            "the id stays known: {change}"
        );
        let removed_at = SystemTime::now();
        let out = sc.apply_saved_plan();
        out.assert_stdout_contains("Resources: 0 added, 1 changed, 0 destroyed.");
        let updated = sc.secrets("planton_aws_secrets.x");
        assert_eq!(updated.id, created.id, "the id never changes");
        assert_eq!(updated.secret_names, name_set(&[&a, &c, &d, &e]));
        assert_eq!(updated.arns[&a], created.arns[&a]);
        assert_eq!(updated.arns[&c], created.arns[&c]);
        sc.assert_server_matches(&updated, &BTreeMap::new());
        let removed = sc.assert_scheduled(&b, 30.0, removed_at);
        assert_eq!(removed.arn, created.arns[&b]);
        let (_, resources) = policy_grants(&updated.read_policy_json);
        assert_eq!(resources, updated.arns.values().cloned().collect());

        // The same names in another order are no change.
        write(&[&e, &d, &c, &a]);
        sc.assert_empty_plan();

        // Destroy: every secret is scheduled for deletion, none is forced.
        let destroyed_at = SystemTime::now();
        let out = sc.destroy();
        out.assert_stdout_contains("Resources: 1 destroyed.");
        assert!(sc.state().addresses().is_empty(), "{}", sc.state().raw);
        // Each was released (tagged planton.ai/released) before it was
        // scheduled, so the next configuration naming it may restore it.
        for name in [&a, &c, &d, &e] {
            let info = sc.assert_scheduled(name, 30.0, destroyed_at);
            assert_eq!(info.arn, updated.arns[name]);
            assert_eq!(
                info.tags.get(RELEASED_TAG).map(String::as_str),
                Some("true")
            );
        }
        let b_removed = sc.assert_scheduled(&b, 30.0, removed_at);
        assert_eq!(
            b_removed.tags.get(RELEASED_TAG).map(String::as_str),
            Some("true")
        );

        // Applying the same configuration at once restores them all, with
        // their ARNs, instead of failing on "scheduled for deletion".
        let out = sc.apply();
        out.assert_stdout_contains("Resources: 1 added, 0 changed, 0 destroyed.");
        let restored = sc.secrets("planton_aws_secrets.x");
        assert_eq!(restored.arns, updated.arns, "restored with the same ARNs");
        sc.assert_server_matches(&restored, &BTreeMap::new());
        assert_eq!(sc.proxy.count("RestoreSecret"), 4, "a, c, d and e");
        for name in [&a, &c, &d, &e] {
            assert!(
                !sc.describe(name).tags.contains_key(RELEASED_TAG),
                "{name}: a restore takes the release back"
            );
        }
        // b stays where its removal put it.
        sc.assert_scheduled(&b, 30.0, removed_at);
        sc.assert_empty_plan();
    });
}
