//! The resource identity of `planton_aws_secrets` (Terraform 1.12 and
//! later): the account and region its secrets live in and the ownership id
//! they carry. Terraform records it beside the state; `import { identity =
//! {...} }` takes in every secret carrying that id, with the rules of an
//! import by names.

use crate::provider::place::region_and_account;
use crate::provider::region::is_region_name;
use crate::provider::Configured;
use crate::tf::diag::Diagnostics;
use crate::tf::schema::{IdentityAttribute, IdentitySchema};
use crate::tf::stop::StopSignal;
use crate::tf::value::{AttributePath, Type, Value};

use std::collections::BTreeSet;

use crate::provider::batch::{run_all, Outcome};
use crate::provider::tags::OWNERSHIP_ID;

use super::ensure::{judge, Claim, EnsureError, KeyWanted};
use super::groups::{self, Group, Search};
use super::id::is_well_formed;
use super::model::SecretsState;
use super::ownership::Owner;
use super::read::import_names;
use super::report::brief_listing;
use super::schema::{ID, SECRET_ARN_MAP};

/// Bumped whenever the identity's attributes or their meaning change.
pub const IDENTITY_VERSION: i64 = 0;

pub const ACCOUNT_ID: &str = "account_id";
pub const REGION: &str = "region";

pub fn identity_schema() -> IdentitySchema {
    IdentitySchema::new(IDENTITY_VERSION)
        .attribute(IdentityAttribute::optional_for_import(
            ACCOUNT_ID,
            Type::String,
            "The AWS account the secrets live in (12 digits); by default the provider's account.",
        ))
        .attribute(IdentityAttribute::optional_for_import(
            REGION,
            Type::String,
            "The region the secrets live in; by default the provider's region.",
        ))
        .attribute(IdentityAttribute::required_for_import(
            ID,
            Type::String,
            "The ownership id the secrets carry in their `planton.ai/resource-id` tag (`asm-` and 32 hex digits); `terraform query` lists the id of every group.",
        ))
}

fn identity(account: Value, region: Value, id: Value) -> Value {
    Value::object([(ACCOUNT_ID, account), (REGION, region), (ID, id)])
}

/// The identity of recorded or planned state. The place is the provider's
/// (the resource refuses secrets anywhere else), else the one its ARNs
/// name, else the one Terraform holds. The id is the state's: after an
/// import the fresh one, not the one imported. Null while a create is
/// planned (the id is minted at apply), and null (or what Terraform holds)
/// when it cannot be told.
pub fn identity_of(client: Option<&Configured>, state: &Value, held: &Value) -> Value {
    let Some(id) = state.get_attribute(ID).filter(|id| !id.is_null()) else {
        return held.clone();
    };
    let recorded = recorded_place(state);
    let held_attribute = |name: &str| {
        held.get_attribute(name)
            .filter(|v| v.is_known() && !v.is_null())
            .cloned()
    };
    let region = client
        .map(|c| Value::string(&c.region))
        .or_else(|| recorded.map(|(region, _)| Value::string(region)))
        .or_else(|| held_attribute(REGION));
    let account = client
        .and_then(|c| c.account_id.clone())
        .map(Value::String)
        .or_else(|| recorded.map(|(_, account)| Value::string(account)))
        .or_else(|| held_attribute(ACCOUNT_ID));
    if !id.is_known() {
        // A create being planned: its identity arrives with the apply.
        return Value::Null;
    }
    match (account, region) {
        (Some(account), Some(region)) => identity(account, region, id.clone()),
        _ => held.clone(),
    }
}

/// Region and account of the first known ARN in `secret_arn_map`.
fn recorded_place(state: &Value) -> Option<(&str, &str)> {
    state
        .get_attribute(SECRET_ARN_MAP)?
        .as_map()?
        .values()
        .find_map(|arn| region_and_account(arn.as_str()?))
}

/// An identity to import, checked against the provider before any call.
#[derive(Debug, PartialEq, Eq)]
struct Wanted {
    id: String,
    /// When the identity names one.
    account: Option<String>,
}

impl Wanted {
    /// Errors on the attribute that is malformed or names another place.
    fn parse(identity: &Value, client: &Configured, diags: &mut Diagnostics) -> Option<Self> {
        let text = |name: &str| identity.get_attribute(name).and_then(Value::as_str);
        let id = text(ID).unwrap_or_default();
        if !is_well_formed(id) {
            diags.error_at(
                AttributePath::root(ID),
                "Invalid identity id",
                format!(
                    "{id:?} is not a planton_aws_secrets id: an id is \"asm-\" followed by 32 \
                     lowercase hexadecimal digits (16 for resources made by release 0.1.0). A \
                     planton_aws_secrets list block in a .tfquery.hcl file lists the id of every \
                     group (terraform query)."
                ),
            );
        }
        let account = text(ACCOUNT_ID);
        if let Some(account) = account {
            if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
                diags.error_at(
                    AttributePath::root(ACCOUNT_ID),
                    "Invalid identity account_id",
                    format!("{account:?} is not an AWS account ID; an account ID is 12 digits."),
                );
            } else if let Some(here) = client.account_id.as_deref().filter(|h| *h != account) {
                elsewhere(ACCOUNT_ID, "account", account, here, diags);
            }
        }
        if let Some(region) = text(REGION) {
            if !is_region_name(region) {
                diags.error_at(
                    AttributePath::root(REGION),
                    "Invalid identity region",
                    format!("{region:?} is not an AWS region name; use a name like \"us-east-1\"."),
                );
            } else if region != client.region {
                elsewhere(REGION, "region", region, &client.region, diags);
            }
        }
        (!diags.has_errors()).then(|| Self {
            id: id.to_owned(),
            account: account.map(str::to_owned),
        })
    }
}

/// The identity names another account or region than the provider's.
fn elsewhere(attribute: &str, what: &str, named: &str, here: &str, diags: &mut Diagnostics) {
    diags.error_at(
        AttributePath::root(attribute),
        format!("Identity in another {what}"),
        format!(
            "The identity's {attribute} is {named:?}, but this provider acts in {what} {here:?}, \
             and a provider imports only what lives where it acts. Give the import block a \
             provider configured for {named:?} (provider = planton.<alias>), or correct \
             {attribute}."
        ),
    );
}

/// `import { identity = {...} }`: every live secret carrying the id, taken
/// in as an import by their names would (fresh id, previous owner named,
/// re-tagged by the next apply). Scheduled ones stay out, with a warning:
/// the next apply that names them restores them.
pub async fn import(
    client: &Configured,
    stop: &StopSignal,
    identity: &Value,
    diags: &mut Diagnostics,
) -> Value {
    let Some(wanted) = Wanted::parse(identity, client, diags) else {
        return Value::Null;
    };
    let search = Search {
        id: Some(wanted.id.clone()),
        include_scheduled: true,
        ..Search::default()
    };
    let found = match groups::find(client, stop, &search).await {
        Ok(found) => found,
        Err(error) => {
            diags.error_at(
                AttributePath::root(ID),
                format!("Cannot look for the secrets of {}", wanted.id),
                format!(
                    "ListSecrets failed: {}. Nothing was imported; fix the cause (permissions \
                     for secretsmanager:ListSecrets, network, endpoint) and import again.",
                    error.to_string().trim_end_matches('.')
                ),
            );
            return Value::Null;
        }
    };
    let Some(group) = found.groups.into_iter().next() else {
        no_secrets(&wanted.id, client, diags);
        return Value::Null;
    };
    if let (Some(named), Some(actual)) = (&wanted.account, group.account()) {
        if named != actual {
            elsewhere(ACCOUNT_ID, "account", named, actual, diags);
            return Value::Null;
        }
    }
    if !restorable(client, stop, &group, diags).await {
        return Value::Null;
    }
    warn_scheduled(&group, diags);
    let names = group.live.iter().map(|s| s.name.clone()).collect();
    let imported = import_names(
        client,
        stop,
        names,
        "import again once nothing else is changing it",
        diags,
    )
    .await;
    record_group(imported, &group.id)
}

/// The state records the imported id even when every secret of the group
/// is scheduled, so the apply restores them as the group's new owner.
fn record_group(imported: Value, id: &str) -> Value {
    match SecretsState::from_value(&imported) {
        Ok(mut state) if !state.tags_all.contains_key(OWNERSHIP_ID) => {
            state
                .tags_all
                .insert(OWNERSHIP_ID.to_owned(), id.to_owned());
            state.to_value()
        }
        _ => imported,
    }
}

/// Judges the group's scheduled secrets as the apply will (DescribeSecret,
/// GetResourcePolicy): a plan never promises a restore its apply refuses.
/// False, with one error, when any would be refused.
async fn restorable(
    client: &Configured,
    stop: &StopSignal,
    group: &Group,
    diags: &mut Diagnostics,
) -> bool {
    if group.scheduled.is_empty() {
        return true;
    }
    let api = client.secrets.as_ref();
    let mut owner = Owner::new("");
    owner.restores.insert(group.id.clone());
    let keys: BTreeSet<String> = client.default_tags.keys().cloned().collect();
    let (owner, keys) = (&owner, &keys);
    let targets: Vec<String> = group.scheduled.iter().map(|s| s.arn.clone()).collect();
    let results = run_all(targets, stop, |arn| async move {
        let existing = api.describe(&arn).await.map_err(|error| EnsureError::Api {
            operation: "DescribeSecret",
            error,
        })?;
        // Restored or purged since the listing: nothing to promise.
        let Some(info) = existing.filter(|i| i.scheduled_for_deletion) else {
            return Ok(());
        };
        // The import does not know the configuration's kms_key_id: the
        // secret's own key is not held against it here.
        let key = KeyWanted {
            kms_key_id: info.customer_kms_key().map(str::to_owned),
            key_arn: None,
        };
        let claim = Claim {
            owner,
            default_tag_keys: keys,
            tags: &client.default_tags,
            key: &key,
            keys: client.keys.as_ref(),
            ignore: &client.ignore_tags,
            recovery_window_in_days: client.recovery_window_in_days,
        };
        judge(api, Some(info), &claim).await.map(|_| ())
    })
    .await;
    let mut problems = Vec::new();
    for (arn, outcome) in results {
        let name = group
            .scheduled
            .iter()
            .find(|s| s.arn == arn)
            .map_or(arn.as_str(), |s| s.name.as_str());
        match outcome {
            Outcome::Done(()) => {}
            Outcome::Failed(EnsureError::Refused(refusal)) => {
                problems.push(format!("{name:?} ({refusal}; restore it with aws secretsmanager restore-secret --secret-id '{arn}' and undo the difference)"));
            }
            Outcome::Failed(error) => problems.push(format!("{name:?} ({error})")),
            Outcome::Skipped => {
                problems.push(format!("{name:?} (not checked: the provider was stopped)"))
            }
        }
    }
    if problems.is_empty() {
        return true;
    }
    problems.sort();
    diags.error_at(
        AttributePath::root(ID),
        format!(
            "{} scheduled secret(s) of {} cannot be restored by an apply",
            problems.len(),
            group.id
        ),
        format!(
            "An identity import restores the group's secrets that are scheduled for deletion, but \
             these differ from what this provider makes, so an apply would refuse them: {}. \
             Nothing was imported. A live secret is imported as it is: restore each one as shown, \
             then import again; or import again after their deletion date, when they are gone.",
            problems.join("; ")
        ),
    );
    false
}

fn no_secrets(id: &str, client: &Configured, diags: &mut Diagnostics) {
    let place = match &client.account_id {
        Some(account) => format!("account {account}, region {}", client.region),
        None => format!("region {}", client.region),
    };
    diags.error_at(
        AttributePath::root(ID),
        format!("No secrets carry the id {id}"),
        format!(
            "No secret in {place} carries planton.ai/resource-id = {id:?}, live or scheduled for \
             deletion, so there is nothing to import. Check the id (a planton_aws_secrets list \
             block in a .tfquery.hcl file lists every group: terraform query) and that the \
             provider points at the account and region the secrets live in."
        ),
    );
}

fn warn_scheduled(group: &Group, diags: &mut Diagnostics) {
    if group.scheduled.is_empty() {
        return;
    }
    let names: Vec<&str> = group.scheduled.iter().map(|s| s.name.as_str()).collect();
    diags.warning(
        format!(
            "{} secret(s) of {} are scheduled for deletion and were not imported",
            names.len(),
            group.id
        ),
        format!(
            "These secrets carry the imported id but are scheduled for deletion: {}. This import \
             moves them with the group: the next apply of this resource restores each one its \
             secret_names lists, with the same ARN; a name left out stays scheduled and its \
             deletion goes ahead.",
            brief_listing(&names)
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::secrets::fake::FakeSecrets;
    use crate::provider::secrets::SecretsApi;
    use crate::provider::tags::{ownership_tags, OWNERSHIP_ID};
    use crate::resources::aws_secrets::apply::create;
    use crate::resources::aws_secrets::apply::tests::{configured, planned};
    use crate::resources::aws_secrets::model::SecretsState;
    use crate::tf::diag::Severity;
    use std::sync::Arc;

    const ACCOUNT: &str = "000000000000";

    fn wanted(account: Value, region: Value, id: &str) -> Value {
        identity(account, region, Value::string(id))
    }

    async fn made(names: &[&str]) -> (Arc<FakeSecrets>, Configured, SecretsState) {
        let fake = Arc::new(FakeSecrets::new());
        let mut client = configured(&fake, &[("team", "x")]);
        client.account_id = Some(ACCOUNT.into());
        let mut diags = Diagnostics::new();
        let value = create(&client, &StopSignal::never(), &planned(names), &mut diags).await;
        (fake, client, SecretsState::from_value(&value).unwrap())
    }

    /// Imports the identity naming only `id`.
    async fn import_id(client: &Configured, id: &str) -> (Value, Diagnostics) {
        let mut diags = Diagnostics::new();
        let identity = wanted(Value::Null, Value::Null, id);
        let value = import(client, &StopSignal::never(), &identity, &mut diags).await;
        (value, diags)
    }

    fn paths(diags: &Diagnostics) -> Vec<String> {
        diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| format!("{:?}", d.path))
            .collect()
    }

    #[tokio::test]
    async fn identity_of_state_uses_the_provider_place_and_the_state_id() {
        let (_fake, client, state) = made(&["a"]).await;
        let value = state.to_value();
        let expected = wanted(
            Value::string(ACCOUNT),
            Value::string("us-east-1"),
            &state.id,
        );
        assert_eq!(identity_of(Some(&client), &value, &Value::Null), expected);
        // Unconfigured (plan with unknown provider values): from the ARNs.
        assert_eq!(identity_of(None, &value, &Value::Null), expected);
        // No ARNs and nothing held: it cannot be told.
        let empty = SecretsState::new(state.id.clone(), Default::default()).to_value();
        assert_eq!(identity_of(None, &empty, &Value::Null), Value::Null);
        assert_eq!(identity_of(None, &empty, &expected), expected);
        // A create being planned: none until the apply mints the id.
        let planning = Value::object([(ID, Value::unknown())]);
        assert_eq!(
            identity_of(Some(&client), &planning, &Value::Null),
            Value::Null
        );
    }

    #[tokio::test]
    async fn import_by_identity_takes_every_live_secret_of_the_group() {
        let (fake, client, prior) = made(&["a", "b", "c"]).await;
        fake.delete(&prior.arns["c"], 30).await.unwrap();
        // Another group and a hand-made secret stay out.
        fake.insert(
            "other",
            ownership_tags(&Default::default(), groups::tests::B),
            false,
        );
        fake.insert("hand", Default::default(), false);
        let before = fake.calls().len();
        let (value, diags) = import_id(&client, &prior.id).await;
        assert!(!diags.has_errors(), "{diags:?}");
        let imported = SecretsState::from_value(&value).unwrap();
        assert_ne!(imported.id, prior.id);
        assert_eq!(imported.arns.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(imported.arns["a"], prior.arns["a"]);
        assert_eq!(imported.tags_all.get(OWNERSHIP_ID), Some(&prior.id));
        let summaries: Vec<&str> = diags.iter().map(|d| d.summary.as_str()).collect();
        assert!(
            summaries
                .iter()
                .any(|s| s.contains("scheduled for deletion")),
            "{summaries:?}"
        );
        assert!(diags
            .iter()
            .any(|d| d.detail.contains(&prior.id) && d.detail.contains("takes them over")));
        let calls = fake.calls().split_off(before);
        assert_eq!(
            calls
                .iter()
                .filter(|c| c.starts_with("ListSecrets"))
                .count(),
            1
        );
        assert!(!calls
            .iter()
            .any(|c| c.starts_with("Tag") || c.starts_with("Create")));
    }

    #[tokio::test]
    async fn wrong_place_or_malformed_identity_fails_before_any_call() {
        let (fake, client, prior) = made(&["a"]).await;
        let cases = [
            (
                wanted(Value::string("111111111111"), Value::Null, &prior.id),
                "account_id",
            ),
            (
                wanted(Value::Null, Value::string("eu-west-1"), &prior.id),
                "region",
            ),
            (
                wanted(Value::string("12345"), Value::Null, &prior.id),
                "account_id",
            ),
            (
                wanted(Value::Null, Value::string("Mars 1"), &prior.id),
                "region",
            ),
            (wanted(Value::Null, Value::Null, "asm-nope"), "id"),
            (wanted(Value::Null, Value::Null, ""), "id"),
        ];
        let before = fake.calls().len();
        for (identity, attribute) in cases {
            let mut diags = Diagnostics::new();
            let value = import(&client, &StopSignal::never(), &identity, &mut diags).await;
            assert!(value.is_null());
            let paths = paths(&diags);
            assert_eq!(paths.len(), 1, "{identity:?}: {diags:?}");
            assert!(paths[0].contains(attribute), "{paths:?}");
            assert!(diags
                .iter()
                .all(|d| d.detail.ends_with('.') && !d.detail.ends_with("..")));
        }
        assert_eq!(fake.calls().len(), before, "no call for a bad identity");
    }

    #[tokio::test]
    async fn an_id_without_secrets_says_so() {
        let (_fake, client, _) = made(&["a"]).await;
        let id = "asm-00000000000000000000000000000000";
        let (value, diags) = import_id(&client, id).await;
        assert!(value.is_null());
        let error = diags.iter().next().unwrap();
        assert_eq!(error.summary, format!("No secrets carry the id {id}"));
        assert!(
            error
                .detail
                .contains("account 000000000000, region us-east-1"),
            "{error:?}"
        );
    }

    #[tokio::test]
    async fn a_group_of_scheduled_secrets_imports_empty_for_the_next_apply_to_restore() {
        let (fake, client, prior) = made(&["a", "b"]).await;
        for arn in prior.arns.values() {
            fake.delete(arn, 30).await.unwrap();
        }
        let (value, diags) = import_id(&client, &prior.id).await;
        assert!(!diags.has_errors(), "{diags:?}");
        let imported = SecretsState::from_value(&value).unwrap();
        assert!(imported.arns.is_empty());
        assert!(diags
            .iter()
            .any(|d| d.detail.contains("\"a\", \"b\"") && d.detail.contains("restores")));
    }

    #[tokio::test]
    async fn a_denied_listing_is_one_error_on_the_id() {
        let (fake, client, prior) = made(&["a"]).await;
        fake.deny_listing();
        let (value, diags) = import_id(&client, &prior.id).await;
        assert!(value.is_null());
        assert_eq!(diags.len(), 1);
        assert!(diags
            .iter()
            .next()
            .unwrap()
            .detail
            .contains("AccessDeniedException"));
    }
}
