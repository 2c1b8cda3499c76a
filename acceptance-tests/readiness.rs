//! Readiness and hygiene without a value: the data source's `secrets`
//! metadata, `names_without_value` and `names_unused`, checked field by
//! field against what DescribeSecret tells the SDK, over secrets with and
//! without values (written with the SDK here, never through the provider),
//! one read by the SDK, one on a customer KMS key and one not made by the
//! provider. The recording proxy shows that reading the data source sent
//! DescribeSecret and nothing else, and the resource plans no change when
//! values are written.
//!
//! What LocalStack 4.13.1 keeps: LastAccessedDate, to the day (midnight),
//! as AWS does; a made-up customer key ARN at CreateSecret (it has no KMS
//! service to check it). What it does not: rotation. RotateSecret needs a
//! Lambda function, and the LocalStack the tests run has no Lambda service,
//! so this test asserts that refusal and `rotation_enabled` is checked here
//! only as false; the mapping of a rotated secret (and of every other
//! field) from an AWS DescribeSecret answer is the unit test
//! `describe_keeps_versions_dates_rotation_and_key_of_an_aws_answer` in
//! src/provider/secrets/sdk.rs.

use std::collections::BTreeMap;

use aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretOutput;
use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;
use serde_json::Value;

use crate::harness::sdk::Sdk;
use crate::harness::{
    for_each_terraform, hcl_list, require_localstack, secrets_resource, Scenario,
};

/// A customer managed key that does not exist: LocalStack records it as
/// given.
const CUSTOMER_KEY: &str =
    "arn:aws:kms:us-east-1:000000000000:key/5f0c2b1e-readiness-test-0000000000aa";

/// The SDK's own view of each secret, straight from LocalStack.
struct Server {
    sdk: Sdk,
}

impl Server {
    fn new(sc: &Scenario) -> Server {
        Server {
            sdk: Sdk::new(
                &require_localstack().endpoint,
                &sc.access_key,
                "planton-acceptance-readiness",
            ),
        }
    }

    fn describe(&self, name: &str) -> DescribeSecretOutput {
        self.sdk
            .block_on(self.sdk.client.describe_secret().secret_id(name).send())
            .unwrap_or_else(|e| panic!("DescribeSecret {name}: {e:?}"))
    }

    /// CreateSecret on a customer key, without a value.
    fn create_with_key(&self, name: &str, key: &str) {
        self.sdk
            .block_on(
                self.sdk
                    .client
                    .create_secret()
                    .name(name)
                    .kms_key_id(key)
                    .send(),
            )
            .unwrap_or_else(|e| panic!("CreateSecret {name} with a key: {e:?}"));
    }

    /// GetSecretValue, as the application would read its secret, so that
    /// LastAccessedDate is set. The value is dropped unseen.
    fn application_reads(&self, name: &str) {
        self.sdk
            .block_on(self.sdk.client.get_secret_value().secret_id(name).send())
            .unwrap_or_else(|e| panic!("GetSecretValue {name}: {e:?}"));
    }

    /// RotateSecret with a Lambda function; the error, since LocalStack
    /// here has no Lambda service.
    fn try_rotate(&self, name: &str) -> String {
        let result = self.sdk.block_on(
            self.sdk
                .client
                .rotate_secret()
                .secret_id(name)
                .rotation_lambda_arn("arn:aws:lambda:us-east-1:000000000000:function:rotate")
                .rotate_immediately(false)
                .send(),
        );
        match result {
            Ok(_) => panic!(
                "LocalStack rotated {name}: it can now rotate, so check rotation_enabled = true \
                 here instead of only in the unit test"
            ),
            Err(e) => format!("{:?}", e.into_service_error()),
        }
    }
}

/// Asserts that `date` (the data source's RFC 3339 text) is the SDK's
/// `expected` to the millisecond, or both are absent.
fn assert_date(what: &str, date: &Value, expected: Option<&DateTime>) {
    match (date.as_str(), expected) {
        (None, None) => assert!(date.is_null(), "{what}: {date}"),
        (Some(text), Some(expected)) => {
            assert!(text.ends_with('Z'), "{what}: not UTC: {text}");
            let parsed = DateTime::from_str(text, Format::DateTime)
                .unwrap_or_else(|e| panic!("{what}: {text} is not RFC 3339: {e}"));
            let off = (parsed.as_secs_f64() - expected.as_secs_f64()).abs();
            assert!(off <= 0.0005, "{what}: {text}, the SDK says {expected}");
        }
        (got, want) => panic!("{what}: the data source says {got:?}, the SDK {want:?}"),
    }
}

fn strings(v: &Value) -> Vec<String> {
    serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("not a list ({e}): {v}"))
}

#[test]
fn metadata_matches_describe_secret_and_never_touches_a_value() {
    for_each_terraform(
        "metadata_matches_describe_secret_and_never_touches_a_value",
        |tf| {
            let sc = Scenario::new(tf, "readiness");
            let server = Server::new(&sc);
            let [empty, filled, read, keyed, foreign] =
                ["app/EMPTY", "app/FILLED", "app/READ", "keyed", "foreign"].map(|s| sc.name(s));
            let ours = [empty.as_str(), filled.as_str(), read.as_str()];
            let resource = secrets_resource("app", &ours);
            sc.write_main("", &resource);
            sc.init();
            sc.apply();
            let id = sc.secrets("planton_aws_secrets.app").id;

            // Someone else writes values, an application reads one, other
            // teams make secrets of their own: all with the SDK.
            sc.oob.plant_value(&filled, "filled-by-its-owner");
            sc.oob.plant_value(&read, "read-by-the-app");
            server.application_reads(&read);
            server.create_with_key(&keyed, CUSTOMER_KEY);
            let team = BTreeMap::from([("team".to_string(), "another".to_string())]);
            sc.oob.create(&foreign, &team);
            sc.oob.plant_value(&foreign, "theirs");
            let refused = server.try_rotate(&foreign);
            assert!(refused.contains("Lambda"), "{refused}");

            // Values written behind the resource change nothing in its plan.
            sc.assert_empty_plan();

            let all = [&empty, &filled, &read, &keyed, &foreign].map(|s| s.as_str());
            sc.proxy.clear();
            sc.write_main(
                "",
                &format!(
                    "{resource}\ndata \"planton_aws_secrets\" \"all\" {{\n  secret_names      = {}\n  unused_after_days = 1\n}}\n\ndata \"planton_aws_secrets\" \"without_days\" {{\n  secret_names = {}\n}}\n",
                    hcl_list(&all),
                    hcl_list(&[empty.as_str()])
                ),
            );
            sc.apply();

            // Only DescribeSecret, for each data source name (the resource's
            // refresh describes its secrets too).
            assert_eq!(
                sc.proxy.operation_set(),
                ["DescribeSecret".to_string()].into(),
                "{:?}",
                sc.proxy.operation_names()
            );
            let described: Vec<String> = sc
                .proxy
                .operations()
                .into_iter()
                .filter_map(|op| op.secret)
                .collect();
            for name in all {
                assert!(
                    described.iter().any(|d| d == name),
                    "{name} not described: {described:?}"
                );
            }

            let state = sc.state();
            let data = state
                .data_source("planton_aws_secrets", "all")
                .unwrap_or_else(|| panic!("no data source in state: {}", state.raw));
            let secrets = data["secrets"]
                .as_object()
                .unwrap_or_else(|| panic!("secrets is not a map: {data}"));
            assert_eq!(secrets.len(), all.len(), "{data}");
            let expect_value = [
                (&empty, false),
                (&filled, true),
                (&read, true),
                (&keyed, false),
                (&foreign, true),
            ];
            for (name, has_value) in expect_value {
                let got = &secrets[name.as_str()];
                let truth = server.describe(name);
                let current = truth.version_ids_to_stages().is_some_and(|versions| {
                    versions
                        .values()
                        .any(|stages| stages.iter().any(|s| s == "AWSCURRENT"))
                });
                assert_eq!(current, has_value, "{name}: {truth:?}");
                assert_eq!(got["has_value"], Value::Bool(current), "{name}: {got}");
                assert_eq!(got["arn"], truth.arn().unwrap_or_default(), "{name}");
                assert_date(name, &got["created_date"], truth.created_date());
                assert_date(name, &got["last_changed_date"], truth.last_changed_date());
                assert_date(name, &got["last_accessed_date"], truth.last_accessed_date());
                assert_eq!(
                    got["rotation_enabled"],
                    Value::Bool(truth.rotation_enabled().unwrap_or(false)),
                    "{name}"
                );
                let owner = ours.contains(&name.as_str()).then_some(id.as_str());
                assert_eq!(got["owner_id"].as_str(), owner, "{name}: {got}");
                assert_eq!(
                    got["kms_key_id"].as_str(),
                    truth.kms_key_id(),
                    "{name}: {got}"
                );
            }
            // LocalStack keeps the day of the read, at midnight.
            let accessed = secrets[read.as_str()]["last_accessed_date"]
                .as_str()
                .unwrap_or_else(|| panic!("{read} was read: {}", secrets[read.as_str()]));
            assert!(accessed.ends_with("T00:00:00Z"), "{accessed}");
            assert!(secrets[filled.as_str()]["last_accessed_date"].is_null());
            assert_eq!(secrets[keyed.as_str()]["kms_key_id"], CUSTOMER_KEY);

            let mut without_value = vec![empty.clone(), keyed.clone()];
            without_value.sort();
            assert_eq!(strings(&data["names_without_value"]), without_value);
            // Everything here was made or read today: nothing is unused
            // after a day (the unit tests cover the day arithmetic).
            assert_eq!(strings(&data["names_unused"]), Vec::<String>::new());
            assert_eq!(data["unused_after_days"], 1);
            let plain = state
                .data_source("planton_aws_secrets", "without_days")
                .expect("the second data source");
            assert!(plain["names_unused"].is_null(), "{plain}");
            assert_eq!(strings(&plain["names_without_value"]), vec![empty]);
        },
    );
}

#[test]
fn unused_after_days_out_of_range_fails_validation_on_the_attribute() {
    for_each_terraform(
        "unused_after_days_out_of_range_fails_validation_on_the_attribute",
        |tf| {
            let sc = Scenario::new(tf, "readiness-days");
            for days in ["0", "3651"] {
                sc.write_main(
                    "",
                    &format!(
                        "data \"planton_aws_secrets\" \"x\" {{\n  secret_names      = [\"{}\"]\n  unused_after_days = {days}\n}}\n",
                        sc.name("a")
                    ),
                );
                if days == "0" {
                    sc.init();
                }
                let out = sc.tf(&["validate", "-no-color"]);
                out.assert_failure();
                let said = out
                    .combined()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                assert!(
                    said.contains(&format!(
                        "unused_after_days must be a whole number from 1 to 3650, but it is {days}."
                    )),
                    "{}",
                    out.describe()
                );
                assert!(said.contains("unused_after_days = "), "{}", out.describe());
                assert_eq!(sc.proxy.operations().len(), 0, "validate called AWS");
            }
        },
    );
}
