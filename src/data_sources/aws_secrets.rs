//! Data source `planton_aws_secrets`: ARNs and read policies of existing
//! secrets, for workspaces that consume secrets another workspace manages.
//! DescribeSecret only: it never writes and never reads a value.

use async_trait::async_trait;

use crate::provider::lookup::{describe_names, Lookup};
use crate::provider::names::name_problem;
use crate::provider::policy::{
    policy_values, READ_POLICY_DOCUMENTS_DESCRIPTION, READ_POLICY_JSON_DESCRIPTION,
};
use crate::provider::Configured;
use crate::tf::data_source::DataSource;
use crate::tf::diag::Diagnostics;
use crate::tf::provider::Context;
use crate::tf::schema::{Attribute, Block, Schema};
use crate::tf::typed::ObjectReader;
use crate::tf::value::{AttributePath, Type, Value};

pub const TYPE_NAME: &str = "planton_aws_secrets";

const SECRET_NAMES: &str = "secret_names";
const SECRET_ARN_MAP: &str = "secret_arn_map";
const READ_POLICY_JSON: &str = "read_policy_json";
const READ_POLICY_DOCUMENTS: &str = "read_policy_documents";

pub struct AwsSecretsData;

#[async_trait]
impl DataSource<Configured> for AwsSecretsData {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        let block = Block::new(
            "Looks up existing Secrets Manager secrets by name, for workspaces that read secrets another workspace manages: their ARNs and the least-privilege read policies for them. It only calls DescribeSecret: it never changes a secret and never reads a value.",
        )
        .attribute(Attribute::required(SECRET_NAMES, Type::set(Type::String)).description(
            "Names of existing secrets. Every one must exist and not be scheduled for deletion, or reading the data source fails naming it.",
        ))
        .attribute(Attribute::computed(SECRET_ARN_MAP, Type::map(Type::String)).description(
            "Map from each secret name to its ARN.",
        ))
        .attribute(Attribute::computed(READ_POLICY_JSON, Type::String).description(READ_POLICY_JSON_DESCRIPTION))
        .attribute(Attribute::computed(READ_POLICY_DOCUMENTS, Type::list(Type::String)).description(READ_POLICY_DOCUMENTS_DESCRIPTION));
        Schema::new(0, block)
    }

    fn validate_config(&self, config: &Value, diags: &mut Diagnostics) {
        let Some(names) = config
            .get_attribute(SECRET_NAMES)
            .and_then(Value::as_elements)
        else {
            return; // null (Terraform reports it) or not known yet
        };
        let path = AttributePath::root(SECRET_NAMES);
        if names.is_empty() {
            diags.error_at(
                path.clone(),
                "No secret names",
                "secret_names is empty. List at least one secret name to look up.",
            );
        }
        for name in names.iter().filter_map(Value::as_str) {
            if let Some(problem) = name_problem(name) {
                diags.error_at(
                    path.clone(),
                    format!("Invalid secret name {name:?}"),
                    format!("The secret name {name:?} in secret_names is invalid: {problem}."),
                );
            }
        }
    }

    async fn read(
        &self,
        ctx: &Context<'_, Configured>,
        config: &Value,
        diags: &mut Diagnostics,
    ) -> Value {
        let Some(client) = ctx.client(diags) else {
            return Value::Null;
        };
        let Some(names) = names_of(config, diags) else {
            return Value::Null;
        };
        let mut arns = std::collections::BTreeMap::new();
        for (name, lookup) in describe_names(client.secrets.as_ref(), &ctx.stop, names).await {
            match lookup.problem(&name, "remove it from secret_names") {
                None => {
                    if let Lookup::Live(info) = lookup {
                        arns.insert(name, info.arn);
                    }
                }
                Some(problem) => diags.error_at(
                    AttributePath::root(SECRET_NAMES),
                    format!("Cannot read secret {name:?}"),
                    format!("The secret {name:?} cannot be looked up: {problem}."),
                ),
            }
        }
        if diags.has_errors() {
            return Value::Null;
        }
        let (policy, documents) = policy_values(arns.values());
        let names = arns.keys().map(|n| Value::String(n.clone())).collect();
        let arn_map = arns
            .into_iter()
            .map(|(n, a)| (n, Value::String(a)))
            .collect();
        Value::Object(
            [
                (SECRET_NAMES, Value::Set(names)),
                (SECRET_ARN_MAP, Value::Map(arn_map)),
                (READ_POLICY_JSON, policy),
                (READ_POLICY_DOCUMENTS, documents),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
        )
    }
}

/// The configured names (Terraform reads data sources only once their
/// configuration is wholly known).
fn names_of(config: &Value, diags: &mut Diagnostics) -> Option<Vec<String>> {
    let saw_unknown = std::cell::Cell::new(false);
    ObjectReader::new(config, &saw_unknown).strings(SECRET_NAMES, diags)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::policy::read_policy_json;
    use crate::provider::secrets::fake::FakeSecrets;
    use crate::provider::secrets::SecretsApi;
    use crate::tf::stop::StopSignal;
    use std::collections::BTreeMap;
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

    fn client(fake: &Arc<FakeSecrets>) -> Configured {
        Configured {
            secrets: fake.clone(),
            region: "us-east-1".into(),
            account_id: None,
            default_tags: BTreeMap::new(),
            recovery_window_in_days: 30,
        }
    }

    #[tokio::test]
    async fn reads_arns_and_policies_by_describe_only() {
        let fake = Arc::new(FakeSecrets::new());
        let a = fake.create("a", &BTreeMap::new()).await.unwrap();
        let b = fake.create("b", &BTreeMap::new()).await.unwrap();
        fake.create("c", &BTreeMap::new()).await.unwrap();
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
        fake.create("live", &BTreeMap::new()).await.unwrap();
        let gone = fake.create("gone", &BTreeMap::new()).await.unwrap();
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
    fn invalid_or_no_names_fail_validation() {
        for names in [&[][..], &["bad name"][..]] {
            let mut diags = Diagnostics::new();
            AwsSecretsData.validate_config(&config(names), &mut diags);
            assert!(diags.has_errors(), "{names:?}");
        }
        let mut diags = Diagnostics::new();
        AwsSecretsData.validate_config(&config(&["ok/name"]), &mut diags);
        assert!(diags.is_empty());
    }
}
