//! ReadResource and ImportResourceState: what exists now, by DescribeSecret
//! (which never returns a value).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use crate::provider::batch::{run_all, Outcome};
use crate::provider::lookup::{describe_names, Lookup};
use crate::provider::secrets::{ApiError, SecretInfo};
use crate::provider::tags::{ownership_tags, OWNERSHIP_ID};
use crate::provider::Configured;
use crate::tf::diag::Diagnostics;
use crate::tf::stop::StopSignal;
use crate::tf::value::AttributePath;
use crate::tf::value::Value;

use super::apply::warn_owned_elsewhere;
use super::id::new_id;
use super::model::SecretsState;
use super::ownership::{recorded_ids, Owner};
use super::report::{brief_listing, unverified};
use super::schema::SECRET_NAMES;
use crate::provider::names::name_problem;

/// Refreshes state: a secret deleted or scheduled for deletion outside
/// Terraform drops out, so the next plan adds it back; one that another
/// resource instance took over (imported) drops out with a warning, so the
/// two never fight over its tags. If the state of any secret cannot be
/// learned (an API error), the refresh fails with one error: a plan must
/// never report "No changes" it did not check.
pub async fn read(
    client: &Configured,
    stop: &StopSignal,
    prior: SecretsState,
    diags: &mut Diagnostics,
) -> Value {
    let api = client.secrets.as_ref();
    let targets: Vec<(String, String)> = prior
        .arns
        .iter()
        .map(|(n, a)| (n.clone(), a.clone()))
        .collect();
    let managed_keys: BTreeSet<String> = prior
        .tags_all
        .keys()
        .chain(client.default_tags.keys())
        .cloned()
        .chain(ownership_tags(&BTreeMap::new(), "").into_keys())
        .collect();
    // Tags are folded in as answers arrive, so ten thousand secrets never
    // hold ten thousand tag maps at once.
    let common = Mutex::new(CommonTags::new(&managed_keys));
    let owner = prior.owner();
    let results = run_all(targets, stop, |(name, arn)| {
        let (common, owner) = (&common, &owner);
        async move {
            let seen = match api.describe(&arn).await? {
                // Gone; but say so if another secret took the name.
                None => match api.describe(&name).await? {
                    Some(other) if !other.scheduled_for_deletion => Seen::Replaced,
                    _ => Seen::Gone,
                },
                Some(info) if info.scheduled_for_deletion => Seen::Gone,
                // Not the secret this resource made, though it has the name.
                Some(info) if info.arn != arn => Seen::Replaced,
                Some(info) => match owner.foreign_owner(&info) {
                    Some(other) => Seen::OwnedBy(other.to_owned()),
                    None => {
                        common
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .add(&info.tags);
                        if has_ownership_tags(&info.tags, owner) {
                            let id = info.tags.get(OWNERSHIP_ID).cloned().unwrap_or_default();
                            Seen::Live(info.arn, id)
                        } else {
                            Seen::Untagged(info.arn)
                        }
                    }
                },
            };
            Ok::<_, ApiError>(seen)
        }
    })
    .await;
    let mut state = prior.successor(BTreeMap::new());
    let mut owned_elsewhere = Vec::new();
    let mut live_ids = BTreeSet::new();
    let mut untagged: Vec<String> = Vec::new();
    let mut replaced: Vec<String> = Vec::new();
    let mut unchecked: Vec<String> = Vec::new();
    let mut first_error: Option<ApiError> = None;
    for ((name, arn), outcome) in results {
        match outcome {
            Outcome::Done(Seen::Live(live_arn, id)) => {
                live_ids.insert(id);
                state.arns.insert(name, live_arn);
            }
            Outcome::Done(Seen::Untagged(live_arn)) => {
                untagged.push(name.clone());
                state.arns.insert(name, live_arn);
            }
            Outcome::Done(Seen::Gone) => {}
            Outcome::Done(Seen::Replaced) => replaced.push(name),
            Outcome::Done(Seen::OwnedBy(other)) => owned_elsewhere.push((name, other)),
            Outcome::Failed(error) => {
                first_error.get_or_insert(error);
                unchecked.push(name.clone());
                state.arns.insert(name, arn);
            }
            Outcome::Skipped => {
                state.arns.insert(name, arn);
            }
        }
    }
    owned_elsewhere.sort();
    warn_owned_elsewhere(&owned_elsewhere, "dropped out of state", diags);
    warn_untagged(&untagged, diags);
    warn_replaced(&replaced, diags);
    if let Some(error) = first_error {
        unchecked.sort();
        unverified(&unchecked, &error, diags);
    }
    let common = common.into_inner().unwrap_or_else(|e| e.into_inner());
    state.tags_all = common.into_tags().unwrap_or(prior.tags_all);
    if untagged.is_empty() {
        record_previous_owners(
            &mut state.tags_all,
            live_ids.iter().map(|id| Some(id.as_str())),
        );
    }
    state.to_value()
}

/// What a refresh learns about one recorded secret.
enum Seen {
    /// Live and this resource's, with the owner id it carries (its own, or
    /// one its state records).
    Live(String, String),
    /// The recorded secret, live, but its ownership tags were removed or
    /// changed outside Terraform (and name no other owner).
    Untagged(String),
    /// Deleted, or scheduled for deletion.
    Gone,
    /// Another secret (another ARN) answers to the recorded one's name.
    Replaced,
    /// Live, but another resource instance's now.
    OwnedBy(String),
}

/// Whether the secret still carries every ownership tag with this
/// resource's values.
fn has_ownership_tags(tags: &BTreeMap<String, String>, owner: &Owner) -> bool {
    ownership_tags(&BTreeMap::new(), "")
        .into_iter()
        .all(|(key, value)| match (key.as_str(), tags.get(&key)) {
            (OWNERSHIP_ID, Some(id)) => owner.owns(id),
            (_, Some(actual)) => *actual == value,
            (_, None) => false,
        })
}

/// One warning on `secret_names` about `names`, if any: "N secret(s)
/// {summary}", and a detail around their (sorted) listing.
fn warn_about(
    names: &[String],
    summary: &str,
    detail: impl FnOnce(&str) -> String,
    diags: &mut Diagnostics,
) {
    if names.is_empty() {
        return;
    }
    diags.warning_at(
        AttributePath::root(SECRET_NAMES),
        format!("{} secret(s) {summary}", names.len()),
        detail(&brief_listing(names)),
    );
}

/// Tag repair is never silent: the secrets are the ones this resource
/// made (same ARN as recorded), so the next apply tags them again.
fn warn_untagged(names: &[String], diags: &mut Diagnostics) {
    warn_about(
        names,
        "lost their ownership tags outside Terraform",
        |listed| {
            format!(
                "The planton.ai/* ownership tags of these secrets were removed or changed outside \
             Terraform: {listed}. They are still the secrets this resource created (the same ARNs \
             it recorded), so the next apply tags them again; only a secret with a recorded ARN \
             is ever re-tagged."
            )
        },
        diags,
    );
}

/// A different secret took a recorded name: it is not this resource's, so
/// it leaves state untouched.
fn warn_replaced(names: &[String], diags: &mut Diagnostics) {
    warn_about(
        names,
        "were replaced by other secrets of the same name",
        |listed| {
            format!(
            "The secrets this resource recorded under these names are gone, and another secret \
             (another ARN) now has each name: {listed}. Those are not this resource's; they leave \
             its state untouched, and the next apply refuses to take them over unless they are \
             clean planton secrets released by their owner."
        )
        },
        diags,
    );
}

/// Builds state for `terraform import ADDRESS 'name1,name2'`. Every name
/// must exist and not be scheduled for deletion.
pub async fn import(
    client: &Configured,
    stop: &StopSignal,
    import_id: &str,
    diags: &mut Diagnostics,
) -> Value {
    let Some(names) = parse_import_id(import_id, diags) else {
        return Value::Null;
    };
    import_names(client, stop, names, "leave it out of the import ID", diags).await
}

/// Takes the named secrets in under a fresh id, warning about their
/// previous owners; each must be live when described (`remedy` says what to
/// do about one that is not). Null, with errors, when any cannot be taken.
pub(super) async fn import_names(
    client: &Configured,
    stop: &StopSignal,
    names: Vec<String>,
    remedy: &str,
    diags: &mut Diagnostics,
) -> Value {
    let mut found = Vec::new();
    for (name, lookup) in describe_names(client.secrets.as_ref(), stop, names).await {
        match lookup.problem(&name, remedy) {
            None => {
                if let Lookup::Live(info) = lookup {
                    found.push(info);
                }
            }
            Some(problem) => diags.error(
                format!("Cannot import secret {name:?}"),
                format!("The secret {name:?} cannot be imported: {problem}."),
            ),
        }
    }
    if diags.has_errors() {
        return Value::Null;
    }
    let id = match new_id() {
        Ok(id) => id,
        Err(problem) => {
            diags.error(
                "Cannot create a resource id",
                format!("The provider could not draw a random resource id: {problem}. Nothing was imported."),
            );
            return Value::Null;
        }
    };
    warn_previous_owners(&found, diags);
    recorded_state(id, &found, &client.default_tags).to_value()
}

/// The state that records `found` under `id`: their names and ARNs, and
/// as `tags_all` the managed tags they all share.
pub(super) fn recorded_state(
    id: String,
    found: &[SecretInfo],
    default_tags: &BTreeMap<String, String>,
) -> SecretsState {
    let managed_keys: BTreeSet<String> = ownership_tags(default_tags, &id).into_keys().collect();
    let mut common = CommonTags::new(&managed_keys);
    for info in found {
        common.add(&info.tags);
    }
    let mut tags_all = common.into_tags().unwrap_or_default();
    let ids = found
        .iter()
        .map(|i| i.tags.get(OWNERSHIP_ID).map(String::as_str));
    record_previous_owners(&mut tags_all, ids);
    let mut state = SecretsState::new(id, tags_all);
    state.kms_key_id = common_key(found);
    state.arns = found
        .iter()
        .map(|info| (info.name.clone(), info.arn.clone()))
        .collect();
    state
}

/// The customer key every imported secret names the same way, if any, as
/// the state's `kms_key_id`: a configuration that names it plans no change.
fn common_key(found: &[SecretInfo]) -> Option<String> {
    let first = found.first()?.customer_kms_key()?;
    found
        .iter()
        .all(|info| info.customer_kms_key() == Some(first))
        .then(|| first.to_owned())
}

/// Secrets from several previous owners share no id, so `tags_all` would
/// record none and the next refresh would take them for another resource's:
/// record all of them (see `ownership::recorded_ids`) until the next apply
/// re-tags the secrets. Untagged secrets leave it as it is, so the plan
/// shows the tags they lack.
fn record_previous_owners<'a>(
    tags_all: &mut BTreeMap<String, String>,
    owner_ids: impl Iterator<Item = Option<&'a str>>,
) {
    if tags_all.contains_key(OWNERSHIP_ID) {
        return;
    }
    let mut ids = BTreeSet::new();
    for id in owner_ids {
        match id {
            Some(id) => ids.insert(id),
            None => return,
        };
    }
    if !ids.is_empty() {
        tags_all.insert(OWNERSHIP_ID.to_owned(), recorded_ids(ids));
    }
}

/// Import is the deliberate way to move ownership: say whose secrets are
/// being taken, since the next apply re-tags them and their previous
/// owner's refresh then lets go of them.
fn warn_previous_owners(found: &[SecretInfo], diags: &mut Diagnostics) {
    let mut taken: Vec<&str> = Vec::new();
    let mut owners = BTreeSet::new();
    for info in found {
        if let Some(owner) = info.tags.get(OWNERSHIP_ID) {
            taken.push(&info.name);
            owners.insert(owner.as_str());
        }
    }
    if taken.is_empty() {
        return;
    }
    taken.sort_unstable();
    diags.warning(
        format!(
            "Importing {} secret(s) owned by another planton_aws_secrets resource",
            taken.len()
        ),
        format!(
            "These secrets carry the planton.ai/resource-id of another resource ({}): {}. This \
             resource takes them over: the next apply tags them with its own id, checking each \
             secret still carries that id, and the previous owner's next refresh drops them from \
             its state with a warning. The provider cannot see other states, so which case this \
             is is yours to tell. Recovering your own lost state (the previous owner's state is \
             gone): nothing else to do, keep the configuration as it is. Taking the group from \
             another workspace that still has it: in that workspace run terraform state rm for \
             its resource (not a removal from its configuration, which would schedule the \
             secrets), and do not apply it meanwhile.",
            owners.into_iter().collect::<Vec<_>>().join(", "),
            brief_listing(&taken)
        ),
    );
}

/// The import ID is the comma-separated list of names.
fn parse_import_id(import_id: &str, diags: &mut Diagnostics) -> Option<Vec<String>> {
    let names: BTreeSet<String> = import_id
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect();
    if names.is_empty() {
        diags.error(
            "Invalid import ID",
            "The import ID must list the secret names separated by commas, for example: terraform import planton_aws_secrets.app 'app/prod/DB_PASSWORD,app/prod/API_KEY'.",
        );
        return None;
    }
    for name in &names {
        if let Some(problem) = name_problem(name) {
            diags.error(
                format!("Invalid secret name {name:?} in import ID"),
                format!("{name:?} is not a valid secret name: {problem}."),
            );
        }
    }
    (!diags.has_errors()).then(|| names.into_iter().collect())
}

/// The managed tags that every secret seen carries with the same value. A
/// tag missing from some secret, or differing, is left out, so the next
/// plan shows the tag update that brings them back in line.
struct CommonTags<'a> {
    managed_keys: &'a BTreeSet<String>,
    /// `None` until the first secret is seen.
    common: Option<BTreeMap<String, String>>,
}

impl<'a> CommonTags<'a> {
    fn new(managed_keys: &'a BTreeSet<String>) -> Self {
        Self {
            managed_keys,
            common: None,
        }
    }

    fn add(&mut self, tags: &BTreeMap<String, String>) {
        match &mut self.common {
            Some(common) => common.retain(|k, v| tags.get(k) == Some(v)),
            None => {
                let managed = tags
                    .iter()
                    .filter(|(k, _)| self.managed_keys.contains(*k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                self.common = Some(managed);
            }
        }
    }

    /// `None` when no secret was seen.
    fn into_tags(self) -> Option<BTreeMap<String, String>> {
        self.common
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::secrets::fake::FakeSecrets;
    use crate::provider::secrets::SecretsApi;
    use crate::resources::aws_secrets::apply::tests::{configured, planned};
    use crate::resources::aws_secrets::apply::{self, create};
    use crate::resources::aws_secrets::model::tests::documents_changed;
    use std::sync::Arc;

    async fn setup(names: &[&str]) -> (Arc<FakeSecrets>, Configured, SecretsState) {
        let fake = Arc::new(FakeSecrets::new());
        let client = configured(&fake, &[("team", "x")]);
        let mut diags = Diagnostics::new();
        let value = create(&client, &StopSignal::never(), &planned(names), &mut diags).await;
        (fake, client, SecretsState::from_value(&value).unwrap())
    }

    #[tokio::test]
    async fn refresh_drops_secrets_deleted_or_scheduled_out_of_band() {
        let (fake, client, prior) = setup(&["a", "b", "c"]).await;
        fake.delete(&prior.arns["b"], 30).await.unwrap();
        let mut diags = Diagnostics::new();
        let value = read(&client, &StopSignal::never(), prior.clone(), &mut diags).await;
        let state = SecretsState::from_value(&value).unwrap();
        assert_eq!(state.arns.keys().collect::<Vec<_>>(), ["a", "c"]);
        assert_eq!(state.tags_all, prior.tags_all);
        assert!(fake.calls().iter().all(|c| !c.contains("Value")));
    }

    /// A refresh records the documents it found unless a secret vanished;
    /// then it rewrites at most two. An update with unchanged names
    /// records them as they were, as its plan did.
    #[tokio::test]
    async fn refresh_and_update_keep_the_recorded_documents() {
        let names: Vec<String> = (0..300)
            .map(|i| format!("team-{}/production/service-{i:03}/DATABASE_PASSWORD", i % 7))
            .collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let (fake, client, created) = setup(&refs).await;
        assert!(created.documents.len() > 3, "{}", created.documents.len());
        let stop = StopSignal::never();
        let mut diags = Diagnostics::new();
        let fewer = planned(&refs[1..]);
        let value = apply::update(&client, &stop, created.clone(), &fewer, &mut diags).await;
        let kept = SecretsState::from_value(&value).unwrap();
        assert!(documents_changed(&created, &kept) <= 2);
        let refreshed = read(&client, &stop, kept.clone(), &mut diags).await;
        assert_eq!(SecretsState::from_value(&refreshed).unwrap(), kept);
        fake.delete(&kept.arns[&names[150]], 30).await.unwrap();
        let refreshed = read(&client, &stop, kept.clone(), &mut diags).await;
        let refreshed = SecretsState::from_value(&refreshed).unwrap();
        assert_eq!(refreshed.arns.len(), 298);
        assert!(documents_changed(&kept, &refreshed) <= 2);
        let remaining: Vec<&str> = refreshed.arns.keys().map(String::as_str).collect();
        let same = planned(&remaining);
        let value = apply::update(&client, &stop, refreshed.clone(), &same, &mut diags).await;
        let applied = SecretsState::from_value(&value).unwrap();
        assert_eq!(applied.documents, refreshed.documents);
        assert!(!diags.has_errors(), "{diags:?}");
    }

    #[tokio::test]
    async fn refresh_that_cannot_check_some_secrets_fails_with_one_error() {
        let names: Vec<String> = (0..40).map(|i| format!("n{i:02}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let (fake, client, prior) = setup(&refs).await;
        for name in &names[..25] {
            fake.deny(name);
        }
        fake.delete(&prior.arns["n39"], 30).await.unwrap();
        let mut diags = Diagnostics::new();
        let value = read(&client, &StopSignal::never(), prior.clone(), &mut diags).await;
        assert_eq!(diags.len(), 1, "{diags:?}");
        let d = diags.iter().next().unwrap();
        assert!(d.severity == crate::tf::diag::Severity::Error, "{d:?}");
        assert_eq!(d.summary, "Cannot refresh 25 secret(s)");
        assert!(d.detail.contains("\"n00\", \"n01\""), "{d:?}");
        assert!(d.detail.contains("and 20 more"), "{d:?}");
        assert!(d.detail.contains("AccessDeniedException"), "{d:?}");
        // A secret really gone still drops out.
        let state = SecretsState::from_value(&value).unwrap();
        assert!(!state.arns.contains_key("n39"));
        assert_eq!(state.arns.len(), 39);
    }

    #[tokio::test]
    async fn refresh_warns_when_another_secret_took_a_recorded_name() {
        let (fake, client, prior) = setup(&["a", "b", "c"]).await;
        // a deleted for good and made again by someone else: a new ARN,
        // and DescribeSecret of the recorded ARN finds nothing, as on AWS.
        let new_a = fake.insert("a", BTreeMap::new(), false);
        assert_ne!(new_a, prior.arns["a"]);
        fake.delete(&prior.arns["c"], 30).await.unwrap();
        let calls = fake.calls().len();
        let mut diags = Diagnostics::new();
        let value = read(&client, &StopSignal::never(), prior.clone(), &mut diags).await;
        let state = SecretsState::from_value(&value).unwrap();
        assert_eq!(state.arns.keys().collect::<Vec<_>>(), ["b"]);
        assert_eq!(diags.len(), 1, "{diags:?}");
        let warning = diags.iter().next().unwrap();
        assert_eq!(
            warning.summary,
            "1 secret(s) were replaced by other secrets of the same name"
        );
        assert!(warning.detail.contains("\"a\""), "{warning:?}");
        let new_calls = &fake.calls()[calls..];
        assert!(
            new_calls.iter().all(|c| c.starts_with("DescribeSecret")),
            "{new_calls:?}"
        );
        assert_eq!(fake.get("a").unwrap().arn, new_a, "left untouched");
    }

    #[tokio::test]
    async fn refresh_notices_a_managed_tag_removed_out_of_band() {
        let (fake, client, prior) = setup(&["a", "b"]).await;
        fake.untag(&prior.arns["a"], &["team".to_owned()])
            .await
            .unwrap();
        let mut diags = Diagnostics::new();
        let value = read(&client, &StopSignal::never(), prior.clone(), &mut diags).await;
        let state = SecretsState::from_value(&value).unwrap();
        assert!(!state.tags_all.contains_key("team"));
        assert_eq!(state.arns, prior.arns);
    }

    #[tokio::test]
    async fn refresh_drops_secrets_another_resource_took_over_with_one_warning() {
        let (fake, client, prior) = setup(&["a", "b", "c"]).await;
        for name in ["a", "b"] {
            fake.alter(name, |s| {
                s.tags.insert(OWNERSHIP_ID.into(), "asm-new-owner".into());
            });
        }
        let mut diags = Diagnostics::new();
        let value = read(&client, &StopSignal::never(), prior.clone(), &mut diags).await;
        let state = SecretsState::from_value(&value).unwrap();
        assert_eq!(state.arns.keys().collect::<Vec<_>>(), ["c"]);
        assert_eq!(state.tags_all, prior.tags_all);
        assert_eq!(diags.len(), 1);
        let warning = diags.iter().next().unwrap();
        assert!(warning.detail.contains("asm-new-owner"));
        assert!(warning.detail.contains("\"a\", \"b\""));
        assert!(!fake.calls().iter().any(|c| c.starts_with("Tag")));
    }

    #[tokio::test]
    async fn refresh_warns_about_lost_ownership_tags_and_the_apply_re_tags_the_same_arn() {
        let (fake, client, prior) = setup(&["a", "b"]).await;
        fake.untag(
            &prior.arns["a"],
            &[OWNERSHIP_ID.to_owned(), "planton.ai/resource".into()],
        )
        .await
        .unwrap();
        let mut diags = Diagnostics::new();
        let value = read(&client, &StopSignal::never(), prior.clone(), &mut diags).await;
        let state = SecretsState::from_value(&value).unwrap();
        assert_eq!(state.arns, prior.arns, "still the recorded secrets");
        assert!(!state.tags_all.contains_key(OWNERSHIP_ID));
        let warning = diags.iter().next().expect("a warning");
        assert!(warning.summary.contains("lost their ownership tags"));
        assert!(warning.detail.contains("\"a\""));
        let mut diags = Diagnostics::new();
        let value = apply::update(
            &client,
            &StopSignal::never(),
            state,
            &planned(&["a", "b"]),
            &mut diags,
        )
        .await;
        assert!(!diags.has_errors(), "{diags:?}");
        assert_eq!(
            SecretsState::from_value(&value).unwrap().tags_all,
            prior.tags_all
        );
        assert_eq!(fake.get("a").unwrap().tags[OWNERSHIP_ID], prior.id);
    }

    #[tokio::test]
    async fn refresh_drops_a_different_secret_under_a_recorded_name_untouched() {
        let (fake, client, prior) = setup(&["a", "b"]).await;
        fake.alter("a", |s| s.arn.push_str("-other"));
        let calls = fake.calls().len();
        let mut diags = Diagnostics::new();
        let value = read(&client, &StopSignal::never(), prior.clone(), &mut diags).await;
        let state = SecretsState::from_value(&value).unwrap();
        assert_eq!(state.arns.keys().collect::<Vec<_>>(), ["b"]);
        let warning = diags.iter().next().expect("a warning");
        assert!(warning.summary.contains("replaced by other secrets"));
        assert!(fake.calls()[calls..]
            .iter()
            .all(|c| c.starts_with("Describe")));
    }

    #[tokio::test]
    async fn secrets_imported_from_several_owners_stay_until_the_apply_re_tags_them() {
        let fake = Arc::new(FakeSecrets::new());
        let client = configured(&fake, &[]);
        let mut diags = Diagnostics::new();
        for (names, _) in [(["a"], 0), (["b"], 1)] {
            create(&client, &StopSignal::never(), &planned(&names), &mut diags).await;
        }
        let owners =
            [fake.get("a").unwrap(), fake.get("b").unwrap()].map(|s| s.tags[OWNERSHIP_ID].clone());
        let value = import(&client, &StopSignal::never(), "a,b", &mut diags).await;
        let imported = SecretsState::from_value(&value).unwrap();
        let recorded = &imported.tags_all[OWNERSHIP_ID];
        assert!(
            owners.iter().all(|o| recorded.contains(o.as_str())),
            "{recorded}"
        );
        let mut diags = Diagnostics::new();
        let value = read(&client, &StopSignal::never(), imported.clone(), &mut diags).await;
        let refreshed = SecretsState::from_value(&value).unwrap();
        assert_eq!(refreshed, imported, "nothing dropped: {diags:?}");
        let value = apply::update(
            &client,
            &StopSignal::never(),
            refreshed,
            &planned(&["a", "b"]),
            &mut diags,
        )
        .await;
        assert!(!diags.has_errors(), "{diags:?}");
        let applied = SecretsState::from_value(&value).unwrap();
        assert_eq!(applied.tags_all[OWNERSHIP_ID], imported.id);
        for name in ["a", "b"] {
            assert_eq!(fake.get(name).unwrap().tags[OWNERSHIP_ID], imported.id);
        }
    }

    #[tokio::test]
    async fn import_mints_a_new_id_and_names_the_previous_owner() {
        let (_fake, client, prior) = setup(&["a", "b"]).await;
        let mut diags = Diagnostics::new();
        let value = import(&client, &StopSignal::never(), " b, a ", &mut diags).await;
        assert!(!diags.has_errors(), "{diags:?}");
        let imported = SecretsState::from_value(&value).unwrap();
        assert_ne!(imported.id, prior.id);
        assert!(imported.id.starts_with("asm-"));
        assert_eq!(imported.arns, prior.arns);
        // tags_all records what the secrets carry, so the next plan shows
        // the ownership tag moving to the importer.
        assert_eq!(imported.tags_all, prior.tags_all);
        let warning = diags.iter().next().unwrap();
        assert!(warning.detail.contains(&prior.id));
        // Until that apply, the importer's refresh keeps them.
        let mut diags = Diagnostics::new();
        let refreshed = read(&client, &StopSignal::never(), imported.clone(), &mut diags).await;
        assert_eq!(SecretsState::from_value(&refreshed).unwrap(), imported);
        assert!(diags.is_empty());
    }

    #[tokio::test]
    async fn import_names_each_missing_or_scheduled_secret() {
        let (fake, client, prior) = setup(&["a", "b"]).await;
        fake.delete(&prior.arns["b"], 30).await.unwrap();
        let mut diags = Diagnostics::new();
        let value = import(&client, &StopSignal::never(), "a,b,nope", &mut diags).await;
        assert!(value.is_null());
        let summaries: Vec<_> = diags.iter().map(|d| d.summary.clone()).collect();
        assert_eq!(summaries.len(), 2, "{summaries:?}");
        assert!(diags
            .iter()
            .any(|d| d.summary.contains("\"b\"") && d.detail.contains("scheduled for deletion")));
        assert!(diags
            .iter()
            .any(|d| d.summary.contains("\"nope\"") && d.detail.contains("no secret")));
    }

    #[tokio::test]
    async fn import_id_must_list_valid_names() {
        let (_fake, client, _) = setup(&["a"]).await;
        for bad in ["", " , ", "a,bad name"] {
            let mut diags = Diagnostics::new();
            assert!(import(&client, &StopSignal::never(), bad, &mut diags)
                .await
                .is_null());
            assert!(diags.has_errors(), "{bad:?}");
        }
    }
}
