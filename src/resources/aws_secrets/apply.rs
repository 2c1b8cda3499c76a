//! ApplyResourceChange: create, update and delete as a set difference of
//! names, run concurrently. Whatever happens, the returned state lists
//! exactly the names that exist and belong to this resource.

use std::collections::{BTreeMap, BTreeSet};

use crate::provider::batch::{run_all, Outcome};
use crate::provider::key_names::same_key;
use crate::provider::keys::policy_key_arn;
use crate::provider::secrets::{ApiError, SecretInfo, SecretsApi, AWS_MANAGED_KEY_ALIAS};
use crate::provider::tags::{
    ownership_tags, TagCount, HANDOVER, OWNERSHIP_ID, OWNERSHIP_KIND, OWNERSHIP_RESOURCE, RELEASED,
};
use crate::provider::Configured;
use crate::tf::diag::Diagnostics;
use crate::tf::stop::StopSignal;
use crate::tf::value::{AttributePath, Value};

use super::ensure::{carry_out, ensure_secret, judge, Action, Claim, EnsureError, KeyWanted};
use super::guard::{check_after, still_moving, After, Leases};
use super::handover::{CreatePlan, HandedOver};
use super::id::new_id;
use super::mark::{hands_over, is_fresh, mark_tags, principal_of, Binding};
use super::model::{known_names, SecretsState};
use super::ownership::{Owner, Refusal};
use super::plan::{planned_window, warn_deletions};
use super::read::recorded_state;
use super::refusal::{explain_refusals, refused_detail};
use super::report::{brief_listing, warn_owned_elsewhere, NameReport};
use super::schema::{KMS_KEY_ID, SECRET_NAMES};
use super::taken;

/// Creates every name, or nothing: each existing name is first described
/// and judged, and if any is not this new resource's to take, the create
/// fails before a single write (so the import that a refusal may offer finds
/// the address free). Many names are first narrowed down to those that
/// exist by a listing (see `taken`). A create that fails part-way later (throttling, an
/// outage, a stop) records what it made; the replacement Terraform then
/// plans for the tainted object hands it over (see `handover`). A create
/// whose existing names all carry one old id, one of them with a valid
/// handover mark (see `mark`), is the create half of a replacement whose
/// destroy half ran in an earlier apply: it continues that object.
pub async fn create(
    client: &Configured,
    stop: &StopSignal,
    planned: &Value,
    diags: &mut Diagnostics,
) -> Value {
    let Some(names) = planned_names(planned, diags) else {
        return Value::Null;
    };
    let planned_set = names.clone();
    let Some(key) = wanted_key(client, planned, None, diags).await else {
        return Value::Null;
    };
    let id = match new_id() {
        Ok(id) => id,
        Err(problem) => {
            diags.error(
                "Cannot create a resource id",
                format!("The provider could not draw a random resource id: {problem}. Nothing was created; check the machine and apply again."),
            );
            return Value::Null;
        }
    };
    let tags = ownership_tags(&client.default_tags, &id);
    let owner = Owner::new(&id);
    let default_tag_keys = default_tag_keys(client);
    let claim = Claim {
        owner: &owner,
        default_tag_keys: &default_tag_keys,
        tags: &tags,
        key: &key,
        keys: client.keys.as_ref(),
        ignore: &client.ignore_tags,
        recovery_window_in_days: planned_window(planned).unwrap_or(client.recovery_window_in_days),
    };
    // Names a listing found are checked one by one; names it did not find
    // go straight to CreateSecret, which judges a name taken after all.
    let (check, create): (Vec<String>, Vec<String>) =
        match taken::listed(client.secrets.as_ref(), stop, &names).await {
            Some(taken) => names.into_iter().partition(|n| taken.contains(n)),
            None => (names, Vec::new()),
        };
    let checked = check_names(client, stop, check, &claim, diags).await;
    if !checked.refused.is_empty() {
        if let Some(handed_over) = marked_handover(client, &planned_set, &checked) {
            return replace(client, stop, handed_over, planned, diags).await;
        }
        explain_refusals(checked.refused, &BTreeMap::new(), true, diags);
        return Value::Null;
    }
    let mut actions = checked.actions;
    actions.extend(create.into_iter().map(|name| (name, Action::Create)));
    let mut state = SecretsState::new(id, tags.clone());
    state.kms_key_id = key.kms_key_id.clone();
    state.key_arn = key.key_arn.clone();
    state.recovery_window_in_days = planned_window(planned);
    let refused = add_names(client, stop, &mut state, actions, &claim, diags).await;
    explain_refusals(refused, &state.arns, false, diags);
    if diags.has_errors() {
        if state.arns.is_empty() {
            // Nothing exists, so there is nothing to record.
            return Value::Null;
        }
        explain_taint(state.arns.len(), diags);
    }
    state.to_value()
}

/// What checking names before any write found.
struct Checked {
    /// What to do for each name that may be taken.
    actions: Vec<(String, Action)>,
    /// The names that may not be taken; none means nothing is in the way.
    refused: Vec<(String, Refusal)>,
    /// What DescribeSecret showed of the refused names.
    seen: Vec<SecretInfo>,
}

/// Describes and judges every name before anything is written: the
/// actions to carry out, and every name that may not be taken. A name that
/// could not be checked (an API error, a stop) is reported and left out, as
/// a failed create of it would be.
async fn check_names(
    client: &Configured,
    stop: &StopSignal,
    names: Vec<String>,
    claim: &Claim<'_>,
    diags: &mut Diagnostics,
) -> Checked {
    let api = client.secrets.as_ref();
    let results = run_all(names, stop, |name| async move {
        let existing = api
            .describe(&name)
            .await
            .map_err(|error| EnsureError::Api {
                operation: "DescribeSecret",
                error,
            })?;
        let seen = existing.clone();
        match judge(api, existing, claim).await {
            Ok(action) => Ok(Ok(action)),
            Err(EnsureError::Refused(refusal)) => Ok(Err((refusal, seen))),
            Err(error) => Err(error),
        }
    })
    .await;
    let mut checked = Checked {
        actions: Vec::new(),
        refused: Vec::new(),
        seen: Vec::new(),
    };
    let mut report = NameReport::new("created");
    for (name, outcome) in results {
        match outcome {
            Outcome::Done(Ok(action)) => checked.actions.push((name, action)),
            Outcome::Done(Err((refusal, seen))) => {
                checked.refused.push((name, refusal));
                checked.seen.extend(seen);
            }
            Outcome::Failed(error) if report.shared_cause(&name, error.api_error()) => {}
            Outcome::Failed(error) => {
                let (summary, detail) = describe_ensure_error(&name, error);
                report.failed(&name, summary, detail);
            }
            Outcome::Skipped => report.stopped(&name),
        }
    }
    report.finish(diags);
    checked
}

/// The old object a create of `names` continues because its destroy half
/// ran in an earlier apply (see `mark`): one of the names in the way
/// carries a mark for these names and this caller that has not expired.
/// The live names carrying the mark's id are handed over; any other name
/// in the way is judged again by the continued object (and refused).
fn marked_handover(client: &Configured, names: &[String], checked: &Checked) -> Option<HandedOver> {
    let principal = client.caller_arn.as_deref().map(principal_of);
    let now = now_secs();
    let ids: BTreeSet<&str> = checked
        .seen
        .iter()
        .filter(|info| hands_over(&info.tags, names, principal.as_deref(), now))
        .filter_map(|info| info.tags.get(OWNERSHIP_ID).map(String::as_str))
        .collect();
    let mut ids = ids.into_iter();
    let (Some(id), None) = (ids.next(), ids.next()) else {
        return None;
    };
    let old: Vec<SecretInfo> = checked
        .seen
        .iter()
        .filter(|info| {
            !info.scheduled_for_deletion
                && info.tags.get(OWNERSHIP_ID).map(String::as_str) == Some(id)
        })
        .cloned()
        .collect();
    let marked = old
        .iter()
        .filter(|info| info.tags.contains_key(HANDOVER))
        .map(|info| info.arn.clone())
        .collect();
    tracing::info!(
        resource_id = id,
        "continuing a replaced planton_aws_secrets object whose create half an earlier apply skipped"
    );
    let state = recorded_state(id.to_owned(), &old, &client.default_tags);
    Some(HandedOver { state, marked })
}

/// Seconds since the Unix epoch (0 if the clock is before it).
fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The destroy half of a replacement (see `handover`): removes the names
/// the replacement drops, then marks one secret it keeps so that a create
/// half Terraform skips in this apply can still continue the object in a
/// later one. The object it hands over, or (when a write failed, with the
/// errors) the state to keep: Terraform then keeps the object and skips the
/// create half, and the next apply replaces it again.
pub async fn hand_over(
    client: &Configured,
    stop: &StopSignal,
    recorded: SecretsState,
    plan: &CreatePlan,
    diags: &mut Diagnostics,
) -> Result<HandedOver, SecretsState> {
    let mut state = recorded;
    if let Some(names) = &plan.names {
        let dropped: Vec<String> = state
            .arns
            .keys()
            .filter(|n| names.binary_search(n).is_err())
            .cloned()
            .collect();
        let window = state.window(client.recovery_window_in_days);
        warn_deletions(&dropped, Some(window), diags);
        let owner = state.owner();
        remove_names(client, stop, &mut state, &owner, dropped, diags).await;
        if diags.has_errors() {
            return Err(state);
        }
    }
    let principal = client.caller_arn.as_deref().map(principal_of);
    let binding = Binding {
        id: &state.id,
        names: plan.names.as_deref(),
        principal: principal.as_deref(),
    };
    match mark_one(client, &state, &binding).await {
        Ok(marked) => Ok(HandedOver {
            marked: marked.into_iter().collect(),
            state,
        }),
        Err((arn, error)) => {
            diags.error(
                "Cannot hand the replaced object over",
                format!(
                    "Before replacing this planton_aws_secrets object, the provider marks one of \
                     its secrets ({arn}) so that the replacement can continue it even if \
                     Terraform skips the create half of this apply: {error}. Nothing was deleted \
                     and the object stays in state; fix the cause and apply again."
                ),
            );
            Err(state)
        }
    }
}

/// Tags the first recorded secret that is still live and this object's
/// with the mark of `binding` (the mark is bound to the id every secret
/// carries, so one is enough), unless it carries that mark already; its
/// ARN, `None` when no secret is left to continue.
async fn mark_one(
    client: &Configured,
    state: &SecretsState,
    binding: &Binding<'_>,
) -> Result<Option<String>, (String, String)> {
    let now = now_secs();
    let api = client.secrets.as_ref();
    let owner = state.owner();
    let failed = |arn: &String, operation: &str, error: ApiError| {
        (arn.clone(), format!("{operation} failed: {error}"))
    };
    for arn in state.arns.values() {
        let info = api
            .describe(arn)
            .await
            .map_err(|e| failed(arn, "DescribeSecret", e))?;
        match info {
            Some(info)
                if info.arn == *arn
                    && !info.scheduled_for_deletion
                    && owner.foreign_owner(&info).is_none() =>
            {
                if !is_fresh(&info.tags, binding, now) {
                    let mark = mark_tags(binding, now);
                    let count =
                        TagCount::new(&info.tags, &[], mark.keys(), &default_tag_keys(client));
                    if !count.fits() {
                        return Err((arn.clone(), count.problem()));
                    }
                    api.tag(arn, &mark)
                        .await
                        .map_err(|e| failed(arn, "TagResource", e))?;
                }
                return Ok(Some(arn.clone()));
            }
            // Gone, scheduled or another's: the create half judges it again.
            _ => {}
        }
    }
    Ok(None)
}

/// Removes the handover marks before any other write, so a mark serves
/// once; false (with an error) when one could not be removed.
async fn unmark(
    client: &Configured,
    stop: &StopSignal,
    marked: Vec<String>,
    diags: &mut Diagnostics,
) -> bool {
    let api = client.secrets.as_ref();
    let key = &[HANDOVER.to_owned()];
    let results = run_all(
        marked,
        stop,
        |arn| async move { api.untag(&arn, key).await },
    )
    .await;
    let mut report = NameReport::new("continued");
    for (arn, outcome) in results {
        match outcome {
            Outcome::Done(()) => {}
            Outcome::Failed(error) if report.shared_cause(&arn, Some(&error)) => {}
            Outcome::Failed(error) => report.failed(
                &arn,
                format!("Failed to remove the handover mark of {arn}"),
                format!(
                    "UntagResource ({HANDOVER}) failed: {error}. The replaced object is recorded \
                     again as it was and nothing else was changed; fix the cause and apply again."
                ),
            ),
            Outcome::Skipped => report.stopped(&arn),
        }
    }
    let clean = report.is_clean();
    report.finish(diags);
    clean
}

/// Terraform marks a resource whose create reported errors as tainted and
/// replaces it on the next apply; say that the replacement costs nothing.
fn explain_taint(recorded: usize, diags: &mut Diagnostics) {
    diags.warning_at(
        AttributePath::root(SECRET_NAMES),
        "Resource partly created",
        format!(
            "{recorded} secret(s) exist and are recorded in state. Terraform marks a resource \
             whose creation reported errors as tainted and plans to replace it; for this \
             resource a replacement deletes nothing: the next apply (the same command) hands \
             these secrets, with their ARNs, to the replacement and only adds the missing names, \
             once the errors above are resolved."
        ),
    );
}

pub async fn update(
    client: &Configured,
    stop: &StopSignal,
    prior: SecretsState,
    planned: &Value,
    diags: &mut Diagnostics,
) -> Value {
    let Some(names) = planned_names(planned, diags) else {
        return prior.to_value();
    };
    let Some(key) = wanted_key(client, planned, Some(&prior), diags).await else {
        return prior.to_value();
    };
    let added: Vec<(String, Action)> = names
        .iter()
        .filter(|n| !prior.arns.contains_key(*n))
        .map(|n| (n.clone(), Action::Create))
        .collect();
    let mut prior = prior;
    prior.recovery_window_in_days = planned_window(planned);
    converge(client, stop, prior, &names, added, &key, diags)
        .await
        .to_value()
}

/// The create half of a replacement: continues the object the destroy
/// half handed over (see `handover`), keeping its id and ARNs. Names to
/// add are all checked before anything is written but the removal of the
/// handover mark (see `mark`); if any may not be taken, nothing else is
/// written and the old object is recorded as it was.
pub async fn replace(
    client: &Configured,
    stop: &StopSignal,
    handed_over: HandedOver,
    planned: &Value,
    diags: &mut Diagnostics,
) -> Value {
    let HandedOver {
        state: handed_over,
        marked,
    } = handed_over;
    let Some(names) = planned_names(planned, diags) else {
        return handed_over.to_value();
    };
    // The mark goes first: the object is recorded again from here on, and
    // a mark on a recorded object would let another create continue it.
    if !unmark(client, stop, marked, diags).await {
        explain_taint(handed_over.arns.len(), diags);
        return handed_over.to_value();
    }
    let Some(key) = wanted_key(client, planned, Some(&handed_over), diags).await else {
        return handed_over.to_value();
    };
    let mut handed_over = handed_over;
    handed_over.recovery_window_in_days = planned_window(planned);
    // The create half was planned as a create, which packs its documents
    // afresh: so does the object it continues (the plan's document count
    // and every known document hold; see `plan`).
    handed_over.documents.clear();
    let missing: Vec<String> = names
        .iter()
        .filter(|n| !handed_over.arns.contains_key(*n))
        .cloned()
        .collect();
    let owner = handed_over.owner().for_adoption();
    let default_tag_keys = default_tag_keys(client);
    let tags = ownership_tags(&client.default_tags, &handed_over.id);
    let claim = Claim {
        owner: &owner,
        default_tag_keys: &default_tag_keys,
        tags: &tags,
        key: &key,
        keys: client.keys.as_ref(),
        ignore: &client.ignore_tags,
        recovery_window_in_days: handed_over.window(client.recovery_window_in_days),
    };
    let checked = check_names(client, stop, missing, &claim, diags).await;
    let state = if !checked.refused.is_empty() {
        explain_refusals(checked.refused, &handed_over.arns, true, diags);
        handed_over
    } else {
        // A plan for a replacement never saw the old object's names.
        let dropped: Vec<String> = handed_over
            .arns
            .keys()
            .filter(|n| !names.contains(n))
            .cloned()
            .collect();
        let window = handed_over.window(client.recovery_window_in_days);
        warn_deletions(&dropped, Some(window), diags);
        converge(
            client,
            stop,
            handed_over,
            &names,
            checked.actions,
            &key,
            diags,
        )
        .await
    };
    if diags.has_errors() {
        explain_taint(state.arns.len(), diags);
    }
    state.to_value()
}

/// Brings `state` to `names`: removes the names no longer listed, brings
/// the tags in line, then carries out `added` (names judged already, or
/// [`Action::Create`] to create-or-judge). Secrets imported from another
/// owner are moved under that owner's lease (see `guard`).
async fn converge(
    client: &Configured,
    stop: &StopSignal,
    prior: SecretsState,
    names: &[String],
    added: Vec<(String, Action)>,
    key: &KeyWanted,
    diags: &mut Diagnostics,
) -> SecretsState {
    let mut state = prior;
    let api = client.secrets.as_ref();
    let desired_tags = ownership_tags(&client.default_tags, &state.id);
    let recorded = state.owner();
    let leases = Leases::take(api, &recorded, diags).await;
    let owner = leases.writer(&recorded);
    let errors_before = diags.error_count();

    let removed: Vec<String> = state
        .arns
        .keys()
        .filter(|n| !names.contains(n))
        .cloned()
        .collect();
    remove_names(client, stop, &mut state, &owner, removed, diags).await;

    let mut owned_elsewhere = Vec::new();
    if state.tags_all != desired_tags {
        owned_elsewhere = retag(client, stop, &mut state, &desired_tags, &owner, diags).await;
    }
    if state.kms_key_id != key.kms_key_id || state.key_arn != key.key_arn {
        rekey(client, stop, &mut state, key, diags).await;
    }

    let adopter = Owner {
        recorded: owner.recorded.clone(),
        ..owner.for_adoption()
    };
    let default_tag_keys = default_tag_keys(client);
    let claim = Claim {
        owner: &adopter,
        default_tag_keys: &default_tag_keys,
        tags: &desired_tags,
        key,
        keys: client.keys.as_ref(),
        ignore: &client.ignore_tags,
        recovery_window_in_days: state.window(client.recovery_window_in_days),
    };
    let refused = add_names(client, stop, &mut state, added, &claim, diags).await;
    leases.refuse_owned_elsewhere(&owned_elsewhere, diags);
    explain_refusals(refused, &state.arns, false, diags);
    let failed = diags.error_count() > errors_before;
    let moving = leases.finish(api, failed, diags).await;
    if !moving.is_empty() && state.tags_all.get(OWNERSHIP_ID) == Some(&state.id) {
        // Not moved whole yet: the state keeps the previous ids, so the
        // next apply takes their leases again and finishes.
        state
            .tags_all
            .insert(OWNERSHIP_ID.to_owned(), still_moving(&state.id, &moving));
    }
    state
}

/// Destroys every secret this resource owns; returns what could not be
/// deleted, if anything.
pub async fn delete(
    client: &Configured,
    stop: &StopSignal,
    prior: SecretsState,
    diags: &mut Diagnostics,
) -> Value {
    let mut state = prior;
    let owner = state.owner();
    let names: Vec<String> = state.arns.keys().cloned().collect();
    remove_names(client, stop, &mut state, &owner, names, diags).await;
    if state.arns.is_empty() {
        Value::Null
    } else {
        state.to_value()
    }
}

/// The planned `kms_key_id` and the key ARN the read policies grant: the
/// recorded one while the key stays, else resolved now (see
/// [`policy_key_arn`]), before anything is written. `None` with an error
/// when KMS cannot tell.
async fn wanted_key(
    client: &Configured,
    planned: &Value,
    recorded: Option<&SecretsState>,
    diags: &mut Diagnostics,
) -> Option<KeyWanted> {
    let kms_key_id = planned
        .get_attribute(KMS_KEY_ID)
        .and_then(Value::as_str)
        .map(str::to_owned);
    if let Some(recorded) = recorded.filter(|r| r.kms_key_id == kms_key_id && r.key_arn.is_some()) {
        return Some(KeyWanted {
            kms_key_id,
            key_arn: recorded.key_arn.clone(),
        });
    }
    let resolved = policy_key_arn(
        client.keys.as_ref(),
        kms_key_id.as_deref(),
        &client.region,
        client.account_id.as_deref(),
    )
    .await;
    match resolved {
        Ok(key_arn) => Some(KeyWanted {
            kms_key_id,
            key_arn,
        }),
        Err(error) => {
            diags.error_at(
                AttributePath::root(KMS_KEY_ID),
                "Cannot resolve kms_key_id to a key ARN",
                format!(
                    "kms:DescribeKey on {:?} failed: {error}. The read policies grant \
                     kms:Decrypt on the key's ARN, which IAM matches instead of an alias; \
                     nothing was changed. Allow kms:DescribeKey on the key to the provider's \
                     role, or give kms_key_id as the key ARN.",
                    kms_key_id.unwrap_or_default()
                ),
            );
            None
        }
    }
}

/// Moves every secret to `key` (UpdateSecret with KmsKeyId only: values
/// stay readable, new versions use the new key). The state records the
/// new key only when every secret has it, so a partial failure is retried
/// by the next plan.
async fn rekey(
    client: &Configured,
    stop: &StopSignal,
    state: &mut SecretsState,
    key: &KeyWanted,
    diags: &mut Diagnostics,
) {
    let api = client.secrets.as_ref();
    let target = key.kms_key_id.as_deref().unwrap_or(AWS_MANAGED_KEY_ALIAS);
    // Another name for the same key (its ARN for its id, say), or an alias
    // that now points elsewhere, moves nothing: only the policies change.
    let moves = !same_key(
        state.kms_key_id.as_deref(),
        key.kms_key_id.as_deref(),
        key.key_arn.as_deref(),
    );
    let targets: Vec<(String, String)> = if moves {
        state
            .arns
            .iter()
            .map(|(n, a)| (n.clone(), a.clone()))
            .collect()
    } else {
        Vec::new()
    };
    let results = run_all(targets, stop, |(_, arn)| async move {
        api.set_kms_key(&arn, target).await
    })
    .await;
    let mut report = NameReport::new("moved to the new key");
    for ((name, _), outcome) in results {
        match outcome {
            Outcome::Done(()) => {}
            Outcome::Failed(error) if report.shared_cause(&name, Some(&error)) => {}
            Outcome::Failed(error) => report.failed(
                &name,
                format!("Failed to change the KMS key of secret {name:?}"),
                format!(
                    "UpdateSecret with KmsKeyId {target:?} failed: {error}. The provider's role \
                     needs kms:GenerateDataKey and kms:Decrypt on the new key (and kms:Decrypt \
                     on the old one); the next apply will try again."
                ),
            ),
            Outcome::Skipped => report.stopped(&name),
        }
    }
    if report.is_clean() {
        state.kms_key_id = key.kms_key_id.clone();
        state.key_arn = key.key_arn.clone();
    }
    report.finish(diags);
}

fn default_tag_keys(client: &Configured) -> BTreeSet<String> {
    client.default_tags.keys().cloned().collect()
}

fn planned_names(planned: &Value, diags: &mut Diagnostics) -> Option<Vec<String>> {
    let names = known_names(planned.get_attribute(SECRET_NAMES));
    if names.is_none() {
        diags.error_at(
            AttributePath::root(SECRET_NAMES),
            "Secret names not known at apply time",
            "Terraform asked to apply secret_names that are still unknown. This is a bug in Terraform or the provider; run the apply again.",
        );
    }
    names
}

/// Makes each name exist and records it; returns the names that may not be
/// taken, for one explanation (see `refusal`).
async fn add_names(
    client: &Configured,
    stop: &StopSignal,
    state: &mut SecretsState,
    actions: Vec<(String, Action)>,
    claim: &Claim<'_>,
    diags: &mut Diagnostics,
) -> Vec<(String, Refusal)> {
    let api = client.secrets.as_ref();
    let results = run_all(actions, stop, |(name, action)| async move {
        match action {
            // Created only now: whatever appeared since is judged again.
            Action::Create => ensure_secret(api, &name, claim).await,
            action => carry_out(api, &name, action, claim).await,
        }
    })
    .await;
    let mut report = NameReport::new("created");
    let mut refused = Vec::new();
    for ((name, _), outcome) in results {
        match outcome {
            Outcome::Done(arn) => {
                state.arns.insert(name, arn);
            }
            Outcome::Failed(EnsureError::Refused(refusal)) => refused.push((name, refusal)),
            Outcome::Failed(error) if report.shared_cause(&name, error.api_error()) => {}
            Outcome::Failed(error) => {
                let (summary, detail) = describe_ensure_error(&name, error);
                report.failed(&name, summary, detail);
            }
            Outcome::Skipped => report.stopped(&name),
        }
    }
    report.finish(diags);
    refused
}

/// What became of a secret that was to be deleted.
enum Removal {
    /// Scheduled for deletion now, or already gone.
    Deleted,
    /// Another resource instance owns it now: left alone.
    OwnedBy(String),
    /// Scheduled by this apply while another resource took it: released,
    /// so that resource's next apply restores it.
    ScheduledWhileTaken(String),
}

/// The owner id a secret carries now when it is not `owner`'s.
async fn owner_now(
    api: &dyn SecretsApi,
    arn: &str,
    owner: &Owner,
) -> Result<Option<String>, RemoveError> {
    Ok(api
        .describe(arn)
        .await
        .map_err(|e| RemoveError::Api("DescribeSecret", e))?
        .and_then(|info| owner.foreign_owner(&info).map(str::to_owned)))
}

/// Why a secret could not be scheduled for deletion.
enum RemoveError {
    Api(&'static str, ApiError),
    /// The release tag would pass AWS's tag limit (tags set elsewhere).
    TagLimit(String),
}

/// What a release tags a secret with before it is scheduled.
fn release_tags() -> BTreeMap<String, String> {
    BTreeMap::from([(RELEASED.to_owned(), "true".to_owned())])
}

async fn remove_names(
    client: &Configured,
    stop: &StopSignal,
    state: &mut SecretsState,
    owner: &Owner,
    names: Vec<String>,
    diags: &mut Diagnostics,
) {
    let api = client.secrets.as_ref();
    let window = state.window(client.recovery_window_in_days);
    let targets: Vec<(String, String)> = names
        .into_iter()
        .filter_map(|n| state.arns.get(&n).map(|arn| (n, arn.clone())))
        .collect();
    let release = &release_tags();
    let default_keys = &default_tag_keys(client);
    let results = run_all(targets, stop, |(_, arn)| async move {
        // Only the recorded secret, and only while it is this resource's,
        // is deleted; a different secret under the name is not it.
        let existing = api
            .describe(&arn)
            .await
            .map_err(|e| RemoveError::Api("DescribeSecret", e))?;
        match existing {
            None => Ok(Removal::Deleted),
            Some(info) if info.arn != arn || info.scheduled_for_deletion => Ok(Removal::Deleted),
            Some(info) => match owner.foreign_owner(&info) {
                Some(other) => Ok(Removal::OwnedBy(other.to_owned())),
                None => {
                    // Released first, so the next configuration that lists
                    // the name may restore it (only the owner restores
                    // what was scheduled without this tag).
                    if !info.tags.contains_key(RELEASED) {
                        let count = TagCount::new(&info.tags, &[], release.keys(), default_keys);
                        if !count.fits() {
                            return Err(RemoveError::TagLimit(count.problem()));
                        }
                        api.tag(&arn, release)
                            .await
                            .map_err(|e| RemoveError::Api("TagResource", e))?;
                        // Checked again between the writes: a secret
                        // another resource took meanwhile is its own.
                        if let Some(other) = owner_now(api, &arn, owner).await? {
                            return Ok(Removal::OwnedBy(other));
                        }
                    }
                    if let Err(error) = api.delete(&arn, window).await {
                        // The secret stays this resource's: it must not
                        // stay restorable by others (best effort; a
                        // refresh shows a tag left over, and the next
                        // apply removes it).
                        let _ = api.untag(&arn, &[RELEASED.to_owned()]).await;
                        return Err(RemoveError::Api("DeleteSecret", error));
                    }
                    // And after: scheduled while another took it.
                    match owner_now(api, &arn, owner).await? {
                        Some(other) => Ok(Removal::ScheduledWhileTaken(other)),
                        None => Ok(Removal::Deleted),
                    }
                }
            },
        }
    })
    .await;
    let mut report = NameReport::new("deleted");
    let mut left_alone = Vec::new();
    let mut taken_meanwhile = Vec::new();
    for ((name, _), outcome) in results {
        match outcome {
            Outcome::Done(removal) => {
                state.arns.remove(&name);
                match removal {
                    Removal::Deleted => {}
                    Removal::OwnedBy(other) => left_alone.push((name, other)),
                    Removal::ScheduledWhileTaken(other) => taken_meanwhile.push((name, other)),
                }
            }
            Outcome::Failed(RemoveError::Api(_, error))
                if report.shared_cause(&name, Some(&error)) => {}
            Outcome::Failed(RemoveError::Api(operation, error)) => report.failed(
                &name,
                format!("Failed to delete secret {name:?}"),
                format!(
                    "{operation} (recovery window {window} days) failed: {error}. The secret \
                     still exists and stays in state; fix the cause and apply again."
                ),
            ),
            Outcome::Failed(RemoveError::TagLimit(problem)) => report.failed(
                &name,
                format!("Failed to delete secret {name:?}"),
                format!(
                    "Before scheduling a secret for deletion the provider tags it {RELEASED}, so \
                     that the next configuration naming it may restore it, but {problem}. Nothing \
                     was changed; the secret still exists and stays in state."
                ),
            ),
            Outcome::Skipped => report.stopped(&name),
        }
    }
    left_alone.sort();
    warn_owned_elsewhere(&left_alone, "were not deleted", diags);
    taken_meanwhile.sort();
    if !taken_meanwhile.is_empty() {
        let listed: Vec<String> = taken_meanwhile
            .iter()
            .map(|(name, other)| format!("{name:?} (now {other})"))
            .collect();
        diags.error_at(
            AttributePath::root(SECRET_NAMES),
            format!(
                "{} secret(s) were scheduled for deletion while another resource took them",
                taken_meanwhile.len()
            ),
            format!(
                "This apply released and scheduled these secrets (recovery window {window} days) \
                 while another planton_aws_secrets resource imported them: {}. They are released, \
                 so that resource's next apply (the same configuration, applied again) restores \
                 them with their ARNs.",
                brief_listing(&listed)
            ),
        );
    }
    report.finish(diags);
}

/// Brings every secret's managed tags to `desired`, each secret checked
/// before (its owner is `owner`, or it lost its ownership tags but keeps
/// its recorded ARN) and after (it carries this resource's id). Only the
/// tags a secret lacks are written. `tags_all` moves to the new tags only
/// when every secret has them, so a partial failure is retried by the next
/// plan. Returns the secrets found with another owner: they leave state.
async fn retag(
    client: &Configured,
    stop: &StopSignal,
    state: &mut SecretsState,
    desired: &BTreeMap<String, String>,
    owner: &Owner,
    diags: &mut Diagnostics,
) -> Vec<(String, String)> {
    let api = client.secrets.as_ref();
    let stale: Vec<String> = state
        .tags_all
        .keys()
        .filter(|k| {
            !desired.contains_key(*k)
                && ![OWNERSHIP_RESOURCE, OWNERSHIP_KIND, OWNERSHIP_ID].contains(&k.as_str())
                && !client.ignore_tags.ignores(k)
        })
        .cloned()
        .collect();
    let targets: Vec<(String, String)> = state
        .arns
        .iter()
        .map(|(n, a)| (n.clone(), a.clone()))
        .collect();
    // Tags this resource manages, old and new: any other key on a secret
    // was set elsewhere.
    let managed: BTreeSet<String> = state
        .tags_all
        .keys()
        .chain(desired.keys())
        .cloned()
        .collect();
    let (stale, managed) = (&stale, &managed);
    let results = run_all(targets, stop, |(_, arn)| async move {
        // Checked before writing: the secret carries the id the plan was
        // made against (or lost its ownership tags, its ARN recorded).
        let Some(info) = api.describe(&arn).await.map_err(RetagError::Api)? else {
            return Ok(After::Gone);
        };
        if info.scheduled_for_deletion || info.arn != arn {
            return Ok(After::Gone);
        }
        if let Some(other) = owner.foreign_owner(&info) {
            return Ok(After::OwnedBy(other.to_owned()));
        }
        // Only what this secret lacks is written.
        let changed: BTreeMap<String, String> = desired
            .iter()
            .filter(|(k, v)| info.tags.get(*k) != Some(*v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let stale: Vec<String> = stale
            .iter()
            .filter(|k| info.tags.contains_key(*k))
            .cloned()
            .collect();
        if changed.is_empty() && stale.is_empty() {
            return Ok(After::Ours);
        }
        // Added first: removing first would briefly drop tags that
        // tag-based IAM conditions may rely on. Removed first only when
        // adding would pass AWS's limit on the tags the secret carries.
        let remove_first = !TagCount::new(&info.tags, &[], changed.keys(), managed).fits();
        if remove_first {
            let after = TagCount::new(&info.tags, &stale, changed.keys(), managed);
            if !after.fits() {
                return Err(RetagError::TagLimit(after.problem()));
            }
            untag(api, &arn, &stale).await?;
        }
        if !changed.is_empty() {
            api.tag(&arn, &changed).await.map_err(RetagError::Api)?;
        }
        if !remove_first {
            untag(api, &arn, &stale).await?;
        }
        // Checked after writing: another resource may have taken it.
        check_after(api, &arn, &owner.id)
            .await
            .map_err(RetagError::Api)
    })
    .await;
    let mut report = NameReport::new("re-tagged");
    let mut owned_elsewhere = Vec::new();
    for ((name, _), outcome) in results {
        match outcome {
            Outcome::Done(After::Ours) => {}
            Outcome::Done(After::OwnedBy(other)) => {
                state.arns.remove(&name);
                owned_elsewhere.push((name, other));
            }
            Outcome::Done(After::Gone) => {
                state.arns.remove(&name);
                report.failed(
                    &name,
                    format!("Secret {name:?} was deleted during the apply"),
                    "The secret was deleted or scheduled for deletion outside Terraform while \
                     this apply updated its tags; it left state and the next plan adds it back."
                        .to_owned(),
                );
            }
            Outcome::Failed(RetagError::Api(error)) if report.shared_cause(&name, Some(&error)) => {
            }
            Outcome::Failed(RetagError::Api(error)) => report.failed(
                &name,
                format!("Failed to update the tags of secret {name:?}"),
                format!(
                    "TagResource/UntagResource failed: {error}. The next apply will try again."
                ),
            ),
            Outcome::Failed(RetagError::TagLimit(problem)) => report.failed(
                &name,
                format!("Failed to update the tags of secret {name:?}"),
                format!("The default tags cannot be applied: {problem}."),
            ),
            Outcome::Skipped => report.stopped(&name),
        }
    }
    if report.is_clean() && owned_elsewhere.is_empty() {
        state.tags_all = desired.clone();
    }
    report.finish(diags);
    owned_elsewhere
}

/// What a definite failure of `operation` left for a name: a tag that
/// failed came after the secret was restored or found, which stays so.
fn after_failed(operation: &str) -> &'static str {
    match operation {
        "TagResource" | "UntagResource" => {
            "The secret exists (restored or found live) but is not recorded in state yet."
        }
        _ => "Nothing was changed for this name.",
    }
}

/// Why a secret's tags could not be brought in line.
enum RetagError {
    Api(ApiError),
    /// The tags do not fit AWS's limit even with the stale ones removed.
    TagLimit(String),
}

/// UntagResource of the stale keys a secret carries, if any.
async fn untag(api: &dyn SecretsApi, arn: &str, stale: &[String]) -> Result<(), RetagError> {
    if !stale.is_empty() {
        api.untag(arn, stale).await.map_err(RetagError::Api)?;
    }
    Ok(())
}

/// The summary and detail of one name's failure to exist.
fn describe_ensure_error(name: &str, error: EnsureError) -> (String, String) {
    match error {
        // The answer to a write was lost: the secret may exist, and the
        // next apply adopts it by its planton.ai/resource-id tag.
        EnsureError::Api { operation, error }
            if error.outcome_unknown()
                && operation != "DescribeSecret"
                && operation != "GetResourcePolicy" =>
        {
            (
                format!("Secret {name:?} may or may not have been created"),
                format!(
                    "{operation} was sent but its answer was lost: {error}. The secret may exist; \
                 state does not record it yet. Fix the cause (network, endpoint) and apply again: \
                 a secret made for this resource carries its planton.ai/resource-id tag and is \
                 adopted."
                ),
            )
        }
        EnsureError::Api { operation, error } => (
            format!("Failed to create secret {name:?}"),
            format!(
                "{operation} failed: {error}. {} Fix the cause (permissions, quotas, network) and \
                 apply again.",
                after_failed(operation)
            ),
        ),
        EnsureError::Refused(refusal) => (
            format!("Secret {name:?} is not this resource's to take"),
            refused_detail(name, &refusal),
        ),
        EnsureError::Rescheduled {
            operation,
            error,
            window,
        } => (
            format!("Failed to restore secret {name:?}"),
            format!(
                "It was scheduled for deletion; RestoreSecret brought it back, then {operation} \
                 failed: {error}. So this apply scheduled it for deletion again ({window}-day \
                 recovery window: its deletion date moved), as it found it, and left it out of \
                 state: the one case where recovery schedules a secret. Fix the cause and apply \
                 again; the next apply restores it with the same ARN."
            ),
        ),
        EnsureError::LiveUnrecorded { arn, cause, error } => (
            format!("Secret {name:?} is live and not recorded in state"),
            format!(
                "It was scheduled for deletion; RestoreSecret brought it back ({arn}), then it \
                 could not be taken ({cause}), and scheduling it for deletion again failed too \
                 (DeleteSecret: {error}). It is live, still carries its previous owner's tags, \
                 and no state records it. Schedule it again yourself (aws secretsmanager \
                 delete-secret --secret-id '{arn}' --recovery-window-in-days N) and apply again, \
                 or remove the name from this resource."
            ),
        ),
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::provider::keys::tests::FakeKeys;
    use crate::provider::secrets::fake::FakeSecrets;
    use crate::tf::diag::Severity;
    use crate::tf::stop::StopSource;
    use std::sync::Arc;

    pub fn configured(fake: &Arc<FakeSecrets>, default_tags: &[(&str, &str)]) -> Configured {
        Configured {
            secrets: fake.clone(),
            keys: Arc::new(crate::provider::keys::tests::FakeKeys::default()),
            region: "us-east-1".into(),
            account_id: None,
            caller_arn: None,
            default_tags: default_tags
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect(),
            ignore_tags: Default::default(),
            recovery_window_in_days: 7,
        }
    }

    pub fn planned(names: &[&str]) -> Value {
        let set = Value::Set(names.iter().map(|n| Value::String((*n).into())).collect());
        Value::Object([(SECRET_NAMES.to_owned(), set)].into_iter().collect())
    }

    /// `planned(names)` with a `kms_key_id` and a `recovery_window_in_days`.
    pub fn planned_with(names: &[&str], key: Option<&str>, window: Option<i64>) -> Value {
        let mut value = planned(names);
        if let Value::Object(attributes) = &mut value {
            attributes.insert(
                KMS_KEY_ID.to_owned(),
                key.map_or(Value::Null, |k| Value::String(k.to_owned())),
            );
            attributes.insert(
                super::super::schema::RECOVERY_WINDOW.to_owned(),
                window.map_or(Value::Null, Value::number),
            );
        }
        value
    }

    const KEY_1: &str =
        "arn:aws:kms:us-east-1:111122223333:key/1111aaaa-12ab-34cd-56ef-1234567890ab";
    const KEY_2: &str =
        "arn:aws:kms:us-east-1:111122223333:key/2222bbbb-12ab-34cd-56ef-1234567890ab";

    fn keyed(fake: &Arc<FakeSecrets>, keys: FakeKeys) -> Configured {
        Configured {
            keys: Arc::new(keys),
            ..configured(fake, &[])
        }
    }

    #[tokio::test]
    async fn a_customer_key_is_used_at_create_changed_in_place_and_granted_in_the_policy() {
        let fake = Arc::new(FakeSecrets::new());
        let keys = FakeKeys::with(&["alias/app"], KEY_1, false);
        let client = keyed(&fake, keys);
        let mut diags = Diagnostics::new();
        let value = create(
            &client,
            &never(),
            &planned_with(&["a", "b"], Some("alias/app"), None),
            &mut diags,
        )
        .await;
        assert!(!diags.has_errors(), "{diags:?}");
        let state = SecretsState::from_value(&value).unwrap();
        assert_eq!(state.key_arn.as_deref(), Some(KEY_1), "resolved once");
        assert_eq!(
            fake.get("a").unwrap().kms_key_id.as_deref(),
            Some("alias/app")
        );
        let policy = value
            .get_attribute("read_policy_json")
            .unwrap()
            .as_str()
            .unwrap();
        for expected in [
            KEY_1,
            "kms:Decrypt",
            "secretsmanager.us-east-1.amazonaws.com",
        ] {
            assert!(policy.contains(expected), "{expected} missing: {policy}");
        }

        // Another key: UpdateSecret on each secret, nothing created or deleted.
        let calls = fake.calls().len();
        let mut diags = Diagnostics::new();
        let value = update(
            &client,
            &never(),
            state.clone(),
            &planned_with(&["a", "b"], Some(KEY_2), None),
            &mut diags,
        )
        .await;
        assert!(!diags.has_errors(), "{diags:?}");
        let after: Vec<String> = fake.calls()[calls..].to_vec();
        assert_eq!(
            after,
            [
                format!("UpdateSecret {}", state.arns["a"]),
                format!("UpdateSecret {}", state.arns["b"])
            ]
        );
        let moved = SecretsState::from_value(&value).unwrap();
        assert_eq!(moved.arns, state.arns);
        assert_eq!(moved.kms_key_id.as_deref(), Some(KEY_2));
        assert_eq!(moved.key_arn.as_deref(), Some(KEY_2));
        assert_eq!(fake.get("b").unwrap().kms_key_id.as_deref(), Some(KEY_2));
        let documents = value.get_attribute("read_policy_documents").unwrap();
        let text = documents.as_elements().unwrap()[0].as_str().unwrap();
        assert!(text.contains(KEY_2) && !text.contains(KEY_1), "{text}");

        // Back to the AWS-managed key: its alias, and no grant.
        let mut diags = Diagnostics::new();
        let value = update(
            &client,
            &never(),
            moved,
            &planned_with(&["a", "b"], None, None),
            &mut diags,
        )
        .await;
        assert!(!diags.has_errors(), "{diags:?}");
        assert_eq!(
            fake.get("a").unwrap().kms_key_id.as_deref(),
            Some("alias/aws/secretsmanager")
        );
        let policy = value
            .get_attribute("read_policy_json")
            .unwrap()
            .as_str()
            .unwrap();
        assert!(!policy.contains("kms:"), "{policy}");
    }

    #[tokio::test]
    async fn an_alias_kms_cannot_resolve_fails_before_any_write() {
        let fake = Arc::new(FakeSecrets::new());
        let client = keyed(&fake, FakeKeys::default());
        let mut diags = Diagnostics::new();
        let value = create(
            &client,
            &never(),
            &planned_with(&["a"], Some("alias/unknown"), None),
            &mut diags,
        )
        .await;
        assert!(value.is_null());
        assert!(fake.calls().is_empty(), "{:?}", fake.calls());
        let error = diags.iter().next().unwrap();
        assert!(error.detail.contains("kms:DescribeKey"), "{}", error.detail);
    }

    #[tokio::test]
    async fn the_resource_window_is_used_for_removals_and_destroy() {
        let fake = Arc::new(FakeSecrets::new());
        let client = configured(&fake, &[]);
        let mut diags = Diagnostics::new();
        let value = create(
            &client,
            &never(),
            &planned_with(&["a", "b"], None, Some(21)),
            &mut diags,
        )
        .await;
        let state = SecretsState::from_value(&value).unwrap();
        assert_eq!(state.recovery_window_in_days, Some(21));
        let value = update(
            &client,
            &never(),
            state,
            &planned_with(&["a"], None, Some(14)),
            &mut diags,
        )
        .await;
        let state = SecretsState::from_value(&value).unwrap();
        assert_eq!(
            fake.deletion_window("b"),
            Some(14),
            "the planned window removes"
        );
        delete(&client, &never(), state, &mut diags).await;
        assert_eq!(
            fake.deletion_window("a"),
            Some(14),
            "destroy uses the recorded one"
        );
        assert!(!diags.has_errors(), "{diags:?}");
        let plain = created(&client, &["c"]).await;
        delete(&client, &never(), plain, &mut diags).await;
        assert_eq!(fake.deletion_window("c"), Some(7), "else the provider's");
    }

    fn never() -> StopSignal {
        StopSignal::never()
    }

    async fn created(client: &Configured, names: &[&str]) -> SecretsState {
        let mut diags = Diagnostics::new();
        let value = create(client, &never(), &planned(names), &mut diags).await;
        assert!(!diags.has_errors(), "{diags:?}");
        SecretsState::from_value(&value).unwrap()
    }

    #[tokio::test]
    async fn create_records_every_name_with_ownership_tags() {
        let fake = Arc::new(FakeSecrets::new());
        let client = configured(&fake, &[("team", "platform")]);
        let state = created(&client, &["a", "b", "c"]).await;
        assert_eq!(state.arns.len(), 3);
        for (name, arn) in &state.arns {
            let secret = fake.get(name).unwrap();
            assert_eq!(&secret.arn, arn);
            assert_eq!(secret.tags[OWNERSHIP_ID], state.id);
            assert_eq!(secret.tags["team"], "platform");
        }
        assert!(state.id.starts_with("asm-") && state.id.len() == 36);
        let again = created(
            &configured(&Arc::new(FakeSecrets::new()), &[]),
            &["a", "b", "c"],
        )
        .await;
        assert_ne!(again.id, state.id, "ids are random, not derived from names");
    }

    #[tokio::test]
    async fn partial_create_records_what_exists_and_names_the_failure() {
        let fake = Arc::new(FakeSecrets::new());
        fake.deny("b");
        let client = configured(&fake, &[]);
        let mut diags = Diagnostics::new();
        let value = create(&client, &never(), &planned(&["a", "b", "c"]), &mut diags).await;
        let state = SecretsState::from_value(&value).unwrap();
        assert_eq!(state.arns.keys().collect::<Vec<_>>(), ["a", "c"]);
        let errors: Vec<_> = diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        assert_eq!(errors.len(), 1);
        let taint_hint = diags
            .iter()
            .find(|d| d.severity == Severity::Warning)
            .unwrap();
        assert!(taint_hint.detail.contains("hands these secrets"));
        assert!(errors[0].summary.contains("\"b\""));
        assert!(errors[0].detail.contains("AccessDeniedException"));
    }

    #[tokio::test]
    async fn create_that_makes_nothing_records_nothing() {
        let fake = Arc::new(FakeSecrets::new());
        fake.deny("a");
        let mut diags = Diagnostics::new();
        let value = create(
            &configured(&fake, &[]),
            &never(),
            &planned(&["a"]),
            &mut diags,
        )
        .await;
        assert!(value.is_null());
        assert!(diags.has_errors());
    }

    #[tokio::test]
    async fn update_adds_and_removes_and_keeps_arns() {
        let fake = Arc::new(FakeSecrets::new());
        let client = configured(&fake, &[]);
        let prior = created(&client, &["a", "b", "c"]).await;
        let mut diags = Diagnostics::new();
        let value = update(
            &client,
            &never(),
            prior.clone(),
            &planned(&["a", "b", "d", "e"]),
            &mut diags,
        )
        .await;
        assert!(!diags.has_errors(), "{diags:?}");
        let state = SecretsState::from_value(&value).unwrap();
        assert_eq!(state.arns.keys().collect::<Vec<_>>(), ["a", "b", "d", "e"]);
        assert_eq!(state.arns["a"], prior.arns["a"]);
        assert_eq!(state.id, prior.id);
        assert!(fake.get("c").unwrap().scheduled_for_deletion);
        assert!(fake
            .calls()
            .contains(&format!("DeleteSecret {}", prior.arns["c"])));
        assert_eq!(fake.get("d").unwrap().tags[OWNERSHIP_ID], prior.id);
    }

    #[tokio::test]
    async fn changed_default_tags_retag_in_place_and_keep_ownership() {
        let fake = Arc::new(FakeSecrets::new());
        let prior = created(
            &configured(&fake, &[("team", "a"), ("old", "x")]),
            &["s1", "s2"],
        )
        .await;
        let client = configured(&fake, &[("team", "b")]);
        let mut diags = Diagnostics::new();
        let value = update(
            &client,
            &never(),
            prior.clone(),
            &planned(&["s1", "s2"]),
            &mut diags,
        )
        .await;
        assert!(!diags.has_errors(), "{diags:?}");
        let state = SecretsState::from_value(&value).unwrap();
        assert_eq!(state.arns, prior.arns);
        for name in ["s1", "s2"] {
            let tags = fake.get(name).unwrap().tags;
            assert_eq!(tags["team"], "b");
            assert!(!tags.contains_key("old"));
            assert_eq!(tags[OWNERSHIP_ID], prior.id);
            assert_eq!(tags[OWNERSHIP_RESOURCE], "true");
        }
        assert_eq!(
            state.tags_all,
            ownership_tags(&client.default_tags, &prior.id)
        );
        let untagged_ownership = fake
            .calls()
            .iter()
            .any(|c| c.starts_with("UntagResource") && c.contains("planton.ai"));
        assert!(!untagged_ownership);
    }

    fn defaults(prefix: &str, n: usize) -> Vec<(String, String)> {
        (0..n)
            .map(|i| (format!("{prefix}{i:02}"), "v".to_owned()))
            .collect()
    }

    fn client_with(fake: &Arc<FakeSecrets>, tags: &[(String, String)]) -> Configured {
        let pairs: Vec<(&str, &str)> = tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        configured(fake, &pairs)
    }

    fn set_elsewhere(fake: &FakeSecrets, name: &str, keys: &[&str]) {
        fake.alter(name, |s| {
            for key in keys {
                s.tags.insert((*key).to_owned(), "x".to_owned());
            }
        });
    }

    #[tokio::test]
    async fn a_release_past_the_tag_limit_names_the_tags_set_elsewhere_and_changes_nothing() {
        let fake = Arc::new(FakeSecrets::new());
        let client = client_with(&fake, &defaults("d", 46));
        let prior = created(&client, &["a"]).await;
        set_elsewhere(&fake, "a", &["owner"]);
        let before = fake.calls().len();
        let mut diags = Diagnostics::new();
        let value = delete(&client, &never(), prior.clone(), &mut diags).await;
        assert_eq!(
            SecretsState::from_value(&value).unwrap(),
            prior,
            "still in state"
        );
        assert!(writes(&fake, before).is_empty(), "{:?}", fake.calls());
        let error = diags.iter().next().unwrap();
        assert_eq!(error.summary, "Failed to delete secret \"a\"");
        assert!(
            error.detail.contains(
                "the secret would carry 51 tags, over AWS's limit of 50 per secret (keys starting \
                 with \"aws:\" not counted). 50 of them are this provider's own tags and \
                 default_tags; 1 was set outside this provider: \"owner\""
            ),
            "{}",
            error.detail
        );
        // Without it, the release fits.
        fake.alter("a", |s| {
            s.tags.remove("owner");
        });
        let mut diags = Diagnostics::new();
        assert!(delete(&client, &never(), prior, &mut diags).await.is_null());
        assert!(fake.get("a").unwrap().scheduled_for_deletion);
    }

    #[tokio::test]
    async fn default_tags_are_added_first_and_removed_first_only_when_adding_passes_the_limit() {
        let fake = Arc::new(FakeSecrets::new());
        let client = client_with(&fake, &defaults("d", 45));
        let prior = created(&client, &["a", "b"]).await;
        // On b, two tags set elsewhere: 3 + 45 + 2 = 50.
        set_elsewhere(&fake, "b", &["owner", "cost"]);
        // d00 renamed to e00.
        let mut renamed = defaults("d", 45);
        renamed[0].0 = "e00".to_owned();
        let client = client_with(&fake, &renamed);
        let before = fake.calls().len();
        let mut diags = Diagnostics::new();
        let value = update(
            &client,
            &never(),
            prior.clone(),
            &planned(&["a", "b"]),
            &mut diags,
        )
        .await;
        assert!(!diags.has_errors(), "{diags:?}");
        let state = SecretsState::from_value(&value).unwrap();
        assert_eq!(
            state.tags_all,
            ownership_tags(&client.default_tags, &prior.id)
        );
        let calls_of = |arn: &str| -> Vec<String> {
            fake.calls()[before..]
                .iter()
                .filter(|c| c.ends_with(arn))
                .map(|c| c.split(' ').next().unwrap().to_owned())
                .collect()
        };
        // Each described before (which tells what it carries) and after.
        assert_eq!(
            calls_of(&prior.arns["a"]),
            [
                "DescribeSecret",
                "TagResource",
                "UntagResource",
                "DescribeSecret"
            ]
        );
        assert_eq!(
            calls_of(&prior.arns["b"]),
            [
                "DescribeSecret",
                "UntagResource",
                "TagResource",
                "DescribeSecret"
            ],
            "adding first would pass the limit on b: removed first"
        );
        for name in ["a", "b"] {
            let tags = fake.get(name).unwrap().tags;
            assert!(
                tags.contains_key("e00") && !tags.contains_key("d00"),
                "{name}"
            );
        }
        assert_eq!(fake.get("b").unwrap().tags.len(), 50);

        // One more default tag cannot fit b at all: the error names what
        // was set elsewhere, and the next apply tries again.
        let mut more = renamed.clone();
        more.extend(defaults("f", 1));
        let client = client_with(&fake, &more);
        let mut diags = Diagnostics::new();
        let value = update(
            &client,
            &never(),
            state.clone(),
            &planned(&["a", "b"]),
            &mut diags,
        )
        .await;
        let after = SecretsState::from_value(&value).unwrap();
        assert_eq!(after.tags_all, state.tags_all, "retried by the next plan");
        let error = diags
            .iter()
            .find(|d| d.severity == Severity::Error)
            .unwrap();
        assert_eq!(error.summary, "Failed to update the tags of secret \"b\"");
        assert!(
            error.detail.contains("would carry 51 tags"),
            "{}",
            error.detail
        );
        assert!(
            error.detail.contains("\"cost\", \"owner\""),
            "{}",
            error.detail
        );
        assert_eq!(
            diags
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .count(),
            1
        );
    }

    #[tokio::test]
    async fn default_tags_that_cannot_all_be_added_first_are_removed_first() {
        let fake = Arc::new(FakeSecrets::new());
        let client = client_with(&fake, &defaults("d", 46));
        let prior = created(&client, &["a"]).await;
        let client = client_with(&fake, &defaults("e", 46));
        let before = fake.calls().len();
        let mut diags = Diagnostics::new();
        update(
            &client,
            &never(),
            prior.clone(),
            &planned(&["a"]),
            &mut diags,
        )
        .await;
        assert!(!diags.has_errors(), "{diags:?}");
        let arn = &prior.arns["a"];
        assert_eq!(
            writes(&fake, before),
            [format!("UntagResource {arn}"), format!("TagResource {arn}")]
        );
        assert_eq!(
            fake.get("a").unwrap().tags,
            ownership_tags(&client.default_tags, &prior.id)
        );
    }

    #[tokio::test]
    async fn delete_keeps_in_state_what_could_not_be_deleted() {
        let fake = Arc::new(FakeSecrets::new());
        let client = configured(&fake, &[]);
        let prior = created(&client, &["a", "b"]).await;
        fake.deny("b");
        let mut diags = Diagnostics::new();
        let value = delete(&client, &never(), prior, &mut diags).await;
        let state = SecretsState::from_value(&value).unwrap();
        assert_eq!(state.arns.keys().collect::<Vec<_>>(), ["b"]);
        assert!(fake.get("a").unwrap().scheduled_for_deletion);
        assert!(diags.has_errors());

        let mut diags = Diagnostics::new();
        let fake_ok = Arc::new(FakeSecrets::new());
        let client = configured(&fake_ok, &[]);
        let prior = created(&client, &["x"]).await;
        assert!(delete(&client, &never(), prior, &mut diags).await.is_null());
        assert!(!diags.has_errors());
    }

    #[tokio::test]
    async fn a_failed_delete_takes_its_release_tag_back_and_a_leftover_one_is_repaired() {
        let fake = Arc::new(FakeSecrets::new());
        let client = configured(&fake, &[]);
        let prior = created(&client, &["a", "b"]).await;
        fake.deny_call("DeleteSecret", "b");
        let mut diags = Diagnostics::new();
        let value = delete(&client, &never(), prior.clone(), &mut diags).await;
        assert!(diags.has_errors());
        let kept = SecretsState::from_value(&value).unwrap();
        assert_eq!(kept.arns.keys().collect::<Vec<_>>(), ["b"]);
        let b = fake.get("b").unwrap();
        assert!(!b.scheduled_for_deletion);
        assert!(!b.tags.contains_key(RELEASED), "no longer released");
        let arn_b = &prior.arns["b"];
        // Newest first: released, checked still ours, refused, taken back.
        let tail: Vec<String> = fake.calls().into_iter().rev().take(4).collect();
        assert_eq!(
            tail,
            [
                format!("UntagResource {arn_b}"),
                format!("DeleteSecret {arn_b}"),
                format!("DescribeSecret {arn_b}"),
                format!("TagResource {arn_b}")
            ]
        );

        // A release tag left over anyway (the untag failed too, or an
        // older release) shows in tags_all, and the apply removes it.
        fake.alter("b", |s| {
            s.tags.insert(RELEASED.into(), "true".into());
        });
        let mut diags = Diagnostics::new();
        let refreshed = super::super::read::read(&client, &never(), kept, &mut diags).await;
        let refreshed = SecretsState::from_value(&refreshed).unwrap();
        assert_eq!(refreshed.tags_all[RELEASED], "true");
        let value = update(&client, &never(), refreshed, &planned(&["b"]), &mut diags).await;
        assert!(!diags.has_errors(), "{diags:?}");
        let repaired = SecretsState::from_value(&value).unwrap();
        assert!(!repaired.tags_all.contains_key(RELEASED));
        assert!(!fake.get("b").unwrap().tags.contains_key(RELEASED));
        assert!(!fake.get("b").unwrap().scheduled_for_deletion);
    }

    #[tokio::test]
    async fn create_that_finds_another_owner_refuses_before_any_write() {
        let fake = Arc::new(FakeSecrets::new());
        let client = configured(&fake, &[]);
        let first = created(&client, &["a", "b"]).await;
        // The state of the first create was lost (kill -9), or another
        // configuration lists the same names: create again.
        fake.insert("untagged", BTreeMap::new(), false);
        let calls_before = fake.calls().len();
        let mut diags = Diagnostics::new();
        let value = create(
            &client,
            &never(),
            &planned(&["a", "b", "c", "untagged"]),
            &mut diags,
        )
        .await;
        assert!(value.is_null());
        let new_calls = &fake.calls()[calls_before..];
        assert!(
            new_calls.iter().all(|c| c.starts_with("DescribeSecret")),
            "only reads before the refusal: {new_calls:?}"
        );
        assert!(fake.get("c").is_none());
        assert_eq!(diags.len(), 1, "{diags:?}");
        let error = diags.iter().next().unwrap();
        assert_eq!(error.severity, Severity::Error);
        assert!(error.detail.starts_with("Nothing was created or changed"));
        assert!(error.detail.contains(&first.id), "{}", error.detail);
        assert!(error.detail.contains("terraform import <ADDRESS> 'a,b'"));
        assert!(!error.detail.contains("state rm"));
        assert!(error
            .detail
            .contains("\"untagged\" were not made by this provider"));
        assert_eq!(fake.get("a").unwrap().tags[OWNERSHIP_ID], first.id);
    }

    fn many(prefix: &str, count: usize) -> Vec<String> {
        (0..count).map(|i| format!("{prefix}{i:03}")).collect()
    }

    #[tokio::test]
    async fn many_names_are_checked_by_listing_and_only_found_ones_described() {
        let fake = Arc::new(FakeSecrets::new());
        let client = configured(&fake, &[]);
        let names = many("app/", 200);
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let state = created(&client, &refs).await;
        assert_eq!(state.arns.len(), 200);
        let calls = fake.calls();
        assert!(
            !calls.iter().any(|c| c.starts_with("DescribeSecret")),
            "nothing existed, so nothing is described: {calls:?}"
        );
        let listings = calls
            .iter()
            .filter(|c| c.starts_with("ListSecrets"))
            .count();
        assert!((1..=4).contains(&listings), "{listings} listings");

        // The same names again, one of them planted by someone else: found
        // by the listing, described, refused before any write.
        let other = Arc::new(FakeSecrets::new());
        other.insert(&names[150], BTreeMap::new(), false);
        let client = configured(&other, &[]);
        let mut diags = Diagnostics::new();
        let value = create(&client, &never(), &planned(&refs), &mut diags).await;
        assert!(value.is_null());
        let calls = other.calls();
        assert!(
            calls
                .iter()
                .all(|c| c.starts_with("ListSecrets")
                    || *c == format!("DescribeSecret {}", names[150])),
            "only the listing and the found name before the refusal: {calls:?}"
        );
        assert!(diags.has_errors());
        assert!(other.get(&names[0]).is_none());
    }

    #[tokio::test]
    async fn a_name_the_listing_missed_is_still_judged_at_create() {
        let fake = Arc::new(FakeSecrets::new());
        let names = many("app/", 50);
        fake.insert(&names[7], BTreeMap::new(), false);
        // As AWS may for a secret made minutes ago.
        fake.hide_from_listing(&names[7]);
        let client = configured(&fake, &[]);
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut diags = Diagnostics::new();
        let value = create(&client, &never(), &planned(&refs), &mut diags).await;
        let state = SecretsState::from_value(&value).unwrap();
        assert_eq!(state.arns.len(), 49, "the others are made and recorded");
        assert!(!state.arns.contains_key(&names[7]));
        assert!(fake.get(&names[7]).unwrap().tags.is_empty(), "never taken");
        assert!(diags.has_errors());
    }

    #[tokio::test]
    async fn create_restores_clean_planton_secrets_and_keeps_their_arns() {
        let fake = Arc::new(FakeSecrets::new());
        let client = configured(&fake, &[]);
        let first = created(&client, &["a", "b"]).await;
        let mut diags = Diagnostics::new();
        assert!(delete(&client, &never(), first.clone(), &mut diags)
            .await
            .is_null());
        let second = created(&client, &["a", "b", "c"]).await;
        assert_eq!(second.arns["a"], first.arns["a"]);
        assert_eq!(second.arns["b"], first.arns["b"]);
        assert_eq!(fake.get("a").unwrap().tags[OWNERSHIP_ID], second.id);
        assert!(!fake.get("b").unwrap().scheduled_for_deletion);
    }

    #[tokio::test]
    async fn delete_leaves_secrets_another_resource_took_over() {
        let fake = Arc::new(FakeSecrets::new());
        let client = configured(&fake, &[]);
        let prior = created(&client, &["a", "b"]).await;
        fake.alter("a", |s| {
            s.tags
                .insert(OWNERSHIP_ID.into(), "asm-someone-else".into());
        });
        let mut diags = Diagnostics::new();
        assert!(delete(&client, &never(), prior, &mut diags).await.is_null());
        assert!(!fake.get("a").unwrap().scheduled_for_deletion);
        assert!(fake.get("b").unwrap().scheduled_for_deletion);
        assert!(!diags.has_errors());
        let warning = diags.iter().next().unwrap();
        assert!(warning.detail.contains("asm-someone-else"));
        assert!(warning.detail.contains("\"a\""));
        assert!(!fake
            .calls()
            .iter()
            .any(|c| c.starts_with("DeleteSecret") && c.contains(&fake.get("a").unwrap().arn)));
    }

    #[tokio::test]
    async fn stop_leaves_unstarted_names_out_of_state() {
        let fake = Arc::new(FakeSecrets::new());
        let source = StopSource::new();
        source.stop();
        let mut diags = Diagnostics::new();
        let value = create(
            &configured(&fake, &[]),
            &source.signal(),
            &planned(&["a", "b"]),
            &mut diags,
        )
        .await;
        assert!(value.is_null());
        assert_eq!(diags.len(), 1, "one summary for every name not started");
        assert!(diags
            .iter()
            .next()
            .unwrap()
            .summary
            .starts_with("2 secrets were not created"));
        assert!(fake.calls().is_empty());
    }

    fn handed(state: &SecretsState) -> HandedOver {
        HandedOver {
            state: state.clone(),
            marked: Vec::new(),
        }
    }

    /// The calls since call `since` that write.
    pub fn writes(fake: &FakeSecrets, since: usize) -> Vec<String> {
        fake.calls()[since..]
            .iter()
            .filter(|c| !c.starts_with("DescribeSecret") && !c.starts_with("GetResourcePolicy"))
            .cloned()
            .collect()
    }

    #[tokio::test]
    async fn a_replacement_that_cannot_finish_writes_nothing_and_keeps_the_old_object() {
        let fake = Arc::new(FakeSecrets::new());
        let client = configured(&fake, &[]);
        let other = created(&client, &["shared"]).await;
        let partial = created(&client, &["a", "b"]).await;
        let before = fake.calls().len();
        let mut diags = Diagnostics::new();
        let value = replace(
            &client,
            &never(),
            handed(&partial),
            &planned(&["a", "b", "shared"]),
            &mut diags,
        )
        .await;
        assert_eq!(SecretsState::from_value(&value).unwrap(), partial);
        assert!(writes(&fake, before).is_empty(), "{:?}", fake.calls());
        let errors: Vec<_> = diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        assert_eq!(errors.len(), 1, "{diags:?}");
        assert!(errors[0].detail.contains(&other.id));
        for name in ["a", "b"] {
            let secret = fake.get(name).unwrap();
            assert!(!secret.scheduled_for_deletion);
            assert_eq!(secret.tags[OWNERSHIP_ID], partial.id);
        }
    }

    #[tokio::test]
    async fn a_replacement_keeps_id_and_arns_and_only_adds_and_removes_names() {
        let fake = Arc::new(FakeSecrets::new());
        let client = configured(&fake, &[]);
        let old = created(&client, &["a", "b", "gone"]).await;
        let before = fake.calls().len();
        let mut diags = Diagnostics::new();
        let value = replace(
            &client,
            &never(),
            handed(&old),
            &planned(&["a", "b", "new"]),
            &mut diags,
        )
        .await;
        assert!(!diags.has_errors(), "{diags:?}");
        let state = SecretsState::from_value(&value).unwrap();
        assert_eq!(state.id, old.id);
        assert_eq!(state.arns["a"], old.arns["a"]);
        assert_eq!(state.arns["b"], old.arns["b"]);
        let warning = diags.iter().next().expect("the deletion is announced");
        assert!(warning
            .summary
            .contains("1 secret(s) will be scheduled for deletion"));
        assert!(warning.detail.contains("\"gone\""));
        let gone = &old.arns["gone"];
        assert_eq!(
            writes(&fake, before),
            [
                format!("TagResource {gone}"),
                format!("DeleteSecret {gone}"),
                "CreateSecret new".to_owned()
            ]
        );
        assert_eq!(fake.get("gone").unwrap().tags[RELEASED], "true");
    }

    #[tokio::test]
    async fn released_secrets_are_restored_by_the_next_resource_and_unreleased_ones_only_by_their_owner(
    ) {
        let fake = Arc::new(FakeSecrets::new());
        let client = configured(&fake, &[]);
        let destroyed = created(&client, &["released"]).await;
        let mut diags = Diagnostics::new();
        assert!(delete(&client, &never(), destroyed.clone(), &mut diags)
            .await
            .is_null());
        let owner = created(&client, &["kept"]).await;
        // Scheduled outside Terraform: still the owner's.
        fake.alter("kept", |s| s.scheduled_for_deletion = true);

        let mut diags = Diagnostics::new();
        let value = create(
            &client,
            &never(),
            &planned(&["released", "kept"]),
            &mut diags,
        )
        .await;
        assert!(value.is_null(), "nothing taken while one name is refused");
        assert!(diags.iter().any(|d| d.detail.contains(&owner.id)));
        assert!(fake.get("kept").unwrap().scheduled_for_deletion);
        assert_eq!(fake.get("kept").unwrap().tags[OWNERSHIP_ID], owner.id);

        let next = created(&client, &["released"]).await;
        assert_eq!(next.arns["released"], destroyed.arns["released"]);
        assert!(!fake.get("released").unwrap().tags.contains_key(RELEASED));

        // The owner's refresh dropped it; its apply brings it back.
        let mut refreshed = owner.clone();
        refreshed.arns.clear();
        let mut diags = Diagnostics::new();
        let value = update(
            &client,
            &never(),
            refreshed,
            &planned(&["kept"]),
            &mut diags,
        )
        .await;
        assert!(!diags.has_errors(), "{diags:?}");
        let state = SecretsState::from_value(&value).unwrap();
        assert_eq!(state.arns["kept"], owner.arns["kept"]);
        assert!(!fake.get("kept").unwrap().scheduled_for_deletion);
    }
}
