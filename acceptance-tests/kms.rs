//! Production settings of one resource in one workdir: a customer KMS key
//! named by its alias (created on it, the read policy granting
//! `kms:Decrypt` on the key ARN the alias resolves to), a change of key as
//! an in-place update (UpdateSecret, nothing created or deleted), the data
//! source's grant for the same key, and the resource's own recovery window
//! for its destroy.

use std::time::SystemTime;

use aws_sdk_kms::config::{BehaviorVersion, Credentials, Region};

use crate::harness::{for_each_terraform, hcl_list, require_localstack, Scenario};

/// Creates a key (with `alias`, if given) in LocalStack; returns its ARN.
fn create_key(endpoint: &str, alias: Option<&str>) -> String {
    let config = aws_sdk_kms::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("test", "test", None, None, "kms-test"))
        .build();
    let client = aws_sdk_kms::Client::from_conf(config);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    rt.block_on(async {
        let key = client.create_key().send().await.expect("CreateKey");
        let arn = key.key_metadata.and_then(|m| m.arn).expect("a key ARN");
        if let Some(alias) = alias {
            client
                .create_alias()
                .alias_name(alias)
                .target_key_id(&arn)
                .send()
                .await
                .expect("CreateAlias");
        }
        arn
    })
}

/// The `kms:Decrypt` statement of a policy document: (key, ViaService).
fn decrypt_grant(policy: &str) -> Option<(String, String)> {
    let parsed: serde_json::Value = serde_json::from_str(policy).ok()?;
    let statement = parsed["Statement"]
        .as_array()?
        .iter()
        .find(|s| s["Action"] == "kms:Decrypt")?;
    Some((
        statement["Resource"].as_str()?.to_owned(),
        statement["Condition"]["StringEquals"]["kms:ViaService"]
            .as_str()?
            .to_owned(),
    ))
}

#[test]
fn a_customer_key_by_alias_changes_in_place_and_the_resource_window_destroys() {
    let ls = require_localstack();
    for_each_terraform(
        "a_customer_key_by_alias_changes_in_place_and_the_resource_window_destroys",
        |tf| {
            let sc = Scenario::new(tf, "kms");
            let alias = format!("alias/{}app", sc.prefix.replace(['/', '.'], "-"));
            let first = create_key(&ls.endpoint, Some(&alias));
            let second = create_key(&ls.endpoint, None);
            let [a, b] = ["A", "B"].map(|s| sc.name(s));
            let endpoint = sc.proxy.endpoint();
            let main = |key: &str, extra: &str| {
                format!(
                    "{}\nprovider \"planton\" {{\n  region = \"us-east-1\"\n  endpoints {{\n    secretsmanager = \"{endpoint}\"\n    sts            = \"{endpoint}\"\n    kms            = \"{endpoint}\"\n  }}\n  skip_credentials_validation = true\n  skip_requesting_account_id  = true\n}}\n\nresource \"planton_aws_secrets\" \"x\" {{\n  secret_names = {}\n  kms_key_id   = \"{key}\"\n{extra}}}\n",
                    crate::harness::required_providers_block(),
                    hcl_list(&[&a, &b]),
                )
            };
            let via = "secretsmanager.us-east-1.amazonaws.com".to_owned();

            // Created on the alias; the policy names the key behind it.
            sc.wd.write("main.tf", &main(&alias, ""));
            sc.init();
            sc.apply();
            let created = sc.secrets("planton_aws_secrets.x");
            for name in [&a, &b] {
                let key = sc.describe(name).kms_key_id.unwrap_or_default();
                assert!(
                    key == alias || key == first || key.ends_with(&alias),
                    "{name} on {key}"
                );
            }
            assert_eq!(
                decrypt_grant(&created.read_policy_json),
                Some((first.clone(), via.clone()))
            );
            assert_eq!(
                sc.proxy.count("DescribeKey"),
                1,
                "{:?}",
                sc.proxy.calls_by_type()
            );
            sc.assert_empty_plan();

            // Another key: in place, UpdateSecret only, same ARNs.
            sc.wd.write("main.tf", &main(&second, ""));
            sc.plan_update("planton_aws_secrets.x");
            let writes_before = (
                sc.proxy.count("CreateSecret"),
                sc.proxy.count("DeleteSecret"),
            );
            sc.apply();
            assert_eq!(sc.proxy.count("UpdateSecret"), 2);
            assert_eq!(
                (
                    sc.proxy.count("CreateSecret"),
                    sc.proxy.count("DeleteSecret")
                ),
                writes_before
            );
            let moved = sc.secrets("planton_aws_secrets.x");
            assert_eq!(moved.arns, created.arns);
            assert_eq!(sc.describe(&a).kms_key_id.as_deref(), Some(second.as_str()));
            assert_eq!(
                decrypt_grant(&moved.read_policy_json),
                Some((second.clone(), via.clone()))
            );

            // The data source grants the same key; the window is the
            // resource's, recorded for the destroy.
            let data = format!(
                "  recovery_window_in_days = 8\n}}\n\ndata \"planton_aws_secrets\" \"d\" {{\n  secret_names = {}\n",
                hcl_list(&[&a])
            );
            sc.wd.write("main.tf", &main(&second, &data));
            sc.apply();
            sc.assert_empty_plan();
            let state = sc.state();
            let read = state
                .data_source("planton_aws_secrets", "d")
                .expect("the data source in state");
            assert_eq!(
                decrypt_grant(read["read_policy_json"].as_str().unwrap_or_default()),
                Some((second.clone(), via.clone()))
            );
            let destroyed_at = SystemTime::now();
            sc.destroy();
            sc.assert_scheduled(&a, 8.0, destroyed_at);
            sc.assert_scheduled(&b, 8.0, destroyed_at);
        },
    );
}
