//! Plan-time rules for a state imported from another owner and not applied
//! yet (its `tags_all` still records the previous owner's id): the import
//! moves the whole group, and one group goes to one resource. Both are
//! decided before any AWS call, so nothing is ever scheduled by recovery.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use crate::tf::diag::Diagnostics;
use crate::tf::value::AttributePath;

use super::model::SecretsState;
use super::ownership::is_legacy_id;
use super::report::brief_listing;
use super::schema::SECRET_NAMES;

/// The ids a state records from an import, not yet moved (derived 0.1.0
/// ids are the resource's own).
pub fn pending_imports(state: &SecretsState) -> BTreeSet<String> {
    state
        .owner()
        .recorded
        .into_iter()
        .filter(|id| !is_legacy_id(id))
        .collect()
}

/// Refuses an import plan whose configuration leaves out secrets of the
/// imported group: applying it would schedule them.
pub fn check_whole(
    prior: &SecretsState,
    pending: &BTreeSet<String>,
    names: &[String],
    diags: &mut Diagnostics,
) {
    let missing: Vec<&str> = prior
        .arns
        .keys()
        .filter(|n| !names.contains(n))
        .map(String::as_str)
        .collect();
    if missing.is_empty() {
        return;
    }
    let ids: Vec<&str> = pending.iter().map(String::as_str).collect();
    diags.error_at(
        AttributePath::root(SECRET_NAMES),
        format!(
            "The import of {} leaves out {} of its secret(s)",
            ids.join(", "),
            missing.len()
        ),
        format!(
            "This resource was imported from {} and its configuration leaves out these secrets \
             of the group: {}. An import moves a whole group and never schedules a secret: add \
             every name to secret_names (terraform query -generate-config-out writes them all), \
             apply, and remove names in a later plan if they are no longer wanted (that plan \
             warns which secrets it schedules for deletion).",
            ids.join(", "),
            brief_listing(&missing)
        ),
    );
}

/// Which resource (by its own id) imports which previous id, across the
/// plans of one provider instance.
#[derive(Default)]
pub struct ImportClaims {
    claims: Mutex<BTreeMap<String, String>>,
}

impl ImportClaims {
    /// Records that `me` imports `pending`; errors naming each id another
    /// resource of this configuration already imports.
    pub fn claim(
        &self,
        me: &str,
        pending: &BTreeSet<String>,
        names: &[&String],
        diags: &mut Diagnostics,
    ) {
        let mut claims = self.claims.lock().unwrap_or_else(|e| e.into_inner());
        for previous in pending {
            match claims.get(previous) {
                Some(other) if other != me => diags.error_at(
                    AttributePath::root(SECRET_NAMES),
                    format!("Group {previous} is imported by two resources"),
                    format!(
                        "Two planton_aws_secrets resources of this configuration import the \
                         secrets that carry {previous} ({}). A group has one owner: remove one \
                         of the two import blocks and its resource, then plan again. Nothing was \
                         changed.",
                        brief_listing(names)
                    ),
                ),
                Some(_) => {}
                None => {
                    claims.insert(previous.clone(), me.to_owned());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &str = "asm-0123456789abcdef0123456789abcdef";

    fn imported(names: &[&str]) -> SecretsState {
        let tags = crate::provider::tags::ownership_tags(&BTreeMap::new(), P);
        let mut state = SecretsState::new("asm-new".into(), tags);
        for n in names {
            state.arns.insert((*n).into(), format!("arn:{n}"));
        }
        state
    }

    #[test]
    fn an_import_plan_listing_fewer_names_names_the_missing_ones() {
        let prior = imported(&["a", "b", "c"]);
        let pending = pending_imports(&prior);
        assert_eq!(pending, BTreeSet::from([P.to_owned()]));
        let mut diags = Diagnostics::new();
        check_whole(&prior, &pending, &["a".into(), "d".into()], &mut diags);
        let error = diags.iter().next().unwrap();
        assert!(error.summary.contains(P) && error.summary.contains("2 of"));
        assert!(error.detail.contains("\"b\", \"c\""), "{}", error.detail);
        let mut diags = Diagnostics::new();
        check_whole(
            &prior,
            &pending,
            &["a".into(), "b".into(), "c".into()],
            &mut diags,
        );
        assert!(diags.is_empty());
        // Applied: the state records its own id only.
        let mut applied = prior.clone();
        applied.tags_all = crate::provider::tags::ownership_tags(&BTreeMap::new(), "asm-new");
        assert!(pending_imports(&applied).is_empty());
    }

    #[test]
    fn two_resources_importing_one_group_is_an_error_and_one_planned_twice_is_not() {
        let claims = ImportClaims::default();
        let pending = BTreeSet::from([P.to_owned()]);
        let a = "a".to_owned();
        let mut diags = Diagnostics::new();
        claims.claim("asm-x", &pending, &[&a], &mut diags);
        claims.claim("asm-x", &pending, &[&a], &mut diags);
        assert!(diags.is_empty());
        claims.claim("asm-y", &pending, &[&a], &mut diags);
        let error = diags.iter().next().unwrap();
        assert_eq!(
            error.summary,
            format!("Group {P} is imported by two resources")
        );
        assert!(error.detail.contains("\"a\""));
    }
}
