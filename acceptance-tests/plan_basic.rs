//! `terraform plan` of examples/basic against LocalStack: one resource to
//! create, holding the example's names.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::harness::proxy::RecordingProxy;
use crate::harness::{for_each_terraform, require_localstack, Workdir};

/// The names examples/basic/main.tf lists.
const EXAMPLE_NAMES: [&str; 3] = [
    "demo/app/API_KEY",
    "demo/app/DB_PASSWORD",
    "demo/app/SESSION_SECRET",
];

fn is_unknown_everywhere(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Object(m) => !m.is_empty() && m.values().all(is_unknown_everywhere),
        _ => false,
    }
}

#[test]
fn plan_of_the_basic_example_creates_one_resource() {
    let ls = require_localstack();
    for_each_terraform("plan_of_the_basic_example_creates_one_resource", |tf| {
        let wd = Workdir::new(tf);
        wd.copy_example("basic");
        // Every name of the example is in the copy, as the test expects.
        let main = wd.read("main.tf");
        for name in EXAMPLE_NAMES {
            assert!(
                main.contains(name),
                "examples/basic/main.tf no longer lists {name}"
            );
        }
        wd.init();
        let proxy = RecordingProxy::start(&ls.endpoint);
        let var = format!("localstack_endpoint={}", proxy.endpoint());

        // The human plan.
        let out = wd.run(&[
            "plan",
            "-no-color",
            "-input=false",
            "-detailed-exitcode",
            "-var",
            &var,
            "-out=tfplan",
        ]);
        out.assert_code(2);
        assert!(
            out.stdout
                .contains("planton_aws_secrets.app will be created"),
            "{}",
            out.describe()
        );
        assert!(
            out.stdout
                .contains("Plan: 1 to add, 0 to change, 0 to destroy."),
            "{}",
            out.describe()
        );
        for name in EXAMPLE_NAMES {
            assert!(
                out.stdout.contains(&format!("\"{name}\"")),
                "{name}: {}",
                out.describe()
            );
        }

        // The saved plan, as JSON.
        let shown = wd.run_ok(&["show", "-json", "tfplan"]);
        let plan = shown.json();
        let changes = plan["resource_changes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(changes.len(), 1, "{}", shown.describe());
        let change = &changes[0];
        assert_eq!(change["address"], "planton_aws_secrets.app");
        assert_eq!(change["change"]["actions"], serde_json::json!(["create"]));
        let planned: BTreeSet<&str> = change["change"]["after"]["secret_names"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        assert_eq!(planned, EXAMPLE_NAMES.into_iter().collect(), "{change}");
        // secret_arn_map is unknown only for names being added: here, all.
        let unknown = &change["change"]["after_unknown"];
        assert!(
            is_unknown_everywhere(&unknown["secret_arn_map"]),
            "secret_arn_map should be unknown when every name is being added: {change}"
        );
    });
}
