//! The provider's `default_tags` are on every secret; changing them is an
//! in-place update applied with TagResource/UntagResource, never a
//! replacement; removing one untags it; the ownership tags and tags someone
//! else put on a secret stay.

use std::collections::BTreeMap;

use crate::harness::registry::one_line;
use crate::harness::{for_each_terraform, ownership_tags, secrets_resource, Scenario};

fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn default_tags_block(pairs: &[(&str, &str)]) -> String {
    let lines: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("      {k} = \"{v}\""))
        .collect();
    format!(
        "\n  default_tags {{\n    tags = {{\n{}\n    }}\n  }}",
        lines.join("\n")
    )
}

#[test]
fn default_tags_are_applied_and_changed_in_place() {
    for_each_terraform("default_tags_are_applied_and_changed_in_place", |tf| {
        let sc = Scenario::new(tf, "default-tags");
        let [a, b] = ["A", "B"].map(|s| sc.name(s));
        let resource = secrets_resource("x", &[&a, &b]);

        sc.write_main(&default_tags_block(&[("team", "a")]), &resource);
        sc.init();
        sc.apply();
        let created = sc.secrets("planton_aws_secrets.x");
        let mut expected = ownership_tags(&created.id);
        expected.extend(tags(&[("team", "a")]));
        assert_eq!(created.tags_all, expected);
        sc.assert_server_matches(&created, &tags(&[("team", "a")]));
        for name in [&a, &b] {
            assert_eq!(sc.describe(name).tags, expected, "{name}");
        }
        // Someone else tags a secret; that tag is not the provider's.
        sc.oob.tag(&a, &tags(&[("owner", "someone-else")]));

        // Changed and added: one in-place update, nothing replaced.
        sc.write_main(
            &default_tags_block(&[("team", "b"), ("env", "x")]),
            &resource,
        );
        let (out, plan) = sc.plan_update("planton_aws_secrets.x");
        assert_eq!(plan.summary, Some((0, 1, 0)), "{}", out.describe());
        // Only tags_all changes: ARNs, policy and id stay known.
        let change = sc.saved_plan_change();
        for attr in ["id", "secret_arn_map", "read_policy_json", "secret_names"] {
            assert_eq!(
                change["before"][attr], change["after"][attr],
                "{attr}: {change}"
            );
            assert_ne!(change["after_unknown"][attr], true, "{attr}: {change}");
        }
        assert_eq!(change["after"]["tags_all"]["team"], "b", "{change}");
        assert_eq!(change["after"]["tags_all"]["env"], "x", "{change}");
        sc.proxy.clear();
        sc.apply_saved_plan();
        let retagged = sc.secrets("planton_aws_secrets.x");
        assert_eq!(retagged.id, created.id);
        assert_eq!(retagged.arns, created.arns);
        let mut expected = ownership_tags(&created.id);
        expected.extend(tags(&[("team", "b"), ("env", "x")]));
        assert_eq!(retagged.tags_all, expected);
        sc.assert_server_matches(&retagged, &tags(&[("team", "b"), ("env", "x")]));
        assert_eq!(sc.describe(&b).tags, expected);
        assert_eq!(sc.describe(&a).tags["owner"], "someone-else");
        for op in ["CreateSecret", "DeleteSecret", "RestoreSecret"] {
            assert_eq!(sc.proxy.count(op), 0, "{op} while re-tagging");
        }
        assert!(sc.proxy.count("TagResource") >= 2);

        // A default tag removed is untagged; nothing else is.
        sc.write_main(&default_tags_block(&[("env", "x")]), &resource);
        let out = sc.apply();
        out.assert_stdout_contains("Resources: 0 added, 1 changed, 0 destroyed.");
        let untagged = sc.secrets("planton_aws_secrets.x");
        let mut expected = ownership_tags(&created.id);
        expected.extend(tags(&[("env", "x")]));
        assert_eq!(untagged.tags_all, expected);
        assert_eq!(sc.describe(&b).tags, expected);
        let mut expected_a = expected.clone();
        expected_a.extend(tags(&[("owner", "someone-else")]));
        assert_eq!(sc.describe(&a).tags, expected_a);
        assert!(sc.proxy.count("UntagResource") >= 2);

        // A managed tag removed out of band is noticed and put back.
        sc.oob.untag(&b, &["env"]);
        sc.plan_update("planton_aws_secrets.x");
        sc.apply_saved_plan();
        assert_eq!(sc.describe(&b).tags, expected);

        // No default tags at all: only the ownership tags remain.
        sc.write_main("", &resource);
        sc.apply();
        assert_eq!(sc.describe(&b).tags, ownership_tags(&created.id));
        sc.assert_empty_plan();
    });
}

/// The whole `planton.ai/` namespace is the provider's own: a default tag
/// there, or one that only differs by case or surrounding spaces, is an
/// error on that key before any AWS call.
#[test]
fn default_tags_refuse_the_ownership_namespace_and_look_alikes() {
    for_each_terraform(
        "default_tags_refuse_the_ownership_namespace_and_look_alikes",
        |tf| {
            let sc = Scenario::new(tf, "default-tags-reserved");
            let a = sc.name("A");
            let keys = [
                "Planton.AI/resource-id",
                " planton.ai/x",
                "planton.ai/anything",
            ];
            let lines: Vec<String> = keys
                .iter()
                .map(|k| format!("      \"{k}\" = \"v\""))
                .chain(["      team = \"platform\"".to_owned()])
                .collect();
            sc.write_main(
                &format!(
                    "\n  default_tags {{\n    tags = {{\n{}\n    }}\n  }}",
                    lines.join("\n")
                ),
                &secrets_resource("x", &[&a]),
            );
            sc.init();
            for command in [
                &["validate", "-no-color"][..],
                &["plan", "-input=false", "-no-color"],
            ] {
                let out = sc.tf(command);
                out.assert_failure();
                let said = one_line(&out.combined());
                assert_eq!(
                    said.matches("Error: Reserved tag key").count(),
                    keys.len(),
                    "{}",
                    out.describe()
                );
                assert!(
                    said.contains(
                        "Tag key \"Planton.AI/resource-id\" is in the \"planton.ai/\" namespace \
                         (it reads as \"planton.ai/resource-id\" once case and surrounding spaces \
                         are ignored), which the provider reserves for the ownership tags it sets \
                         and reads itself to tell which resource owns a secret. Remove it from \
                         default_tags, or choose a key outside that namespace."
                    ),
                    "{}",
                    out.describe()
                );
                assert!(
                    said.contains("Tag key \" planton.ai/x\" is in the \"planton.ai/\" namespace (it reads as \"planton.ai/x\""),
                    "{}",
                    out.describe()
                );
                assert!(
                    said.contains("Tag key \"planton.ai/anything\" is in the \"planton.ai/\" namespace, which"),
                    "{}",
                    out.describe()
                );
                assert!(!said.contains("\"team\""), "{}", out.describe());
                // Terraform points at the provider block's default_tags.
                assert!(
                    said.contains("in provider \"planton\""),
                    "{}",
                    out.describe()
                );
            }
            assert!(
                sc.proxy.operations().is_empty(),
                "{:?}",
                sc.proxy.operation_names()
            );
            assert!(sc.probe.describe(&a).is_none());
        },
    );
}

/// `d00 = "v"` ... for `n` keys starting with `prefix`.
fn numbered(prefix: &str, n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|i| (format!("{prefix}{i:02}"), "v".to_string()))
        .collect()
}

fn block_of(pairs: &[(String, String)]) -> String {
    let refs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    default_tags_block(&refs)
}

/// AWS allows 50 tags per secret. Every tag the provider may add counts at
/// validate (45 default tags at most, with the numbers in the refusal);
/// a tag set elsewhere that leaves no room is named by the apply that needs
/// the room, which changes nothing on that secret; a renamed default tag is
/// added first unless that would pass 50. Through the strict-AWS proxy,
/// which refuses a 51st tag as AWS does.
#[test]
fn the_tag_limit_counts_every_provider_tag_and_names_tags_set_elsewhere() {
    for_each_terraform("default_tags_tag_limit", |tf| {
        let sc = Scenario::new(tf, "default-tags-limit");
        let a = sc.name("A");
        let resource = secrets_resource("x", &[&a]);

        sc.write_main(&block_of(&numbered("d", 46)), &resource);
        sc.init();
        let out = sc.tf(&["validate", "-no-color"]);
        out.assert_failure();
        let said = one_line(&out.combined());
        assert!(
            said.contains(
                "default_tags has 46 tags. AWS allows 50 tags per secret (keys starting with \
                 \"aws:\" not counted), and over a secret's life the provider adds 5 of its own: \
                 planton.ai/resource (at creation), planton.ai/resource-kind (at creation), \
                 planton.ai/resource-id (at creation), planton.ai/released (before scheduling it \
                 for deletion), planton.ai/handover (on one secret of an object being replaced, \
                 until its replacement continues it). 46 + 5 = 51, so at most 45 default tags \
                 fit: remove 1."
            ),
            "{}",
            out.describe()
        );
        assert!(sc.proxy.operations().is_empty());

        // 45 fit; someone else adds two tags: the secret carries 50.
        let mut defaults = numbered("d", 45);
        sc.write_main(&block_of(&defaults), &resource);
        sc.apply();
        sc.oob
            .tag(&a, &tags(&[("owner", "someone-else"), ("team", "other")]));
        assert_eq!(sc.describe(&a).tags.len(), 50);

        // A renamed default tag: adding first would make 51, so the old
        // key goes first, then the new one is added.
        defaults[0].0 = "e00".to_string();
        sc.write_main(&block_of(&defaults), &resource);
        sc.proxy.clear();
        sc.apply();
        let now = sc.describe(&a).tags;
        assert_eq!(now.len(), 50, "{now:?}");
        assert!(
            now.contains_key("e00") && !now.contains_key("d00"),
            "{now:?}"
        );
        assert_eq!(now["owner"], "someone-else");
        let tagging: Vec<String> = sc
            .proxy
            .operation_names()
            .into_iter()
            .filter(|op| op.ends_with("Resource"))
            .collect();
        assert_eq!(
            tagging,
            ["UntagResource", "TagResource"],
            "the secret's described tags leave no room: removed first, then added"
        );
        sc.assert_empty_plan();

        // Destroy needs room for planton.ai/released: none, so nothing is
        // changed and the error names the tag set elsewhere.
        let out = sc.tf(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
        out.assert_failure();
        let said = one_line(&out.combined());
        assert!(
            said.contains("2 were set outside this provider: \"owner\", \"team\""),
            "{}",
            out.describe()
        );
        assert!(!sc.describe(&a).scheduled_for_deletion);
        assert_eq!(sc.describe(&a).tags, now);
        assert!(sc.secrets("planton_aws_secrets.x").arns.contains_key(&a));

        // Without it, destroy releases and schedules the secret.
        sc.oob.untag(&a, &["owner", "team"]);
        sc.destroy();
        let gone = sc.describe(&a);
        assert!(gone.scheduled_for_deletion);
        assert_eq!(gone.tags["planton.ai/released"], "true");
    });
}
