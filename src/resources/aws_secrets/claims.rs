//! Names claimed by the plans of one provider instance. Terraform runs one
//! provider process per provider configuration and walk, so two resources
//! of one configuration listing the same secret meet here at plan time,
//! before any AWS call.

use std::collections::BTreeSet;
use std::sync::Mutex;

/// Who planned which names: `owner` is the prior id of an existing
/// resource, `None` for one being created.
#[derive(Default)]
pub struct NameClaims {
    claims: Mutex<Vec<Claimed>>,
}

struct Claimed {
    owner: Option<String>,
    names: BTreeSet<String>,
}

impl Claimed {
    /// Whether a new claim comes from the resource that made this one.
    /// Replacing (`-replace`, taint, create_before_destroy) plans a
    /// resource twice: with its prior state, then as a create of the same
    /// names; that is one resource, not two.
    fn same_resource(&self, owner: Option<&str>, names: &BTreeSet<String>) -> bool {
        match (self.owner.as_deref(), owner) {
            (Some(a), Some(b)) => a == b,
            (Some(_), None) | (None, Some(_)) => self.names == *names,
            (None, None) => false,
        }
    }
}

impl NameClaims {
    /// Records `names` for `owner` and returns those another resource
    /// already claimed (then nothing is recorded).
    pub fn claim(&self, owner: Option<&str>, names: BTreeSet<String>) -> Vec<String> {
        let mut claims = self.claims.lock().unwrap_or_else(|e| e.into_inner());
        let mut taken = BTreeSet::new();
        for other in claims.iter() {
            if !other.same_resource(owner, &names) {
                taken.extend(other.names.intersection(&names).cloned());
            }
        }
        if !taken.is_empty() {
            return taken.into_iter().collect();
        }
        if let Some(owner) = owner {
            // A resource planned again claims what its latest plan lists.
            claims.retain(|c| c.owner.as_deref() != Some(owner));
        }
        claims.push(Claimed {
            owner: owner.map(str::to_owned),
            names,
        });
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn two_creates_of_one_name_conflict() {
        let claims = NameClaims::default();
        assert!(claims.claim(None, names(&["a", "b"])).is_empty());
        assert_eq!(claims.claim(None, names(&["b", "c"])), ["b"]);
        // The refused claim recorded nothing.
        assert!(claims.claim(Some("asm-1"), names(&["c"])).is_empty());
    }

    #[test]
    fn two_existing_resources_of_one_name_conflict() {
        let claims = NameClaims::default();
        assert!(claims.claim(Some("asm-1"), names(&["a"])).is_empty());
        assert_eq!(claims.claim(Some("asm-2"), names(&["a"])), ["a"]);
        assert_eq!(claims.claim(None, names(&["a", "z"])), ["a"]);
    }

    #[test]
    fn a_replacement_planned_twice_is_one_resource() {
        let claims = NameClaims::default();
        assert!(claims.claim(Some("asm-1"), names(&["a", "b"])).is_empty());
        assert!(claims.claim(None, names(&["a", "b"])).is_empty());
        // Planned again with its prior state: still itself.
        assert!(claims.claim(Some("asm-1"), names(&["a", "b"])).is_empty());
        assert_eq!(claims.claim(Some("asm-2"), names(&["b"])), ["b"]);
    }

    #[test]
    fn disjoint_names_never_conflict() {
        let claims = NameClaims::default();
        assert!(claims.claim(None, names(&["a"])).is_empty());
        assert!(claims.claim(None, names(&["b"])).is_empty());
        assert!(claims.claim(Some("asm-1"), names(&["c"])).is_empty());
    }
}
