//! UpgradeResourceState: state written under older schema versions.
//!
//! Version 0 (release 0.1.0) has today's shape with an id derived from the
//! region and the names. Upgrading mints a random id and keeps everything
//! else: `tags_all` still records the derived id the secrets carry, so
//! ownership counts those secrets as this instance's and the next plan is
//! an in-place change of the `planton.ai/resource-id` tag only.

use crate::tf::diag::Diagnostics;
use crate::tf::value::Value;

use super::id::new_id;
use super::model::SecretsState;

pub fn upgrade(version: i64, stored: Option<Value>, diags: &mut Diagnostics) -> Option<Value> {
    if version != 0 {
        diags.error(
            "Unknown planton_aws_secrets state version",
            format!("State schema version {version} was never written by this provider. Remove the resource from state and import it again."),
        );
        return None;
    }
    let state = stored
        .ok_or_else(|| "it does not have the shape release 0.1.0 wrote".to_owned())
        .and_then(|value| SecretsState::from_value(&value));
    let fresh = new_id();
    match (state, fresh) {
        (Ok(mut state), Ok(id)) => {
            state.id = id;
            Some(state.to_value())
        }
        (Err(problem), _) | (_, Err(problem)) => {
            diags.error(
                "Cannot upgrade planton_aws_secrets state",
                format!("State written by release 0.1.0 could not be upgraded: {problem}. Remove the resource from state (terraform state rm) and import its secrets again."),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::tags::{ownership_tags, OWNERSHIP_ID};
    use std::collections::BTreeMap;

    #[test]
    fn version_0_gets_a_random_id_and_keeps_the_rest() {
        let legacy = "asm-0011223344556677";
        let mut old = SecretsState::new(legacy.into(), ownership_tags(&BTreeMap::new(), legacy));
        old.arns.insert("a".into(), "arn:a".into());
        let mut diags = Diagnostics::new();
        let upgraded = upgrade(0, Some(old.to_value()), &mut diags).unwrap();
        assert!(diags.is_empty());
        let new = SecretsState::from_value(&upgraded).unwrap();
        assert_ne!(new.id, legacy);
        assert_eq!(new.id.len(), 36);
        assert_eq!(new.arns, old.arns);
        assert_eq!(new.tags_all[OWNERSHIP_ID], legacy);
        assert!(new.owner().owns(legacy), "the legacy id stays ours");
    }

    #[test]
    fn unknown_versions_and_shapes_are_explained() {
        let mut diags = Diagnostics::new();
        assert!(upgrade(7, None, &mut diags).is_none());
        assert!(diags.has_errors());
        let mut diags = Diagnostics::new();
        assert!(upgrade(0, None, &mut diags).is_none());
        assert!(diags.iter().next().unwrap().detail.contains("0.1.0"));
    }
}
