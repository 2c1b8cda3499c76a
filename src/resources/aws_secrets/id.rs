//! The resource id: derived, not random, so that a create retried after an
//! interruption computes the same id and recognises the secrets it tagged.
//! The account is left out on purpose: secrets of different accounts never
//! meet, and the id must not change with whether the account was looked up.

use sha2::{Digest, Sha256};

/// `asm-` and 16 hex digits of a hash over the region and the sorted names
/// at creation.
pub fn derive_id(region: &str, names: &[String]) -> String {
    let mut sorted: Vec<&str> = names.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    sorted.dedup();
    let mut hasher = Sha256::new();
    hasher.update(region.as_bytes());
    for name in sorted {
        hasher.update([0]);
        hasher.update(name.as_bytes());
    }
    let digest = hasher.finalize();
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("asm-{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn same_inputs_same_id_in_any_order() {
        let a = derive_id("us-east-1", &names(&["b", "a"]));
        let b = derive_id("us-east-1", &names(&["a", "b", "a"]));
        assert_eq!(a, b);
        assert!(a.starts_with("asm-") && a.len() == 20);
    }

    #[test]
    fn any_input_changes_the_id() {
        let base = derive_id("us-east-1", &names(&["a"]));
        assert_ne!(base, derive_id("us-east-2", &names(&["a"])));
        assert_ne!(base, derive_id("us-east-1", &names(&["a", "b"])));
        // Separators keep ("ab", "c") apart from ("a", "bc").
        assert_ne!(
            derive_id("r", &names(&["ab", "c"])),
            derive_id("r", &names(&["a", "bc"]))
        );
    }
}
