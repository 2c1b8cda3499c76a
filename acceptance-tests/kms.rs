//! Production settings of one resource in one workdir: a customer KMS key
//! named by its alias (created on it, the read policy granting
//! `kms:Decrypt` on the key ARN the alias resolves to), a change of key as
//! an in-place update (UpdateSecret, nothing created or deleted), the data
//! source's grant for the same key, and the resource's own recovery window
//! for its destroy.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::SystemTime;

use crate::harness::{for_each_terraform, hcl_list, Scenario};

/// A KMS endpoint that answers DescribeKey with a customer key (the key
/// ARN asked about, else `key_arn`), and counts the calls. LocalStack 4.13.1's KMS cannot create a key on
/// the Python 3.11 it runs on (its CreateKey passes bytes to uuid5, which
/// takes them from Python 3.12 on), and its Secrets Manager accepts any
/// KmsKeyId without asking KMS, so the resolution of an alias is what
/// needs an endpoint. Returns the URL and the call counter.
fn kms_stub(key_arn: &'static str) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a port for the KMS stub");
    let url = format!("http://{}", listener.local_addr().expect("its address"));
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(&stream);
            let mut length = 0;
            let mut target = String::new();
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                let lower = line.to_ascii_lowercase();
                if let Some(value) = lower.strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap_or(0);
                }
                if lower.starts_with("x-amz-target:") {
                    target = line.clone();
                }
                line.clear();
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let answer = if target.contains("DescribeKey") {
                counted.fetch_add(1, Ordering::SeqCst);
                // A key ARN describes itself; anything else is the alias.
                let asked: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                let arn = asked["KeyId"]
                    .as_str()
                    .filter(|k| k.starts_with("arn:") && k.contains(":key/"))
                    .unwrap_or(key_arn);
                format!(
                    r#"{{"KeyMetadata":{{"KeyId":"{}","Arn":"{arn}","KeyManager":"CUSTOMER","Enabled":true}}}}"#,
                    arn.rsplit('/').next().unwrap_or_default()
                )
            } else {
                r#"{"__type":"UnsupportedOperationException","message":"stub"}"#.to_owned()
            };
            let status = if target.contains("DescribeKey") {
                "200 OK"
            } else {
                "400 Bad Request"
            };
            let _ = (&stream).write_all(
                format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/x-amz-json-1.1\r\nx-amzn-RequestId: stub-1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                    answer.len()
                )
                .as_bytes(),
            );
        }
    });
    (url, calls)
}

const FIRST: &str = "arn:aws:kms:us-east-1:000000000000:key/1111aaaa-12ab-34cd-56ef-1234567890ab";
const SECOND: &str = "arn:aws:kms:us-east-1:000000000000:key/2222bbbb-12ab-34cd-56ef-1234567890ab";

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
    for_each_terraform(
        "a_customer_key_by_alias_changes_in_place_and_the_resource_window_destroys",
        |tf| {
            let sc = Scenario::new(tf, "kms");
            let alias = format!("alias/{}app", sc.prefix.replace(['/', '.'], "-"));
            let (kms, describe_calls) = kms_stub(FIRST);
            let (first, second) = (FIRST.to_owned(), SECOND.to_owned());
            let [a, b] = ["A", "B"].map(|s| sc.name(s));
            let endpoint = sc.proxy.endpoint();
            let main = |key: &str, extra: &str| {
                format!(
                    "{}\nprovider \"planton\" {{\n  region = \"us-east-1\"\n  endpoints {{\n    secretsmanager = \"{endpoint}\"\n    sts            = \"{endpoint}\"\n    kms            = \"{kms}\"\n  }}\n  skip_credentials_validation = true\n  skip_requesting_account_id  = true\n}}\n\nresource \"planton_aws_secrets\" \"x\" {{\n  secret_names = {}\n  kms_key_id   = \"{key}\"\n{extra}}}\n",
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
                describe_calls.load(Ordering::SeqCst),
                1,
                "the alias, resolved once"
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

            // The resolved ARN is kept in state: no plan or apply since
            // asked KMS again.
            assert_eq!(describe_calls.load(Ordering::SeqCst), 1);

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
