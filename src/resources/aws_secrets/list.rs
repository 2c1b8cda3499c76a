//! The list resource `planton_aws_secrets` (Terraform 1.14 and later,
//! `terraform query`): one result per planton group, that is per ownership
//! id, so `terraform query -generate-config-out=FILE` writes one resource
//! and one `import { identity = {...} }` block per group.

use async_trait::async_trait;

use crate::provider::names::name_problem;
use crate::provider::Configured;
use crate::tf::diag::Diagnostics;
use crate::tf::list_resource::{ListRequest, ListResource, Listed};
use crate::tf::provider::Context;
use crate::tf::schema::{Attribute, Block, Schema};
use crate::tf::value::{AttributePath, Type, Value};

use super::groups::{self, Group, Search};
use super::identity::{ACCOUNT_ID, REGION};
use super::report::brief_listing;
use super::schema::ID;
use super::TYPE_NAME;

pub const NAME_PREFIX: &str = "name_prefix";
pub const INCLUDE_SCHEDULED: &str = "include_scheduled";

pub struct AwsSecretsList;

pub fn list_schema() -> Schema {
    let block = Block::new(
        "Finds every group of secrets a `planton_aws_secrets` resource made: one result per ownership id (`planton.ai/resource-id` tag), with its identity, a display name (id, count, first names) and, with `include_resource = true`, the whole object. Secrets are found with ListSecrets filtered by tag and name (metadata only, never a value), 100 per page.",
    )
    .attribute(Attribute::optional(NAME_PREFIX, Type::String).description(
        "Only groups holding a secret whose name starts with this (case-sensitive). The prefix selects groups, not secrets: each group found is listed whole, so configuration generated from it names every secret of the group (an import moves a group whole). Letters, digits and `/_+=.@-`, at most 512 characters.",
    ))
    .attribute(Attribute::optional(INCLUDE_SCHEDULED, Type::Bool).description(
        "Also find secrets scheduled for deletion (default `false`). A group's scheduled secrets are listed in its `secret_names`, so configuration generated from it restores them on the next apply.",
    ));
    Schema::new(0, block)
}

/// The `config` block as read: every attribute optional.
struct ListConfig {
    name_prefix: Option<String>,
    include_scheduled: bool,
}

impl ListConfig {
    fn read(config: &Value, diags: &mut Diagnostics) -> ListConfig {
        let name_prefix = config
            .get_attribute(NAME_PREFIX)
            .and_then(Value::as_str)
            .map(str::to_owned);
        if let Some(problem) = name_prefix.as_deref().and_then(prefix_problem) {
            diags.error_at(
                AttributePath::root(NAME_PREFIX),
                "Invalid name_prefix",
                format!("name_prefix {problem}; give the beginning of a secret name, like \"app/prod/\"."),
            );
        }
        let include_scheduled = config
            .get_attribute(INCLUDE_SCHEDULED)
            .and_then(Value::as_bool)
            .unwrap_or(false);
        ListConfig {
            name_prefix,
            include_scheduled,
        }
    }
}

/// What is wrong with a prefix: a prefix of a secret name follows the
/// name rules (an empty one would mean "no prefix": leave it out).
fn prefix_problem(prefix: &str) -> Option<String> {
    name_problem(prefix).map(|problem| {
        let problem = problem.replace("a secret name cannot be empty", "cannot be empty");
        match problem.strip_prefix("it ") {
            Some(rest) => rest.to_owned(),
            None => problem,
        }
    })
}

fn listed(group: &Group, client: &Configured, include_resource: bool) -> Option<Listed> {
    let account = client.account_id.as_deref().or_else(|| group.account())?;
    Some(Listed {
        identity: Value::object([
            (ACCOUNT_ID, Value::string(account)),
            (REGION, Value::string(&client.region)),
            (ID, Value::string(&group.id)),
        ]),
        display_name: group.display_name(),
        resource: include_resource.then(|| group.state(&client.default_tags)),
    })
}

#[async_trait]
impl ListResource<Configured> for AwsSecretsList {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        list_schema()
    }

    fn validate_config(&self, config: &Value, diags: &mut Diagnostics) {
        ListConfig::read(config, diags);
    }

    async fn list(
        &self,
        ctx: &Context<'_, Configured>,
        request: ListRequest<'_>,
        diags: &mut Diagnostics,
    ) -> Vec<Listed> {
        let config = ListConfig::read(request.config, diags);
        let Some(client) = ctx.client(diags) else {
            return Vec::new();
        };
        if diags.has_errors() || request.limit == 0 {
            return Vec::new();
        }
        let search = Search {
            id: None,
            name_prefix: config.name_prefix,
            include_scheduled: config.include_scheduled,
        };
        let found = match groups::find_whole(client, &ctx.stop, &search).await {
            Ok(found) => found,
            Err(error) => {
                diags.error(
                    "Cannot list planton secrets",
                    format!(
                        "ListSecrets failed: {}. Nothing was listed; fix the cause (permissions \
                         for secretsmanager:ListSecrets, network, endpoint) and run the query again.",
                        error.to_string().trim_end_matches('.')
                    ),
                );
                return Vec::new();
            }
        };
        if !found.left_out.is_empty() {
            diags.warning(
                format!(
                    "{} secret(s) with a planton.ai/resource-id tag were left out",
                    found.left_out.len()
                ),
                format!(
                    "These secrets carry a planton.ai/resource-id tag but are not marked as a \
                     planton_aws_secrets resource marks its secrets (planton.ai/resource = true, \
                     planton.ai/resource-kind = AwsSecretsManager and an id it writes), so no \
                     planton_aws_secrets resource made them: {}. Import them by name if they \
                     should be managed (terraform import with their names).",
                    brief_listing(&found.left_out)
                ),
            );
        }
        found
            .groups
            .iter()
            .take(request.limit)
            .filter_map(|group| listed(group, client, request.include_resource))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::secrets::fake::FakeSecrets;
    use crate::provider::tags::ownership_tags;
    use crate::resources::aws_secrets::apply::tests::configured;
    use crate::resources::aws_secrets::groups::tests::{A, B};
    use crate::tf::stop::StopSignal;
    use std::collections::BTreeMap;
    use std::sync::Arc;

    fn config(prefix: Option<&str>, scheduled: Option<bool>) -> Value {
        Value::object([
            (NAME_PREFIX, prefix.map_or(Value::Null, Value::string)),
            (
                INCLUDE_SCHEDULED,
                scheduled.map_or(Value::Null, Value::Bool),
            ),
        ])
    }

    async fn run(
        client: &Configured,
        config: &Value,
        include: bool,
        limit: usize,
    ) -> (Vec<Listed>, Diagnostics) {
        let ctx = Context::new(Some(client), StopSignal::never());
        let mut diags = Diagnostics::new();
        let request = ListRequest {
            config,
            include_resource: include,
            limit,
        };
        let listed = AwsSecretsList.list(&ctx, request, &mut diags).await;
        (listed, diags)
    }

    fn seeded() -> (Arc<FakeSecrets>, Configured) {
        let fake = Arc::new(FakeSecrets::new());
        let tags = |id| ownership_tags(&BTreeMap::new(), id);
        for i in 0..250 {
            fake.insert(&format!("app/b/{i:03}"), tags(B), i == 0);
        }
        for i in 0..30 {
            fake.insert(&format!("app/a/{i:02}"), tags(A), false);
        }
        fake.insert("lone", BTreeMap::new(), false);
        (fake.clone(), configured(&fake, &[]))
    }

    #[tokio::test]
    async fn one_result_per_group_in_id_order_with_few_pages() {
        let (fake, client) = seeded();
        let (listed, diags) = run(&client, &config(None, None), true, 100).await;
        assert!(diags.is_empty(), "{diags:?}");
        let ids: Vec<&str> = listed
            .iter()
            .map(|l| l.identity.get_attribute(ID).unwrap().as_str().unwrap())
            .collect();
        assert_eq!(ids, [A, B]);
        assert_eq!(
            listed[1].display_name,
            format!("{B} (249 secrets: app/b/001, app/b/002, app/b/003, and 246 more)")
        );
        // The account comes from the ARNs when the provider did not ask for it.
        assert_eq!(
            listed[0].identity.get_attribute(ACCOUNT_ID),
            Some(&Value::string("000000000000"))
        );
        let object = listed[0].resource.as_ref().unwrap();
        assert_eq!(
            object
                .get_attribute("secret_names")
                .unwrap()
                .as_elements()
                .unwrap()
                .len(),
            30
        );
        let pages = fake
            .calls()
            .iter()
            .filter(|c| c.starts_with("ListSecrets"))
            .count();
        assert_eq!(pages, 279_usize.div_ceil(100));
        assert!(fake.calls().iter().all(|c| c.starts_with("ListSecrets")));
    }

    #[tokio::test]
    async fn limit_prefix_and_scheduled_narrow_the_results() {
        let (_fake, client) = seeded();
        let (listed, _) = run(&client, &config(None, None), false, 1).await;
        assert_eq!(listed.len(), 1);
        assert!(listed[0].resource.is_none());
        let (listed, _) = run(&client, &config(Some("app/b/"), Some(true)), false, 10).await;
        assert_eq!(listed.len(), 1);
        assert!(
            listed[0]
                .display_name
                .contains("250 secrets, 1 scheduled for deletion"),
            "{}",
            listed[0].display_name
        );
        let (listed, _) = run(&client, &config(None, None), false, 0).await;
        assert!(listed.is_empty());
    }

    #[tokio::test]
    async fn a_bad_prefix_or_a_denied_listing_is_one_error() {
        let (fake, client) = seeded();
        for bad in ["", "app prod", &"a".repeat(513)] {
            let mut diags = Diagnostics::new();
            AwsSecretsList.validate_config(&config(Some(bad), None), &mut diags);
            let [error] = &diags.iter().collect::<Vec<_>>()[..] else {
                panic!("{diags:?}")
            };
            assert_eq!(error.path, Some(AttributePath::root(NAME_PREFIX)));
            assert!(
                error.detail.starts_with("name_prefix ")
                    && error.detail.ends_with("\"app/prod/\"."),
                "{}",
                error.detail
            );
        }
        let calls = fake.calls().len();
        let (listed, diags) = run(&client, &config(Some("bad prefix"), None), false, 10).await;
        assert!(listed.is_empty() && diags.has_errors());
        assert_eq!(fake.calls().len(), calls, "no call for a bad prefix");
        fake.deny_listing();
        let (listed, diags) = run(&client, &config(None, None), false, 10).await;
        assert!(listed.is_empty());
        assert_eq!(diags.len(), 1);
        assert!(diags
            .iter()
            .next()
            .unwrap()
            .detail
            .contains("AccessDeniedException"));
    }
}
