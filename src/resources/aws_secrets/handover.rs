//! Replacement without loss: the destroy half of a replacement hands the
//! old object's secrets to the create half instead of deleting them.
//!
//! Terraform replaces a tainted object (a create that reported errors, as
//! after a lost race or an interrupted apply) and a `-replace`d one by
//! applying a delete of the old object, then a create of the new one, in
//! one provider process. Deleting first would schedule every secret the
//! resource owns, and a create that then fails (the cause of the taint is
//! often still there) would leave them scheduled: a plain CI retry would
//! cost the workspace its secrets. So:
//!
//! - every create plan carries a [`CreatePlan`] marker as private data;
//!   Terraform applies the destroy half of a replacement with it, while a
//!   plain destroy carries the object's own (empty) private data;
//! - a delete that carries the marker removes the names the replacement
//!   drops, marks one secret it keeps with a short-lived, single-use
//!   handover mark (see `mark`) and records a [`Handover`] here;
//! - the create half takes the handover whose names digest matches its
//!   planned names, removes the mark, and continues the old object (its
//!   id, secrets and ARNs) as an update would: it adds missing names after
//!   checking them all first. When it cannot finish, it records what it
//!   holds, so the object stays in state.
//!
//! When Terraform skips the create half (a dependency failed in the same
//! apply) or is killed between the halves, the in-memory handover is lost
//! but the mark is not: the next plain apply plans a create of the same
//! names, finds them carrying the old id and the mark, and continues the
//! object the same way.

use std::collections::BTreeSet;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::model::SecretsState;

/// An old object handed to the create that continues it.
#[derive(Debug)]
pub struct HandedOver {
    pub state: SecretsState,
    /// ARNs of the secrets carrying its handover mark, removed first.
    pub marked: Vec<String>,
}

/// The private data of a create plan.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatePlan {
    /// The planned names, sorted; `None` when they were not known yet. The
    /// destroy half of a replacement needs them: it removes the names the
    /// replacement drops and marks one it keeps (see `mark`).
    pub names: Option<Vec<String>>,
}

/// Key of the private data; no other private data is ever written.
#[derive(Serialize, Deserialize)]
struct Private {
    create_plan: CreatePlan,
}

impl CreatePlan {
    pub fn for_names(names: Option<&[String]>) -> Self {
        Self {
            names: names.map(|names| {
                let sorted: BTreeSet<&String> = names.iter().collect();
                sorted.into_iter().cloned().collect()
            }),
        }
    }

    /// Digest of the planned names, when known.
    fn digest(&self) -> Option<String> {
        self.names.as_deref().map(names_digest)
    }

    pub fn into_private(self) -> Vec<u8> {
        serde_json::to_vec(&Private { create_plan: self }).unwrap_or_default()
    }

    /// The marker, when `private` is a create plan's private data.
    pub fn from_private(private: &[u8]) -> Option<Self> {
        serde_json::from_slice::<Private>(private)
            .ok()
            .map(|p| p.create_plan)
    }
}

/// Hex SHA-256 of the sorted, newline-joined names: equal for equal sets.
pub fn names_digest(names: &[String]) -> String {
    let sorted: BTreeSet<&str> = names.iter().map(String::as_str).collect();
    let mut hasher = Sha256::new();
    for name in sorted {
        hasher.update(name.as_bytes());
        hasher.update(b"\n");
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An old object whose secrets wait for the create that replaces it.
struct Handover {
    /// The digest of the replacement's planned names, if known at plan time.
    names: Option<String>,
    old: HandedOver,
}

/// Handovers pending in this provider process.
#[derive(Default)]
pub struct Handovers {
    pending: Mutex<Vec<Handover>>,
}

impl Handovers {
    pub fn offer(&self, plan: &CreatePlan, old: HandedOver) {
        self.lock().push(Handover {
            names: plan.digest(),
            old,
        });
    }

    /// The old object the create of `names` replaces, if one was handed
    /// over: the one planned with exactly these names, else (names unknown
    /// at plan time) the only such handover, provided it shares a name.
    pub fn take(&self, names: &[String]) -> Option<HandedOver> {
        let digest = names_digest(names);
        let mut pending = self.lock();
        let position = pending
            .iter()
            .position(|h| h.names.as_deref() == Some(digest.as_str()))
            .or_else(|| {
                let unkeyed: Vec<usize> = (0..pending.len())
                    .filter(|&i| pending[i].names.is_none())
                    .collect();
                match unkeyed.as_slice() {
                    [only]
                        if names
                            .iter()
                            .any(|n| pending[*only].old.state.arns.contains_key(n)) =>
                    {
                        Some(*only)
                    }
                    _ => None,
                }
            })?;
        Some(pending.swap_remove(position).old)
    }

    /// Ids of handovers no create took (logged when the process ends).
    pub fn unclaimed(&self) -> Vec<String> {
        self.lock().iter().map(|h| h.old.state.id.clone()).collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Handover>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn state(id: &str, names: &[&str]) -> HandedOver {
        let mut state = SecretsState::new(id.into(), BTreeMap::new());
        for name in names {
            state.arns.insert(
                (*name).into(),
                format!("arn:aws:secretsmanager:us-east-1:1:secret:{name}-abcdef"),
            );
        }
        HandedOver {
            state,
            marked: Vec::new(),
        }
    }

    fn owned(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn the_marker_round_trips_and_nothing_else_reads_as_one() {
        let plan = CreatePlan::for_names(Some(&owned(&["b", "a"])));
        let private = plan.into_private();
        let read = CreatePlan::from_private(&private).unwrap();
        assert_eq!(read.names, Some(owned(&["a", "b"])));
        assert_eq!(CreatePlan::from_private(b""), None);
        assert_eq!(CreatePlan::from_private(b"{}"), None);
        assert_eq!(CreatePlan::from_private(b"\x00garbage"), None);
        let unknown = CreatePlan::for_names(None).into_private();
        assert_eq!(
            CreatePlan::from_private(&unknown),
            Some(CreatePlan::default())
        );
    }

    #[test]
    fn digest_ignores_order_and_separates_names() {
        assert_eq!(
            names_digest(&owned(&["a", "b"])),
            names_digest(&owned(&["b", "a"]))
        );
        assert_ne!(
            names_digest(&owned(&["ab"])),
            names_digest(&owned(&["a", "b"]))
        );
    }

    #[test]
    fn a_create_takes_the_handover_planned_with_its_names() {
        let handovers = Handovers::default();
        handovers.offer(
            &CreatePlan::for_names(Some(&owned(&["a", "b"]))),
            state("asm-1", &["a"]),
        );
        handovers.offer(
            &CreatePlan::for_names(Some(&owned(&["x"]))),
            state("asm-2", &["x"]),
        );
        assert!(handovers.take(&owned(&["a"])).is_none(), "other names");
        assert_eq!(
            handovers.take(&owned(&["b", "a"])).unwrap().state.id,
            "asm-1"
        );
        assert!(handovers.take(&owned(&["a", "b"])).is_none(), "taken once");
        assert_eq!(handovers.unclaimed(), ["asm-2"]);
    }

    #[test]
    fn names_unknown_at_plan_time_match_only_one_overlapping_handover() {
        let handovers = Handovers::default();
        handovers.offer(&CreatePlan::for_names(None), state("asm-1", &["a", "b"]));
        assert!(handovers.take(&owned(&["z"])).is_none(), "shares no name");
        assert_eq!(
            handovers.take(&owned(&["b", "c"])).unwrap().state.id,
            "asm-1"
        );

        handovers.offer(&CreatePlan::for_names(None), state("asm-1", &["a"]));
        handovers.offer(&CreatePlan::for_names(None), state("asm-2", &["a"]));
        assert!(handovers.take(&owned(&["a"])).is_none(), "ambiguous");
        assert_eq!(handovers.unclaimed().len(), 2);
    }
}
