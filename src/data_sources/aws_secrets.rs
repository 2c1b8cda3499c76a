//! Data source `planton_aws_secrets`: ARNs, read policies and readiness
//! metadata of existing secrets, for workspaces that consume secrets
//! another workspace manages. DescribeSecret only: it never writes and
//! never reads a value.

mod metadata;

use std::collections::{BTreeMap, BTreeSet};
use std::time::SystemTime;

use async_trait::async_trait;

use crate::provider::arn::{secret_arn_problem, secret_name};
use crate::provider::key_names::via_service;
use crate::provider::keys::{is_aws_managed, policy_key_arn};
use crate::provider::lookup::{describe_names, Lookup};
use crate::provider::names::report_invalid_names;
use crate::provider::policy::{
    policy_values, KeyGrant, READ_POLICY_JSON_DESCRIPTION, SPLIT_DOCUMENTS_DESCRIPTION,
};
use crate::provider::secrets::SecretInfo;
use crate::provider::Configured;
use crate::tf::data_source::DataSource;
use crate::tf::diag::Diagnostics;
use crate::tf::provider::Context;
use crate::tf::schema::{Attribute, Block, Schema};
use crate::tf::typed::ObjectReader;
use crate::tf::value::{AttributePath, Type, Value};

use metadata::{names_unused, names_without_value, secret_type, secret_value, UNUSED_AFTER_DAYS};

pub const TYPE_NAME: &str = "planton_aws_secrets";

const SECRET_NAMES: &str = "secret_names";
const UNUSED_AFTER: &str = "unused_after_days";
const SECRET_ARN_MAP: &str = "secret_arn_map";
const READ_POLICY_JSON: &str = "read_policy_json";
const READ_POLICY_DOCUMENTS: &str = "read_policy_documents";
const SECRETS: &str = "secrets";
const NAMES_WITHOUT_VALUE: &str = "names_without_value";
const NAMES_UNUSED: &str = "names_unused";

const SECRETS_DESCRIPTION: &str = "Map from each secret name to what DescribeSecret tells about it (never its value): \
`arn`; `has_value`, true when a version labelled AWSCURRENT exists, that is when someone has written a value; \
`created_date` and `last_changed_date` (any change, a new value included); \
`last_accessed_date`, the day of the last read (AWS keeps only the day, at midnight UTC, and may record it late), null when it was never read; \
`rotation_enabled`; `owner_id`, the `id` of the `planton_aws_secrets` resource that made it, null when it does not carry this provider's ownership tags; \
`kms_key_id`, the customer managed KMS key, null for the AWS-managed key. Dates are RFC 3339 in UTC.";
pub struct AwsSecretsData;

#[async_trait]
impl DataSource<Configured> for AwsSecretsData {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        let block = Block::new(
            "Looks up existing Secrets Manager secrets by name, for workspaces that read secrets another workspace manages: their ARNs, the least-privilege read policies for them, and whether each holds a value, when it was last read, who made it and how it is encrypted. It only calls DescribeSecret: it never changes a secret and never reads a value.",
        )
        .attribute(Attribute::required(SECRET_NAMES, Type::set(Type::String)).description(
            "Names of existing secrets. Every one must exist and not be scheduled for deletion, or reading the data source fails naming it. An empty set reads nothing (no AWS call): an empty `secret_arn_map`, a null `read_policy_json` and no `read_policy_documents`.",
        ))
        .attribute(Attribute::optional(UNUSED_AFTER, Type::Number).description(
            "A number of days, 1 to 3650. When set, `names_unused` lists the secrets not read for that many days, or never read and created longer ago than that.",
        ))
        .attribute(Attribute::computed(SECRET_ARN_MAP, Type::map(Type::String)).description(
            "Map from each secret name to its ARN.",
        ))
        .attribute(Attribute::computed(READ_POLICY_JSON, Type::String).description(READ_POLICY_JSON_DESCRIPTION))
        .attribute(Attribute::computed(READ_POLICY_DOCUMENTS, Type::list(Type::String)).description(SPLIT_DOCUMENTS_DESCRIPTION))
        .attribute(Attribute::computed(SECRETS, Type::map(secret_type())).description(SECRETS_DESCRIPTION))
        .attribute(Attribute::computed(NAMES_WITHOUT_VALUE, Type::list(Type::String)).description(
            "Sorted names of the secrets that hold no value yet (`has_value` false): what a deploy gate checks.",
        ))
        .attribute(Attribute::computed(NAMES_UNUSED, Type::list(Type::String)).description(
            "Sorted names of the secrets not read for `unused_after_days` days (a read counts until the end of its day), or never read and created at least that long ago. Null when `unused_after_days` is not set.",
        ));
        Schema::new(0, block)
    }

    fn validate_config(&self, config: &Value, diags: &mut Diagnostics) {
        let saw_unknown = std::cell::Cell::new(false);
        ObjectReader::new(config, &saw_unknown).integer(UNUSED_AFTER, UNUSED_AFTER_DAYS, diags);
        let Some(names) = config
            .get_attribute(SECRET_NAMES)
            .and_then(Value::as_elements)
        else {
            return; // null (Terraform reports it) or not known yet
        };
        report_invalid_names(
            names.iter().filter_map(Value::as_str),
            &AttributePath::root(SECRET_NAMES),
            diags,
        );
    }

    async fn read(
        &self,
        ctx: &Context<'_, Configured>,
        config: &Value,
        diags: &mut Diagnostics,
    ) -> Value {
        let Some(query) = Query::read(config, diags) else {
            return Value::Null;
        };
        if query.names.is_empty() {
            return state(
                &BTreeMap::new(),
                None,
                query.unused_after_days,
                SystemTime::now(),
            );
        }
        let Some(client) = ctx.client(diags) else {
            return Value::Null;
        };
        // describe_names answers in name order, so errors come in that order.
        let found = describe_names(client.secrets.as_ref(), &ctx.stop, query.names).await;
        let mut secrets = BTreeMap::new();
        for (name, lookup) in found {
            let problem = match lookup {
                Lookup::Live(info) => match arn_problem(&name, &info.arn) {
                    None => {
                        secrets.insert(name, info);
                        continue;
                    }
                    Some(problem) => problem,
                },
                other => format!(
                    "The secret {name:?} cannot be looked up: {}.",
                    other
                        .problem(&name, "remove it from secret_names")
                        .unwrap_or_default()
                ),
            };
            diags.error_at(
                AttributePath::root(SECRET_NAMES),
                format!("Cannot read secret {name:?}"),
                problem,
            );
        }
        if diags.has_errors() {
            return Value::Null;
        }
        let grant = key_grant(client, &mut secrets, diags).await;
        if diags.has_errors() {
            return Value::Null;
        }
        state(
            &secrets,
            grant.as_ref(),
            query.unused_after_days,
            SystemTime::now(),
        )
    }
}

/// The `kms:Decrypt` grant for the customer keys of `secrets`. A key ARN or
/// id that DescribeKey (when permitted) says is AWS-managed counts as the
/// AWS-managed key: that secret's `kms_key_id` reads null. An alias is
/// resolved to its key ARN with DescribeKey, which must then be allowed.
async fn key_grant(
    client: &Configured,
    secrets: &mut BTreeMap<String, SecretInfo>,
    diags: &mut Diagnostics,
) -> Option<KeyGrant> {
    let keys = client.keys.as_ref();
    let named: BTreeSet<String> = secrets
        .values()
        .filter_map(|info| info.customer_kms_key().map(str::to_owned))
        .collect();
    let mut arns = Vec::new();
    for key in named {
        let resolved = if is_aws_managed(keys, Some(&key)).await {
            Ok(None)
        } else {
            policy_key_arn(
                keys,
                Some(&key),
                &client.region,
                client.account_id.as_deref(),
            )
            .await
        };
        match resolved {
            Ok(Some(arn)) => arns.push(arn),
            Ok(None) => {
                for info in secrets.values_mut() {
                    if info.kms_key_id.as_deref() == Some(key.as_str()) {
                        info.kms_key_id = None;
                    }
                }
            }
            Err(error) => diags.error_at(
                AttributePath::root(SECRET_NAMES),
                format!("Cannot resolve KMS key {key:?} to a key ARN"),
                format!(
                    "Secrets are encrypted with {key:?}, and their readers need kms:Decrypt on \
                     the key's ARN, which IAM matches instead of an alias. kms:DescribeKey \
                     failed: {error}. Allow kms:DescribeKey on the key to this workspace's \
                     role."
                ),
            ),
        }
    }
    KeyGrant::new(arns, via_service(&client.region))
}

/// Why the ARN DescribeSecret answered for `name` cannot go into a grant,
/// as a diagnostic detail.
fn arn_problem(name: &str, arn: &str) -> Option<String> {
    if let Some(problem) = secret_arn_problem(arn) {
        return Some(format!(
            "DescribeSecret answered {arn:?} for the secret {name:?}, which is not a Secrets \
             Manager secret ARN: {problem}. A policy on it would not grant this secret; check \
             that endpoints.secretsmanager (or AWS_ENDPOINT_URL_SECRETS_MANAGER) points at \
             Secrets Manager."
        ));
    }
    let actual = secret_name(arn)?;
    (actual != name).then(|| {
        format!(
            "DescribeSecret answered {arn:?} for {name:?}: the ARN of the secret {actual:?}, not \
             of {name:?}. A name that ends in a dash and six letters or digits can be taken for \
             part of another secret's ARN. Look up {actual:?} instead, or rename the secret."
        )
    })
}

/// What the configuration asks for (Terraform reads data sources only
/// once their configuration is wholly known).
struct Query {
    names: Vec<String>,
    unused_after_days: Option<u32>,
}

impl Query {
    fn read(config: &Value, diags: &mut Diagnostics) -> Option<Query> {
        let saw_unknown = std::cell::Cell::new(false);
        let reader = ObjectReader::new(config, &saw_unknown);
        let unused_after_days = reader.integer(UNUSED_AFTER, UNUSED_AFTER_DAYS, diags);
        let names = reader.strings(SECRET_NAMES, diags)?;
        if diags.has_errors() {
            return None;
        }
        Some(Query {
            names,
            unused_after_days: unused_after_days.and_then(|days| u32::try_from(days).ok()),
        })
    }
}

/// The data source's state for the secrets found, at `now`.
fn state(
    secrets: &BTreeMap<String, SecretInfo>,
    key: Option<&KeyGrant>,
    unused_after_days: Option<u32>,
    now: SystemTime,
) -> Value {
    let strings = |names: Vec<String>| Value::List(names.into_iter().map(Value::String).collect());
    let (policy, documents) = policy_values(secrets.values().map(|info| &info.arn), key);
    let names = secrets.keys().map(|n| Value::String(n.clone())).collect();
    let arn_map = secrets
        .iter()
        .map(|(n, info)| (n.clone(), Value::String(info.arn.clone())))
        .collect();
    let metadata = secrets
        .iter()
        .map(|(n, info)| (n.clone(), secret_value(info)))
        .collect();
    Value::Object(
        [
            (SECRET_NAMES, Value::Set(names)),
            (
                UNUSED_AFTER,
                unused_after_days.map_or(Value::Null, |days| Value::number(i64::from(days))),
            ),
            (SECRET_ARN_MAP, Value::Map(arn_map)),
            (READ_POLICY_JSON, policy),
            (READ_POLICY_DOCUMENTS, documents),
            (SECRETS, Value::Map(metadata)),
            (NAMES_WITHOUT_VALUE, strings(names_without_value(secrets))),
            (
                NAMES_UNUSED,
                unused_after_days.map_or(Value::Null, |days| {
                    strings(names_unused(secrets, days, now))
                }),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::policy::read_policy_json;
    use crate::provider::secrets::fake::FakeSecrets;
    use crate::provider::secrets::SecretsApi;
    use crate::tf::stop::StopSignal;
    use std::sync::Arc;

    fn config(names: &[&str]) -> Value {
        let names = names
            .iter()
            .map(|n| Value::String((*n).to_owned()))
            .collect();
        Value::Object(
            [(SECRET_NAMES.to_owned(), Value::Set(names))]
                .into_iter()
                .collect(),
        )
    }

    fn config_with_days(names: &[&str], days: Value) -> Value {
        let mut config = config(names);
        if let Value::Object(attributes) = &mut config {
            attributes.insert(UNUSED_AFTER.to_owned(), days);
        }
        config
    }

    fn client(fake: &Arc<FakeSecrets>) -> Configured {
        Configured {
            secrets: fake.clone(),
            keys: Arc::new(crate::provider::keys::tests::FakeKeys::default()),
            ignore_tags: Default::default(),
            region: "us-east-1".into(),
            account_id: None,
            caller_arn: None,
            default_tags: BTreeMap::new(),
            recovery_window_in_days: 30,
        }
    }

    #[tokio::test]
    async fn reads_arns_and_policies_by_describe_only() {
        let fake = Arc::new(FakeSecrets::new());
        let a = fake.create("a", &BTreeMap::new(), None).await.unwrap();
        let b = fake.create("b", &BTreeMap::new(), None).await.unwrap();
        fake.create("c", &BTreeMap::new(), None).await.unwrap();
        let calls_before = fake.calls().len();
        let client = client(&fake);
        let ctx = Context::new(Some(&client), StopSignal::never());
        let mut diags = Diagnostics::new();
        let state = AwsSecretsData
            .read(&ctx, &config(&["b", "a"]), &mut diags)
            .await;
        assert!(diags.is_empty(), "{diags:?}");
        let map = state
            .get_attribute(SECRET_ARN_MAP)
            .unwrap()
            .as_map()
            .unwrap();
        assert_eq!(map.len(), 2);
        assert_eq!(map["a"], Value::String(a.clone()));
        assert_eq!(
            state.get_attribute(READ_POLICY_JSON),
            Some(&Value::String(
                read_policy_json([a.as_str(), b.as_str()]).unwrap()
            ))
        );
        let calls = &fake.calls()[calls_before..];
        assert_eq!(calls.len(), 2);
        assert!(
            calls.iter().all(|c| c.starts_with("DescribeSecret ")),
            "{calls:?}"
        );
    }

    #[tokio::test]
    async fn a_missing_or_scheduled_name_is_an_error_naming_it() {
        let fake = Arc::new(FakeSecrets::new());
        fake.create("live", &BTreeMap::new(), None).await.unwrap();
        let gone = fake.create("gone", &BTreeMap::new(), None).await.unwrap();
        fake.delete(&gone, 7).await.unwrap();
        let client = client(&fake);
        let ctx = Context::new(Some(&client), StopSignal::never());
        let mut diags = Diagnostics::new();
        let state = AwsSecretsData
            .read(&ctx, &config(&["live", "gone", "nope"]), &mut diags)
            .await;
        assert!(state.is_null());
        let errors: Vec<_> = diags.iter().collect();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors.iter().any(|d| d.summary.contains("\"gone\"")
            && d.detail.contains("scheduled for deletion")
            && d.detail.contains("remove it from secret_names")));
        assert!(errors
            .iter()
            .any(|d| d.summary.contains("\"nope\"") && d.detail.contains("no secret")));
    }

    #[test]
    fn invalid_names_fail_validation_in_name_order() {
        let mut diags = Diagnostics::new();
        AwsSecretsData.validate_config(&config(&["z z", "ok/name", "a a", "m!"]), &mut diags);
        let summaries: Vec<&str> = diags.iter().map(|d| d.summary.as_str()).collect();
        assert_eq!(
            summaries,
            [
                "Invalid secret name \"a a\"",
                "Invalid secret name \"m!\"",
                "Invalid secret name \"z z\""
            ]
        );
        for names in [&[][..], &["ok/name"][..]] {
            let mut diags = Diagnostics::new();
            AwsSecretsData.validate_config(&config(names), &mut diags);
            assert!(diags.is_empty(), "{names:?}: {diags:?}");
        }
    }

    /// As the attribute docs say: an empty set is an empty map, a null
    /// policy and no documents, with no AWS call (and no client needed).
    #[tokio::test]
    async fn no_names_read_nothing() {
        let fake = Arc::new(FakeSecrets::new());
        let client = client(&fake);
        for configured in [Some(&client), None] {
            let ctx = Context::new(configured, StopSignal::never());
            let mut diags = Diagnostics::new();
            let state = AwsSecretsData.read(&ctx, &config(&[]), &mut diags).await;
            assert!(diags.is_empty(), "{diags:?}");
            assert_eq!(state.get_attribute(SECRET_NAMES), Some(&Value::Set(vec![])));
            assert_eq!(
                state.get_attribute(SECRET_ARN_MAP),
                Some(&Value::Map(BTreeMap::new()))
            );
            assert_eq!(state.get_attribute(READ_POLICY_JSON), Some(&Value::Null));
            assert_eq!(
                state.get_attribute(READ_POLICY_DOCUMENTS),
                Some(&Value::List(vec![]))
            );
        }
        assert!(fake.calls().is_empty(), "{:?}", fake.calls());
    }

    #[tokio::test]
    async fn errors_come_in_name_order() {
        let fake = Arc::new(FakeSecrets::new());
        let names: Vec<String> = (0..40).rev().map(|i| format!("missing-{i:02}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let client = client(&fake);
        let ctx = Context::new(Some(&client), StopSignal::never());
        let mut diags = Diagnostics::new();
        AwsSecretsData.read(&ctx, &config(&refs), &mut diags).await;
        let summaries: Vec<String> = diags.iter().map(|d| d.summary.clone()).collect();
        let mut sorted = summaries.clone();
        sorted.sort();
        assert_eq!(summaries.len(), 40);
        assert_eq!(summaries, sorted);
    }

    #[tokio::test]
    async fn an_answer_that_is_not_this_secrets_arn_is_refused() {
        let fake = Arc::new(FakeSecrets::new());
        fake.create("partial", &BTreeMap::new(), None)
            .await
            .unwrap();
        fake.alter("partial", |info| {
            info.arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:partial".into();
        });
        fake.create("elsewhere", &BTreeMap::new(), None)
            .await
            .unwrap();
        fake.alter("elsewhere", |info| {
            info.arn =
                "arn:evil:secretsmanager:us-east-1:123456789012:secret:elsewhere-AbCdEf".into();
        });
        fake.create("db-a1B2c3", &BTreeMap::new(), None)
            .await
            .unwrap();
        fake.alter("db-a1B2c3", |info| {
            info.arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-a1B2c3".into();
        });
        fake.create("good", &BTreeMap::new(), None).await.unwrap();
        let client = client(&fake);
        let ctx = Context::new(Some(&client), StopSignal::never());
        let mut diags = Diagnostics::new();
        let state = AwsSecretsData
            .read(
                &ctx,
                &config(&["partial", "elsewhere", "db-a1B2c3", "good"]),
                &mut diags,
            )
            .await;
        assert!(state.is_null());
        let errors: Vec<_> = diags.iter().collect();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert_eq!(errors[0].summary, "Cannot read secret \"db-a1B2c3\"");
        assert!(
            errors[0]
                .detail
                .contains("the ARN of the secret \"db\", not of \"db-a1B2c3\""),
            "{}",
            errors[0].detail
        );
        assert!(errors[1]
            .detail
            .contains("its partition \"evil\" is not an AWS partition"));
        assert!(errors[2]
            .detail
            .contains("its secret part \"partial\" lacks the suffix"));
    }

    fn strings(value: Option<&Value>) -> Vec<String> {
        value
            .and_then(Value::as_elements)
            .unwrap_or_else(|| panic!("not a list: {value:?}"))
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    }

    #[tokio::test]
    async fn tells_which_secrets_hold_a_value_and_which_are_unused() {
        let fake = Arc::new(FakeSecrets::new());
        for name in ["empty", "filled", "old"] {
            fake.create(name, &BTreeMap::new(), None).await.unwrap();
        }
        fake.alter("filled", |s| s.has_current_version = true);
        let long_ago = SystemTime::now() - std::time::Duration::from_secs(40 * 86_400);
        fake.alter("old", |s| s.created = Some(long_ago));
        let client = client(&fake);
        let ctx = Context::new(Some(&client), StopSignal::never());
        let read = |config: Value| {
            let ctx = &ctx;
            async move {
                let mut diags = Diagnostics::new();
                let state = AwsSecretsData.read(ctx, &config, &mut diags).await;
                assert!(diags.is_empty(), "{diags:?}");
                crate::tf::value::msgpack::encode(&state, &AwsSecretsData.schema().value_type())
                    .expect("the state has the schema's type");
                state
            }
        };

        let state = read(config(&["old", "filled", "empty"])).await;
        assert_eq!(
            strings(state.get_attribute(NAMES_WITHOUT_VALUE)),
            ["empty", "old"]
        );
        assert_eq!(state.get_attribute(NAMES_UNUSED), Some(&Value::Null));
        let secrets = state.get_attribute(SECRETS).unwrap().as_map().unwrap();
        assert_eq!(secrets.len(), 3);
        assert_eq!(
            secrets["filled"].get_attribute(metadata::HAS_VALUE),
            Some(&Value::Bool(true))
        );
        assert_eq!(
            secrets["filled"].get_attribute(metadata::ARN),
            Some(&Value::String(fake.get("filled").unwrap().arn))
        );

        let state = read(config_with_days(
            &["old", "filled", "empty"],
            Value::number(30),
        ))
        .await;
        assert_eq!(state.get_attribute(UNUSED_AFTER), Some(&Value::number(30)));
        assert_eq!(strings(state.get_attribute(NAMES_UNUSED)), ["old"]);
        assert!(fake
            .calls()
            .iter()
            .all(|c| c.starts_with("CreateSecret ") || c.starts_with("DescribeSecret ")));
    }

    #[test]
    fn unused_after_days_out_of_range_is_an_error_on_it() {
        for bad in [
            Value::number(0),
            Value::number(3651),
            Value::number(-5),
            Value::Number("1.5".parse().unwrap()),
        ] {
            let mut diags = Diagnostics::new();
            AwsSecretsData.validate_config(&config_with_days(&["a"], bad.clone()), &mut diags);
            let errors: Vec<_> = diags.iter().collect();
            assert_eq!(errors.len(), 1, "{bad:?}: {errors:?}");
            assert_eq!(errors[0].path, Some(AttributePath::root(UNUSED_AFTER)));
            assert!(
                errors[0].detail.contains("from 1 to 3650") && errors[0].detail.ends_with('.'),
                "{errors:?}"
            );
        }
        for good in [
            Value::number(1),
            Value::number(3650),
            Value::Null,
            Value::unknown(),
        ] {
            let mut diags = Diagnostics::new();
            AwsSecretsData.validate_config(&config_with_days(&["a"], good.clone()), &mut diags);
            assert!(diags.is_empty(), "{good:?}: {diags:?}");
        }
    }
}
