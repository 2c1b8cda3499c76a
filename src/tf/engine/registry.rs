//! What a provider offers, looked up by name: one registry per kind
//! (resources, data sources, functions), built once from the provider's
//! lists.

use std::collections::BTreeMap;

use crate::tf::diag::Diagnostics;

/// Entries of one kind by name. `kind` is how messages speak of them
/// ("resource type", "data source", "function").
pub struct Registry<E> {
    kind: &'static str,
    entries: BTreeMap<&'static str, E>,
}

impl<E> Registry<E> {
    pub fn new(kind: &'static str, entries: impl IntoIterator<Item = (&'static str, E)>) -> Self {
        Self {
            kind,
            entries: entries.into_iter().collect(),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &E)> {
        self.entries.iter().map(|(name, entry)| (*name, entry))
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.entries.keys().copied().collect()
    }

    /// The entry, or an error saying what `provider` offers instead.
    pub fn get(&self, name: &str, provider: &str) -> Result<&E, Diagnostics> {
        self.entries.get(name).ok_or_else(|| {
            let mut diags = Diagnostics::new();
            diags.error(
                format!("Unknown {} {name:?}", self.kind),
                format!(
                    "The {provider} provider has no {} named {name:?}; {}.",
                    self.kind,
                    self.offered()
                ),
            );
            diags
        })
    }

    /// "it offers: a, b" or "it offers none".
    pub fn offered(&self) -> String {
        if self.entries.is_empty() {
            format!("it offers no {}s", self.kind)
        } else {
            format!("it offers: {}", self.names().join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_names_list_what_is_offered() {
        let registry = Registry::new("data source", [("p_b", 2), ("p_a", 1)]);
        assert_eq!(registry.get("p_a", "p").ok(), Some(&1));
        let diags = registry.get("p_c", "p").unwrap_err();
        let error = diags.iter().next().unwrap();
        assert_eq!(error.summary, "Unknown data source \"p_c\"");
        assert!(
            error.detail.contains("it offers: p_a, p_b"),
            "{}",
            error.detail
        );
        let empty: Registry<()> = Registry::new("function", []);
        assert!(empty
            .get("f", "p")
            .unwrap_err()
            .iter()
            .next()
            .unwrap()
            .detail
            .contains("it offers no functions"));
    }
}
