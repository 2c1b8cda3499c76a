//! `terraform providers schema -json` shows the schema DESIGN.md promises.

use serde_json::{json, Value};

use crate::harness::{for_each_terraform, required_providers_block, Workdir};

/// Attribute `name` of `block`, or a failure naming what is there.
fn attribute<'a>(block: &'a Value, name: &str, context: &str) -> &'a Value {
    let attr = &block["attributes"][name];
    assert!(
        attr.is_object(),
        "{context}: no attribute `{name}`; attributes: {:?}",
        block["attributes"]
            .as_object()
            .map(|m| m.keys().collect::<Vec<_>>())
    );
    attr
}

fn flag(attr: &Value, key: &str) -> bool {
    attr[key].as_bool().unwrap_or(false)
}

/// Asserts an attribute's type and its required/optional/computed/sensitive
/// flags (absent counts as false).
fn assert_attr(
    block: &Value,
    name: &str,
    ty: Value,
    kind: &str, // "required" | "optional" | "computed" | "optional+computed"
    sensitive: bool,
    context: &str,
) {
    let attr = attribute(block, name, context);
    assert_eq!(attr["type"], ty, "{context}: type of `{name}`: {attr}");
    let (req, opt, comp) = match kind {
        "required" => (true, false, false),
        "optional" => (false, true, false),
        "computed" => (false, false, true),
        "optional+computed" => (false, true, true),
        other => panic!("bad kind {other}"),
    };
    assert_eq!(
        flag(attr, "required"),
        req,
        "{context}: `{name}` required: {attr}"
    );
    assert_eq!(
        flag(attr, "optional"),
        opt,
        "{context}: `{name}` optional: {attr}"
    );
    assert_eq!(
        flag(attr, "computed"),
        comp,
        "{context}: `{name}` computed: {attr}"
    );
    assert_eq!(
        flag(attr, "sensitive"),
        sensitive,
        "{context}: `{name}` sensitive: {attr}"
    );
}

/// Every attribute of `block` and of its nested blocks has a non-empty
/// description; returns the paths of those that have none.
fn undescribed(block: &Value, path: &str, missing: &mut Vec<String>) {
    if let Some(attrs) = block["attributes"].as_object() {
        for (name, attr) in attrs {
            let d = attr["description"].as_str().unwrap_or_default().trim();
            if d.is_empty() {
                missing.push(format!("{path}{name}"));
            }
        }
    }
    if let Some(blocks) = block["block_types"].as_object() {
        for (name, nested) in blocks {
            undescribed(&nested["block"], &format!("{path}{name}."), missing);
        }
    }
}

fn nested_block<'a>(block: &'a Value, name: &str, context: &str) -> &'a Value {
    let nested = &block["block_types"][name];
    assert!(
        nested.is_object(),
        "{context}: no block `{name}`; blocks: {:?}",
        block["block_types"]
            .as_object()
            .map(|m| m.keys().collect::<Vec<_>>())
    );
    let mode = nested["nesting_mode"].as_str().unwrap_or_default();
    // One block at most: `single`, or `list` with max_items 1.
    assert!(
        mode == "single" || (mode == "list" && nested["max_items"] == json!(1)),
        "{context}: block `{name}` should allow one block: {nested}"
    );
    &nested["block"]
}

#[test]
fn providers_schema_matches_the_contract() {
    for_each_terraform("providers_schema_matches_the_contract", |tf| {
        let wd = Workdir::new(tf);
        wd.write("main.tf", &required_providers_block());
        wd.init();
        let out = wd.run_ok(&["providers", "schema", "-json"]);
        let v = out.json();
        let addr = tf.provider_addr();
        let schema = &v["provider_schemas"][addr.as_str()];
        assert!(
            schema.is_object(),
            "no schema for {addr}: {}",
            out.describe()
        );

        // Provider block.
        let p = &schema["provider"]["block"];
        let ctx = "provider";
        let s = json!("string");
        let b = json!("bool");
        let n = json!("number");
        let list_s = json!(["list", "string"]);
        assert_attr(p, "region", s.clone(), "optional", false, ctx);
        assert_attr(p, "profile", s.clone(), "optional", false, ctx);
        assert_attr(
            p,
            "shared_config_files",
            list_s.clone(),
            "optional",
            false,
            ctx,
        );
        assert_attr(
            p,
            "shared_credentials_files",
            list_s,
            "optional",
            false,
            ctx,
        );
        assert_attr(p, "access_key", s.clone(), "optional", true, ctx);
        assert_attr(p, "secret_key", s.clone(), "optional", true, ctx);
        assert_attr(p, "token", s.clone(), "optional", true, ctx);
        assert_attr(
            p,
            "skip_credentials_validation",
            b.clone(),
            "optional",
            false,
            ctx,
        );
        assert_attr(p, "skip_requesting_account_id", b, "optional", false, ctx);
        assert_attr(
            p,
            "recovery_window_in_days",
            n.clone(),
            "optional",
            false,
            ctx,
        );
        assert_attr(p, "max_retries", n, "optional", false, ctx);
        for switch in [
            "use_fips_endpoint",
            "use_dualstack_endpoint",
            "insecure",
            "skip_metadata_api_check",
            "skip_region_validation",
        ] {
            assert_attr(p, switch, json!("bool"), "optional", false, ctx);
        }
        assert_attr(p, "retry_mode", s.clone(), "optional", false, ctx);
        let ignore_tags = nested_block(p, "ignore_tags", ctx);
        for set in ["keys", "key_prefixes"] {
            assert_attr(
                ignore_tags,
                set,
                json!(["set", "string"]),
                "optional",
                false,
                "ignore_tags",
            );
        }

        let endpoints = nested_block(p, "endpoints", ctx);
        assert_attr(
            endpoints,
            "secretsmanager",
            s.clone(),
            "optional",
            false,
            "endpoints",
        );
        assert_attr(endpoints, "sts", s.clone(), "optional", false, "endpoints");
        assert_attr(endpoints, "kms", s.clone(), "optional", false, "endpoints");
        let default_tags = nested_block(p, "default_tags", ctx);
        assert_attr(
            default_tags,
            "tags",
            json!(["map", "string"]),
            "optional",
            false,
            "default_tags",
        );

        // The resource.
        let resources = schema["resource_schemas"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            resources.keys().collect::<Vec<_>>(),
            vec!["planton_aws_secrets"],
            "resource types: {}",
            out.describe()
        );
        let r = &schema["resource_schemas"]["planton_aws_secrets"]["block"];
        let ctx = "planton_aws_secrets";
        assert_attr(
            r,
            "secret_names",
            json!(["set", "string"]),
            "required",
            false,
            ctx,
        );
        assert_attr(r, "id", s.clone(), "computed", false, ctx);
        assert_attr(
            r,
            "secret_arn_map",
            json!(["map", "string"]),
            "computed",
            false,
            ctx,
        );
        assert_attr(r, "read_policy_json", s, "computed", false, ctx);
        assert_attr(r, "kms_key_id", json!("string"), "optional", false, ctx);
        assert_attr(
            r,
            "recovery_window_in_days",
            json!("number"),
            "optional",
            false,
            ctx,
        );
        // The names, the key and the window are what a user sets: any
        // other attribute is computed only.
        let settable: Vec<&String> = r["attributes"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, a)| flag(a, "required") || flag(a, "optional"))
            .map(|(name, _)| name)
            .collect();
        assert_eq!(
            settable,
            vec!["kms_key_id", "recovery_window_in_days", "secret_names"],
            "{ctx}: settable attributes"
        );
        assert!(
            r["block_types"].as_object().is_none_or(|m| m.is_empty()),
            "{ctx}: no nested blocks expected: {}",
            r["block_types"]
        );

        // The identity (Terraform 1.12) and the list resource (1.14), shown
        // only by clients that have them.
        let identity = &schema["resource_identity_schemas"]["planton_aws_secrets"];
        if tf.supports_identity() {
            assert_eq!(identity["version"], 0, "{identity}");
            for (name, import) in [
                ("account_id", "optional_for_import"),
                ("region", "optional_for_import"),
                ("id", "required_for_import"),
            ] {
                let attr = &identity["attributes"][name];
                assert_eq!(attr["type"], "string", "identity {name}: {identity}");
                assert!(flag(attr, import), "identity {name} {import}: {identity}");
            }
        } else {
            assert!(identity.is_null(), "{}: {identity}", tf.name());
        }
        let list = &schema["list_resource_schemas"]["planton_aws_secrets"]["block"];
        if tf.supports_query() {
            let ctx = "list planton_aws_secrets";
            assert_attr(list, "name_prefix", json!("string"), "optional", false, ctx);
            assert_attr(
                list,
                "include_scheduled",
                json!("bool"),
                "optional",
                false,
                ctx,
            );
        } else {
            assert!(list.is_null(), "{}: {list}", tf.name());
        }

        // Descriptions everywhere.
        let mut missing = Vec::new();
        undescribed(p, "provider.", &mut missing);
        undescribed(r, "planton_aws_secrets.", &mut missing);
        if tf.supports_query() {
            undescribed(list, "list planton_aws_secrets.", &mut missing);
        }
        assert!(
            missing.is_empty(),
            "attributes without a description: {missing:?}"
        );
    });
}
