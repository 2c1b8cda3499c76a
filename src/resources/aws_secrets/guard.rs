//! Every write checks the owner it expects. An apply tags, restores or
//! deletes a secret only after DescribeSecret showed the id the plan was
//! made against (this resource's, or the one its state recorded from an
//! import), and describes it again after writing; a secret that answers
//! with another owner is left alone and leaves state, in one error naming
//! the owner. Moving secrets imported from another owner also takes that
//! owner's lease (see `lease`), so two imports of one group never split it.

use std::collections::{BTreeMap, BTreeSet};

use crate::provider::secrets::{ApiError, SecretsApi};
use crate::provider::tags::OWNERSHIP_ID;
use crate::tf::diag::Diagnostics;
use crate::tf::value::AttributePath;

use super::lease::{self, Lease, LEASE_RECOVERY_DAYS};
use super::ownership::{is_legacy_id, recorded_ids, Owner};
use super::report::brief_listing;
use super::schema::SECRET_NAMES;

/// The leases one apply took on the ids its state recorded from imports.
#[derive(Debug, Default)]
pub struct Leases {
    /// Previous id -> the lease secret's ARN, for the release.
    held: BTreeMap<String, String>,
    /// Previous id -> the resource holding its lease now.
    taken: BTreeMap<String, String>,
    /// Previous ids whose move another resource finished: what still
    /// carries them is judged secret by secret.
    finished: BTreeSet<String>,
}

impl Leases {
    /// Takes the lease on every id `owner` recorded from an import (ids of
    /// release 0.1.0 were this resource's own, derived: no lease). An
    /// error means nothing of the previous owners may be written.
    pub async fn take(api: &dyn SecretsApi, owner: &Owner, diags: &mut Diagnostics) -> Leases {
        let mut leases = Leases::default();
        for previous in owner.recorded.iter().filter(|id| !is_legacy_id(id)) {
            match lease::take(api, previous, &owner.id).await {
                Ok(Lease::Held { arn }) => {
                    leases.held.insert(previous.clone(), arn);
                }
                Ok(Lease::Finished { .. }) => {
                    leases.finished.insert(previous.clone());
                }
                Ok(Lease::Taken { holder, .. }) => {
                    leases.taken.insert(previous.clone(), holder);
                }
                Err((operation, error)) => {
                    leases.taken.insert(previous.clone(), String::new());
                    diags.error_at(
                        AttributePath::root(SECRET_NAMES),
                        format!("Cannot take the lease on group {previous}"),
                        format!(
                            "Before moving the secrets imported from {previous}, the provider \
                             makes the lease secret {name} (no value; CreateSecret is the one \
                             atomic step of Secrets Manager, so two imports of one group never \
                             split it). {operation} failed: {}. Nothing of that group was \
                             written; allow secretsmanager:CreateSecret, DescribeSecret and \
                             DeleteSecret on {name} and apply again.",
                            error.to_string().trim_end_matches('.'),
                            name = lease::lease_name(previous),
                        ),
                    );
                }
            }
        }
        leases
    }

    /// Who this apply writes as: its own id, plus the previous ids it may
    /// take (their lease held, or their move finished by another) and the
    /// derived ids of 0.1.0. A previous id whose lease another resource
    /// holds is not this apply's to write.
    pub fn writer(&self, owner: &Owner) -> Owner {
        let mine = |id: &String| !self.taken.contains_key(id);
        Owner {
            id: owner.id.clone(),
            recorded: owner
                .recorded
                .iter()
                .filter(|id| mine(id))
                .cloned()
                .collect(),
            restores: owner
                .restores
                .iter()
                .filter(|id| mine(id))
                .cloned()
                .collect(),
        }
    }

    /// The resource moving `previous`, if another one holds its lease.
    fn holder_of(&self, previous: &str) -> Option<&str> {
        self.taken
            .get(previous)
            .map(String::as_str)
            .filter(|h| !h.is_empty())
    }

    /// Ends the move: schedules every held lease (7 days, never forced)
    /// when the apply had no error; else keeps them and returns the ids
    /// the state must keep recording, so the next apply continues.
    pub async fn finish(
        self,
        api: &dyn SecretsApi,
        failed: bool,
        diags: &mut Diagnostics,
    ) -> Vec<String> {
        if failed {
            return self.held.into_keys().collect();
        }
        let mut kept = Vec::new();
        for (previous, arn) in self.held {
            if let Err(error) = lease::release(api, &arn).await {
                diags.error_at(
                    AttributePath::root(SECRET_NAMES),
                    format!("Cannot release the lease on group {previous}"),
                    format!(
                        "Every secret imported from {previous} now carries this resource's id, \
                         but scheduling the lease secret {} for deletion ({LEASE_RECOVERY_DAYS} \
                         days) failed: {}. Apply again: the next apply finds the lease its own and \
                         releases it.",
                        lease::lease_name(&previous),
                        error.to_string().trim_end_matches('.')
                    ),
                );
                kept.push(previous);
            }
        }
        kept
    }

    /// The error for secrets that carry another owner than this apply
    /// expected: none of them was written, and they leave state.
    pub fn refuse_owned_elsewhere(&self, found: &[(String, String)], diags: &mut Diagnostics) {
        if found.is_empty() {
            return;
        }
        let mut by_owner: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (name, owner) in found {
            by_owner.entry(owner).or_default().push(name);
        }
        let listed: Vec<String> = by_owner
            .iter()
            .map(|(owner, names)| match self.holder_of(owner) {
                Some(holder) => format!(
                    "{} carry {owner}, being moved to {holder}",
                    brief_listing(names)
                ),
                None => format!("{} carry {owner}", brief_listing(names)),
            })
            .collect();
        let owners: BTreeSet<&str> = found
            .iter()
            .map(|(_, owner)| self.holder_of(owner).unwrap_or(owner))
            .collect();
        let owners: Vec<&str> = owners.into_iter().collect();
        diags.error_at(
            AttributePath::root(SECRET_NAMES),
            format!(
                "{} secret(s) belong to another planton_aws_secrets resource ({})",
                found.len(),
                owners.join(", ")
            ),
            format!(
                "This apply expected these secrets to carry this resource's id or the id it \
                 imported them from, and found another owner, so nothing was written to them and \
                 they are no longer in this resource's state: {}. Another workspace (or another \
                 resource here) imported them after this plan was made, or at the same time. The \
                 provider cannot see other states: if that resource is the one to keep them, \
                 remove them from secret_names here. To bring the group back here instead, once \
                 nothing else is applying it, import its id into this resource ({}) and run \
                 terraform state rm for it in the other workspace.{}",
                listed.join("; "),
                identity_hint(&owners),
                self.stale_lease_hint()
            ),
        );
    }

    /// How to free a lease whose holder was interrupted and lost its state.
    fn stale_lease_hint(&self) -> String {
        let leases: Vec<String> = self
            .taken
            .iter()
            .filter(|(_, holder)| !holder.is_empty())
            .map(|(previous, _)| {
                format!(
                    "aws secretsmanager delete-secret --secret-id '{}' --recovery-window-in-days {LEASE_RECOVERY_DAYS}",
                    lease::lease_name(previous)
                )
            })
            .collect();
        if leases.is_empty() {
            return String::new();
        }
        format!(
            " If the holder's apply was interrupted and its state is lost (no apply of it will \
             finish the move), release its lease, then apply again: {}.",
            leases.join("; ")
        )
    }
}

/// The import that reunites a group under one of `owners`.
fn identity_hint(owners: &[&str]) -> String {
    match owners {
        [one] => format!(
            "with Terraform 1.12 or later: import {{ to = <ADDRESS>, identity = {{ id = \"{one}\" }} }}; \
             with any client: terraform import <ADDRESS> with the names"
        ),
        _ => "an import block with identity = { id = ... } for each id, or terraform import \
              <ADDRESS> with the names"
            .to_owned(),
    }
}

/// What a secret turned out to be after a write to it.
pub enum After {
    /// Live and carrying `me`.
    Ours,
    /// Gone or scheduled for deletion.
    Gone,
    /// Live with another owner id (empty when it carries none).
    OwnedBy(String),
}

/// The check after a write: DescribeSecret, and whose the secret is now.
pub async fn check_after(api: &dyn SecretsApi, arn: &str, me: &str) -> Result<After, ApiError> {
    Ok(match api.describe(arn).await? {
        None => After::Gone,
        Some(info) if info.scheduled_for_deletion || info.arn != arn => After::Gone,
        Some(info) => match info.tags.get(OWNERSHIP_ID) {
            Some(id) if id == me => After::Ours,
            other => After::OwnedBy(other.cloned().unwrap_or_default()),
        },
    })
}

/// `tags_all`'s ownership id while a move is unfinished: this resource's
/// id and the ids it is still moving.
pub fn still_moving(me: &str, previous: &[String]) -> String {
    recorded_ids(std::iter::once(me).chain(previous.iter().map(String::as_str)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::secrets::fake::FakeSecrets;
    use crate::provider::tags::{ownership_tags, RELEASED};
    use crate::resources::aws_secrets::apply::tests::{configured, planned};
    use crate::resources::aws_secrets::apply::{create, update};
    use crate::resources::aws_secrets::model::SecretsState;
    use crate::resources::aws_secrets::read::recorded_state;
    use crate::tf::stop::StopSignal;
    use std::sync::Arc;

    /// A group made by one resource whose state is then lost, and two
    /// imports of it (as `terraform import` or an identity import records
    /// them).
    async fn group_and_two_imports(
        names: &[&str],
    ) -> (Arc<FakeSecrets>, SecretsState, SecretsState, SecretsState) {
        let fake = Arc::new(FakeSecrets::new());
        let client = configured(&fake, &[]);
        let mut diags = Diagnostics::new();
        let made = create(&client, &StopSignal::never(), &planned(names), &mut diags).await;
        let group = SecretsState::from_value(&made).unwrap();
        let found: Vec<_> = names.iter().map(|n| fake.get(n).unwrap()).collect();
        let import = |id: &str| recorded_state(id.to_owned(), &found, &BTreeMap::new());
        (fake, group, import("asm-c"), import("asm-d"))
    }

    async fn apply(
        fake: &Arc<FakeSecrets>,
        state: SecretsState,
        names: &[&str],
    ) -> (SecretsState, Diagnostics) {
        let mut diags = Diagnostics::new();
        let client = configured(fake, &[]);
        let value = update(
            &client,
            &StopSignal::never(),
            state,
            &planned(names),
            &mut diags,
        )
        .await;
        (SecretsState::from_value(&value).unwrap(), diags)
    }

    fn writes_by(fake: &FakeSecrets, since: usize) -> Vec<String> {
        fake.calls()[since..]
            .iter()
            .filter(|c| !c.starts_with("DescribeSecret") && !c.contains("planton.ai/lease/"))
            .cloned()
            .collect()
    }

    #[tokio::test]
    async fn a_stale_import_plan_writes_nothing_and_names_the_new_owner() {
        let names = ["a", "b", "c"];
        let (fake, group, c, d) = group_and_two_imports(&names).await;
        let (d_state, diags) = apply(&fake, d, &names).await;
        assert!(!diags.has_errors(), "{diags:?}");
        assert_eq!(d_state.arns, group.arns);
        assert_eq!(d_state.tags_all, ownership_tags(&BTreeMap::new(), "asm-d"));
        let lease = fake.get(&lease::lease_name(&group.id)).unwrap();
        assert!(
            lease.scheduled_for_deletion,
            "released once the move is whole"
        );

        let before = fake.calls().len();
        let (c_state, diags) = apply(&fake, c, &names).await;
        assert!(writes_by(&fake, before).is_empty(), "{:?}", fake.calls());
        assert!(c_state.arns.is_empty(), "keeps none: {c_state:?}");
        let errors: Vec<_> = diags.iter().collect();
        assert_eq!(errors.len(), 1, "one error: {diags:?}");
        assert!(errors[0].summary.contains("asm-d"), "{:?}", errors[0]);
        for name in names {
            assert_eq!(fake.get(name).unwrap().tags[OWNERSHIP_ID], "asm-d");
        }
    }

    #[tokio::test]
    async fn the_second_importer_of_a_group_being_moved_takes_none_of_it() {
        let names = ["a", "b"];
        let (fake, group, c, d) = group_and_two_imports(&names).await;
        // D holds the lease and has moved "a" only, when C applies.
        let api: &dyn SecretsApi = fake.as_ref();
        let held = lease::take(api, &group.id, "asm-d").await.unwrap();
        assert!(matches!(held, Lease::Held { .. }));
        fake.alter("a", |s| {
            s.tags.insert(OWNERSHIP_ID.into(), "asm-d".into());
        });
        let before = fake.calls().len();
        let (c_state, diags) = apply(&fake, c, &names).await;
        assert!(writes_by(&fake, before).is_empty(), "{:?}", fake.calls());
        assert!(c_state.arns.is_empty());
        let error = diags.iter().next().unwrap();
        assert!(
            error.detail.contains("\"a\" carry asm-d"),
            "{}",
            error.detail
        );
        assert!(
            error.detail.contains("being moved to asm-d"),
            "{}",
            error.detail
        );
        // D finishes the move and releases the lease.
        let (d_state, diags) = apply(&fake, d, &names).await;
        assert!(!diags.has_errors(), "{diags:?}");
        assert_eq!(d_state.arns, group.arns);
        assert!(
            fake.get(&lease::lease_name(&group.id))
                .unwrap()
                .scheduled_for_deletion
        );
    }

    #[tokio::test]
    async fn an_interrupted_move_keeps_the_lease_and_the_next_apply_finishes_it() {
        let names = ["a", "b"];
        let (fake, group, _, d) = group_and_two_imports(&names).await;
        fake.deny("b");
        let (d_state, diags) = apply(&fake, d, &names).await;
        assert!(diags.has_errors());
        assert!(
            !fake
                .get(&lease::lease_name(&group.id))
                .unwrap()
                .scheduled_for_deletion
        );
        assert!(d_state.owner().recorded.contains(&group.id), "{d_state:?}");
        // Allowed again: the same state finishes.
        fake.allow("b");
        let (done, diags) = apply(&fake, d_state, &names).await;
        assert!(!diags.has_errors(), "{diags:?}");
        assert_eq!(done.arns, group.arns);
        assert!(
            fake.get(&lease::lease_name(&group.id))
                .unwrap()
                .scheduled_for_deletion
        );
        assert!(!fake.get("b").unwrap().tags.contains_key(RELEASED));
    }

    const P: &str = "asm-0123456789abcdef0123456789abcdef";

    #[tokio::test]
    async fn a_lost_lease_takes_the_previous_id_out_of_what_this_apply_writes() {
        let api = FakeSecrets::new();
        let first = Owner::with_recorded("asm-d", Some(&P.to_owned()));
        let mut diags = Diagnostics::new();
        let held = Leases::take(&api, &first, &mut diags).await;
        assert!(held.writer(&first).owns(P));
        let second = Owner::with_recorded("asm-c", Some(&P.to_owned()));
        let lost = Leases::take(&api, &second, &mut diags).await;
        let writer = lost.writer(&second);
        assert!(!writer.owns(P) && writer.restores.is_empty());
        lost.refuse_owned_elsewhere(&[("a".into(), P.into())], &mut diags);
        let error = diags.iter().next().unwrap();
        assert!(error.summary.contains("asm-d"), "{error:?}");
        assert!(error.detail.contains("being moved to asm-d"), "{error:?}");
        assert!(error.detail.contains("identity = { id = \"asm-d\" }"));

        // The holder finishes; a later importer may judge what is left.
        assert!(held.finish(&api, false, &mut diags).await.is_empty());
        let later = Leases::take(&api, &second, &mut diags).await;
        assert!(later.writer(&second).owns(P));
        assert_eq!(diags.len(), 1, "{diags:?}");
    }
}
