//! The access guide's wiring patterns, as written (docs/guides/access.md),
//! with hashicorp/aws: `count = length(read_policy_documents)` with a role
//! attachment, and `for_each = secret_arn_map`. Each step is one plain
//! `terraform apply` (no `-target`): from scratch, a name added (the one
//! that opens a second document), a name removed (back to one), then an
//! empty plan. The first plan already knows every `count` and `for_each`
//! key; after each apply, IAM (read directly from LocalStack) holds exactly
//! the documents and grants Terraform recorded, on the ARNs Secrets Manager
//! gave.

use std::collections::BTreeMap;
use std::time::Instant;

use serde_json::Value;

use crate::harness::hashicorp_aws::{providers, use_both_mirrors};
use crate::harness::iam::{attached_policies, policy_document};
use crate::harness::terraform::report;
use crate::harness::{
    for_each_terraform, guide_block, require_localstack, PlanJson, Scenario, TfState,
};

/// The guide's names of the role and its policies.
const ROLE: &str = "platform-secrets-auditor";

/// A secret name of exactly 100 characters: ARNs of one length, so 36 fit
/// one document and the 37th opens a second (`arns_per_document`).
fn long_name(i: usize) -> String {
    let name = format!("platform/service-{i:03}/DATABASE_PASSWORD_");
    format!("{name}{}", "X".repeat(100 - name.len()))
}

/// How many ARNs of names of `length` characters one document holds, by
/// the provider's documented arithmetic: 173 characters of document, each
/// ARN quoted and, but the first, after a comma; limit 6,144.
fn arns_per_document(length: usize) -> usize {
    let arn = "arn:aws:secretsmanager:us-east-1:000000000000:secret:".len() + length + 7;
    (6_144 - 173 + 1) / (arn + 3)
}

/// The instances of `<ty>.<name>` in state: index key (count index or
/// for_each key, as JSON) to attributes.
fn instances(state: &TfState, ty: &str, name: &str) -> BTreeMap<String, Value> {
    state.raw["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["mode"] == "managed" && r["type"] == ty && r["name"] == name)
        .flat_map(|r| r["instances"].as_array().cloned().unwrap_or_default())
        .map(|i| (i["index_key"].to_string(), i["attributes"].clone()))
        .collect()
}

fn strings(value: &Value) -> Vec<String> {
    serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{e}: {value}"))
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Writes the names both resources list.
fn write_names(sc: &Scenario, platform: &[String], apps: &[&str]) {
    let vars = serde_json::json!({ "secret_names": platform, "app_secret_names": apps });
    sc.wd.write("terraform.tfvars.json", &vars.to_string());
}

/// One plain apply (`-json`, so its own plan is read from it, with no
/// separate `terraform plan` and no `-target`): `read_all` instances by the
/// action its plan showed (`create`, `update`, `delete`) and `read_one`
/// keys likewise.
fn apply(sc: &Scenario, step: &str) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let out = sc.tf(&["apply", "-json", "-auto-approve", "-input=false"]);
    assert!(
        out.success(),
        "{step}: one plain apply must work: {}",
        out.describe()
    );
    let plan = PlanJson::parse(&out);
    let mut read_all = BTreeMap::new();
    let mut read_one = BTreeMap::new();
    for (address, action) in plan.changes {
        if let Some(index) = address.strip_prefix("aws_iam_policy.read_all[") {
            read_all.insert(index.trim_end_matches(']').to_owned(), action);
        } else if let Some(key) = address.strip_prefix("aws_iam_policy.read_one[") {
            read_one.insert(key.trim_end_matches(']').to_owned(), action);
        }
    }
    (read_all, read_one)
}

/// After an apply: Terraform's record and the servers' truth agree.
fn check_truth(sc: &Scenario, endpoint: &str, platform: &[String], apps: &[&str]) {
    let state = sc.state();
    let secrets = sc.secrets("planton_aws_secrets.platform");
    assert_eq!(secrets.secret_names.len(), platform.len());
    sc.assert_server_matches(&secrets, &BTreeMap::new());
    let documents = strings(
        &instances(&state, "planton_aws_secrets", "platform")["null"]["read_policy_documents"],
    );
    let expected = platform.len().div_ceil(arns_per_document(100));
    assert_eq!(documents.len(), expected, "{} names", platform.len());
    // IAM holds exactly these documents, attached to the role, one policy
    // per index.
    let attached = attached_policies(endpoint, &sc.access_key, ROLE);
    let names: Vec<String> = (0..documents.len())
        .map(|i| format!("read-platform-secrets-{i}"))
        .collect();
    assert_eq!(
        attached.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(),
        names,
        "attached policies"
    );
    for ((name, text), document) in attached.iter().zip(&documents) {
        assert_eq!(json(text), json(document), "{name}");
    }

    let apps_state = sc.secrets("planton_aws_secrets.apps");
    sc.assert_server_matches(&apps_state, &BTreeMap::new());
    let read_one = instances(&state, "aws_iam_policy", "read_one");
    assert_eq!(read_one.len(), apps.len());
    for name in apps {
        let attributes = &read_one[&format!("{name:?}")];
        let arn = attributes["arn"].as_str().unwrap();
        let granted = json(&policy_document(endpoint, &sc.access_key, arn));
        assert_eq!(
            granted["Statement"][0]["Resource"],
            sc.describe(name).arn.as_str(),
            "{name}"
        );
    }
}

#[test]
fn the_access_guides_wiring_applies_in_one_plain_apply_each_time() {
    for_each_terraform("wiring_patterns", |tf| {
        let started = Instant::now();
        // The guide's role and policy names are literal: an account of its own.
        let mut sc = Scenario::isolated(tf, "wiring");
        use_both_mirrors(&mut sc);
        let endpoint = require_localstack().endpoint.clone();
        sc.wd.write("providers.tf", &providers(&sc, &[], &["iam"]));
        sc.wd.write(
            "main.tf",
            &format!(
                "{}\n{}",
                guide_block("access.md", "count-documents"),
                guide_block("access.md", "for-each-arns")
            ),
        );
        let per_document = arns_per_document(100);
        assert_eq!(per_document, 36);
        let mut platform: Vec<String> = (0..per_document).map(long_name).collect();
        let mut apps = vec!["billing/prod/DB_PASSWORD", "search/prod/API_KEY"];
        write_names(&sc, &platform, &apps);
        sc.init();

        // From scratch: the first plan knows one document and both keys.
        let (read_all, read_one) = apply(&sc, "from scratch");
        assert_eq!(read_all, BTreeMap::from([("0".into(), "create".into())]));
        assert_eq!(read_one.len(), 2, "{read_one:?}");
        report(&format!(
            "acceptance: wiring ({}): first plan from scratch: count = 1 document, for_each = 2 keys: ok",
            tf.name()
        ));
        check_truth(&sc, &endpoint, &platform, &apps);

        // One name more: it opens a second document, which the plan knows.
        platform.push(long_name(per_document));
        apps.push("checkout/prod/STRIPE_KEY");
        write_names(&sc, &platform, &apps);
        let (read_all, read_one) = apply(&sc, "a name added");
        assert_eq!(
            read_all,
            BTreeMap::from([("0".into(), "update".into()), ("1".into(), "create".into())])
        );
        assert_eq!(
            read_one.values().collect::<Vec<_>>(),
            ["create"],
            "{read_one:?}"
        );
        check_truth(&sc, &endpoint, &platform, &apps);

        // One name fewer: back to one document, known entirely at plan.
        platform.remove(0);
        apps.remove(0);
        write_names(&sc, &platform, &apps);
        let (read_all, read_one) = apply(&sc, "a name removed");
        assert_eq!(
            read_all,
            BTreeMap::from([("0".into(), "update".into()), ("1".into(), "delete".into())])
        );
        assert_eq!(
            read_one.values().collect::<Vec<_>>(),
            ["delete"],
            "{read_one:?}"
        );
        check_truth(&sc, &endpoint, &platform, &apps);
        sc.assert_empty_plan();
        report(&format!(
            "acceptance: wiring ({}): {:.1}s",
            tf.name(),
            started.elapsed().as_secs_f64()
        ));
    });
}
