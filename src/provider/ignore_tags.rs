//! The provider's `ignore_tags { keys, key_prefixes }`, with the
//! hashicorp/aws provider's meaning: tags other tools set on the secrets
//! are neither planned, nor removed, nor (here) taken for a sign that a
//! scheduled secret was tampered with when it is restored. The ownership
//! tags (`planton.ai/...`) can never be ignored: ownership rests on them.

use std::collections::{BTreeMap, BTreeSet};

use crate::tf::diag::Diagnostics;
use crate::tf::typed::ObjectReader;

/// The namespace of the ownership tags.
const OWNERSHIP_NAMESPACE: &str = "planton.ai/";

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IgnoreTags {
    pub keys: BTreeSet<String>,
    pub key_prefixes: BTreeSet<String>,
}

impl IgnoreTags {
    /// Reads the block (absent: nothing ignored), refusing what would reach
    /// into the ownership namespace.
    pub fn read(block: &ObjectReader<'_>, diags: &mut Diagnostics) -> Self {
        let set = |name: &str, diags: &mut Diagnostics| -> BTreeSet<String> {
            block
                .strings(name, diags)
                .unwrap_or_default()
                .into_iter()
                .collect()
        };
        let ignore = Self {
            keys: set("keys", diags),
            key_prefixes: set("key_prefixes", diags),
        };
        for key in ignore.keys.iter().filter(|k| reaches_ownership(k, false)) {
            diags.error_at(
                block.path("keys"),
                "Ownership tags cannot be ignored",
                format!(
                    "ignore_tags.keys lists {key:?}, in the planton.ai/ namespace of the \
                     ownership tags, which decide who owns a secret. Remove it."
                ),
            );
        }
        for prefix in ignore
            .key_prefixes
            .iter()
            .filter(|p| reaches_ownership(p, true))
        {
            diags.error_at(
                block.path("key_prefixes"),
                "Ownership tags cannot be ignored",
                format!(
                    "ignore_tags.key_prefixes lists {prefix:?}, which matches the planton.ai/ \
                     ownership tags, which decide who owns a secret. Use a longer prefix that \
                     does not match planton.ai/."
                ),
            );
        }
        ignore
    }

    pub fn ignores(&self, key: &str) -> bool {
        self.keys.contains(key)
            || self
                .key_prefixes
                .iter()
                .any(|p| key.starts_with(p.as_str()))
    }

    /// `tags` without the ignored ones.
    pub fn without_ignored(&self, tags: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        tags.iter()
            .filter(|(k, _)| !self.ignores(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// Whether a key (or, with `prefix`, any key it starts) is in the
/// ownership namespace, compared without case as AWS's tag keys read.
fn reaches_ownership(text: &str, prefix: bool) -> bool {
    let text = text.trim().to_lowercase();
    text.starts_with(OWNERSHIP_NAMESPACE) || prefix && OWNERSHIP_NAMESPACE.starts_with(&text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tf::value::Value;

    fn read(keys: &[&str], prefixes: &[&str]) -> (IgnoreTags, Diagnostics) {
        let set =
            |items: &[&str]| Value::Set(items.iter().map(|i| Value::String((*i).into())).collect());
        let block = Value::Object(
            [
                ("keys".to_owned(), set(keys)),
                ("key_prefixes".to_owned(), set(prefixes)),
            ]
            .into_iter()
            .collect(),
        );
        let unknown = std::cell::Cell::new(false);
        let mut diags = Diagnostics::new();
        let ignore = IgnoreTags::read(&ObjectReader::new(&block, &unknown), &mut diags);
        (ignore, diags)
    }

    #[test]
    fn keys_and_prefixes_are_ignored() {
        let (ignore, diags) = read(&["CostCenter"], &["team:", "aws-"]);
        assert!(diags.is_empty(), "{diags:?}");
        assert!(ignore.ignores("CostCenter") && ignore.ignores("team:owner"));
        assert!(!ignore.ignores("costcenter") && !ignore.ignores("Team"));
        let tags = BTreeMap::from([
            ("team:a".to_owned(), "1".to_owned()),
            ("keep".to_owned(), "2".to_owned()),
        ]);
        assert_eq!(
            ignore.without_ignored(&tags).keys().collect::<Vec<_>>(),
            ["keep"]
        );
    }

    #[test]
    fn the_ownership_tags_cannot_be_ignored() {
        for (keys, prefixes) in [
            (&["planton.ai/resource-id"][..], &[][..]),
            (&[][..], &["planton"][..]),
            (&[][..], &[""][..]),
            (&[][..], &["Planton.AI/res"][..]),
        ] {
            let (_, diags) = read(keys, prefixes);
            assert!(diags.has_errors(), "{keys:?} {prefixes:?}");
        }
        let (_, diags) = read(&["planton"], &["plantonx"]);
        assert!(diags.is_empty(), "{diags:?}");
    }
}
