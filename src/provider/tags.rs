//! Tag rules shared by the provider's `default_tags` and the ownership tags
//! every created secret carries.

use std::collections::{BTreeMap, BTreeSet};

use crate::tf::diag::Diagnostics;
use crate::tf::value::AttributePath;

/// Marks a secret as managed by Project Planton.
pub const OWNERSHIP_RESOURCE: &str = "planton.ai/resource";
/// Project Planton's kind for a set of secret containers.
pub const OWNERSHIP_KIND: &str = "planton.ai/resource-kind";
/// The id of the `planton_aws_secrets` resource that owns the secret.
pub const OWNERSHIP_ID: &str = "planton.ai/resource-id";
pub const KIND_VALUE: &str = "AwsSecretsManager";
/// Set (to "true") by the owner right before it schedules a secret for
/// deletion (destroy, or a name removed from the configuration): the
/// owner lets go, so the next apply that lists the name may restore it. A
/// scheduled secret without it still belongs to the resource in its
/// `planton.ai/resource-id`, and only that resource restores it.
pub const RELEASED: &str = "planton.ai/released";
/// Set by the destroy half of a replacement on one secret it hands over
/// (`<expiry>:<digest>`, see `resources::aws_secrets::mark`): a short-lived,
/// single-use proof that lets the create half continue the object in a
/// later apply when Terraform skipped it in this one. The create half
/// removes it before any other write.
pub const HANDOVER: &str = "planton.ai/handover";

/// Tags the provider sets for a while and removes again; a refresh that
/// finds one on a recorded, live secret shows it in `tags_all`, so the
/// plan shows its removal.
pub const TRANSIENT: [&str; 2] = [RELEASED, HANDOVER];

/// Whether the owner released a secret before scheduling it.
pub fn is_released(tags: &BTreeMap<String, String>) -> bool {
    tags.get(RELEASED).map(String::as_str) == Some("true")
}

/// Every tag the provider may put on a secret over its life, with when it
/// does. The tag budget at validate counts this one list: a feature that
/// adds a tag to secrets appends it here.
pub const PROVIDER_TAGS: &[(&str, &str)] = &[
    (OWNERSHIP_RESOURCE, "at creation"),
    (OWNERSHIP_KIND, "at creation"),
    (OWNERSHIP_ID, "at creation"),
    (RELEASED, "before scheduling it for deletion"),
    (
        HANDOVER,
        "on one secret of an object being replaced, until its replacement continues it",
    ),
];

/// Whether the provider itself writes tag `key` (see [`PROVIDER_TAGS`]).
pub fn is_provider_tag(key: &str) -> bool {
    PROVIDER_TAGS.iter().any(|(k, _)| *k == key)
}

/// AWS's limit of tags per secret; keys starting with `aws:` do not count
/// (TagResource in the Secrets Manager API reference).
pub const AWS_MAX_TAGS: usize = 50;
/// What the provider's own tags leave of AWS's limit for `default_tags`.
pub const MAX_DEFAULT_TAGS: usize = AWS_MAX_TAGS - PROVIDER_TAGS.len();
/// Tag key and value lengths, in characters (TagResource).
const MAX_KEY_CHARS: usize = 127;
const MAX_VALUE_CHARS: usize = 255;
/// AWS reserves this prefix in tag keys and values (TagResource).
const AWS_PREFIX: &str = "aws:";

fn has_aws_prefix(text: &str) -> bool {
    text.get(..AWS_PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(AWS_PREFIX))
}

/// The characters TagResource documents as generally allowed in tag keys
/// and values: letters, numbers, spaces and `+ - = . _ : / @`. (A space is
/// any Unicode separator: white space that is not a control character.)
fn allowed_tag_char(c: char) -> bool {
    c.is_alphanumeric()
        || (c.is_whitespace() && !c.is_control())
        || matches!(c, '+' | '-' | '=' | '.' | '_' | ':' | '/' | '@')
}

/// How many tags a secret would carry, and which of them the provider did
/// not set, once `remove` are removed from `current` and `add` are added.
#[derive(Debug, PartialEq, Eq)]
pub struct TagCount {
    /// Tags counted against [`AWS_MAX_TAGS`].
    pub total: usize,
    /// Keys set by someone else: neither the provider's own nor in
    /// `default_keys`, nor `aws:` ones.
    pub foreign: Vec<String>,
}

impl TagCount {
    pub fn new<'a>(
        current: &'a BTreeMap<String, String>,
        remove: &[String],
        add: impl IntoIterator<Item = &'a String>,
        default_keys: &BTreeSet<String>,
    ) -> Self {
        let keys: BTreeSet<&String> = current
            .keys()
            .filter(|k| !remove.contains(k))
            .chain(add)
            .filter(|k| !has_aws_prefix(k))
            .collect();
        let foreign = keys
            .iter()
            .filter(|k| !is_provider_tag(k) && !default_keys.contains(**k))
            .map(|k| (*k).clone())
            .collect();
        TagCount {
            total: keys.len(),
            foreign,
        }
    }

    pub fn fits(&self) -> bool {
        self.total <= AWS_MAX_TAGS
    }

    /// Why the tags do not fit, naming the ones set elsewhere.
    pub fn problem(&self) -> String {
        let own = self.total - self.foreign.len();
        let quoted: Vec<String> = self.foreign.iter().map(|k| format!("{k:?}")).collect();
        format!(
            "the secret would carry {} tags, over AWS's limit of {AWS_MAX_TAGS} per secret (keys \
             starting with \"aws:\" not counted). {own} of them are this provider's own tags and \
             default_tags; {} set outside this provider{}{}. Remove tags set elsewhere (or some \
             default_tags) until they fit, then apply again",
            self.total,
            match self.foreign.len() {
                1 => "1 was".to_owned(),
                n => format!("{n} were"),
            },
            if quoted.is_empty() { "" } else { ": " },
            quoted.join(", ")
        )
    }
}

/// The tags every secret of resource `id` carries: the provider's default
/// tags plus the ownership tags (which win over any default of that key).
pub fn ownership_tags(defaults: &BTreeMap<String, String>, id: &str) -> BTreeMap<String, String> {
    let mut tags = defaults.clone();
    tags.insert(OWNERSHIP_RESOURCE.to_owned(), "true".to_owned());
    tags.insert(OWNERSHIP_KIND.to_owned(), KIND_VALUE.to_owned());
    tags.insert(OWNERSHIP_ID.to_owned(), id.to_owned());
    tags
}

/// True when a secret's tags mark it as created by a planton resource.
pub fn is_planton_owned(tags: &BTreeMap<String, String>) -> bool {
    tags.get(OWNERSHIP_RESOURCE).map(String::as_str) == Some("true")
}

/// The namespace of the ownership tags. All of it is reserved, not only
/// the keys in use today: a default tag there could make a secret look
/// owned, or released, by a resource that never touched it.
const RESERVED_PREFIX: &str = "planton.ai/";

/// Why `key` may not be a default tag because it is in (or, ignoring case
/// and surrounding whitespace, reads as being in) the ownership namespace.
fn reserved_key_problem(key: &str) -> Option<String> {
    let read_as = key.trim().to_lowercase();
    if !read_as.starts_with(RESERVED_PREFIX) {
        return None;
    }
    let look_alike = if read_as == key {
        String::new()
    } else {
        format!(" (it reads as {read_as:?} once case and surrounding spaces are ignored)")
    };
    Some(format!(
        "Tag key {key:?} is in the {RESERVED_PREFIX:?} namespace{look_alike}, which the provider \
         reserves for the ownership tags it sets and reads itself to tell which resource owns a \
         secret. Remove it from default_tags, or choose a key outside that namespace."
    ))
}

/// Checks `default_tags` against AWS's tag limits and the ownership keys.
pub fn validate_default_tags(
    tags: &BTreeMap<String, String>,
    path: &AttributePath,
    diags: &mut Diagnostics,
) {
    if tags.len() > MAX_DEFAULT_TAGS {
        let own: Vec<String> = PROVIDER_TAGS
            .iter()
            .map(|(key, when)| format!("{key} ({when})"))
            .collect();
        diags.error_at(
            path.clone(),
            "Too many default tags",
            format!(
                "default_tags has {} tags. AWS allows {AWS_MAX_TAGS} tags per secret (keys \
                 starting with \"aws:\" not counted), and over a secret's life the provider adds \
                 {} of its own: {}. {} + {} = {}, so at most {MAX_DEFAULT_TAGS} default tags fit: \
                 remove {}.",
                tags.len(),
                PROVIDER_TAGS.len(),
                own.join(", "),
                tags.len(),
                PROVIDER_TAGS.len(),
                tags.len() + PROVIDER_TAGS.len(),
                tags.len() - MAX_DEFAULT_TAGS
            ),
        );
    }
    for (key, value) in tags {
        let key_path = path.clone().key(key);
        let key_chars = key.chars().count();
        if key_chars == 0 || key_chars > MAX_KEY_CHARS {
            diags.error_at(
                key_path.clone(),
                "Invalid tag key",
                format!(
                    "Tag key {key:?} has {key_chars} characters; AWS takes 1 to {MAX_KEY_CHARS}."
                ),
            );
        }
        if has_aws_prefix(key) {
            diags.error_at(
                key_path.clone(),
                "Reserved tag key",
                format!("Tag key {key:?} uses the reserved \"aws:\" prefix; choose another key."),
            );
        }
        if let Some(reason) = reserved_key_problem(key) {
            diags.error_at(key_path.clone(), "Reserved tag key", reason);
        }
        let value_chars = value.chars().count();
        if value_chars > MAX_VALUE_CHARS {
            diags.error_at(
                key_path.clone(),
                "Tag value too long",
                format!(
                    "The value of tag {key:?} has {value_chars} characters; AWS takes at most \
                     {MAX_VALUE_CHARS}."
                ),
            );
        }
        if has_aws_prefix(value) {
            diags.error_at(
                key_path.clone(),
                "Reserved tag value",
                format!(
                    "The value of tag {key:?} starts with \"aws:\", a prefix AWS reserves in tag \
                     keys and values; choose another value."
                ),
            );
        }
        for (what, text) in [("key", key), ("value", value)] {
            if let Some(c) = text.chars().find(|c| !allowed_tag_char(*c)) {
                diags.error_at(
                    key_path.clone(),
                    "Invalid tag character",
                    format!(
                        "The {what} of tag {key:?} holds the character {c:?}. AWS takes letters, \
                         numbers, spaces and + - = . _ : / @ in tag keys and values; choose \
                         another {what}."
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_and_oversized_keys_are_refused() {
        let tags: BTreeMap<String, String> = [
            ("aws:owner", "x"),
            (OWNERSHIP_ID, "y"),
            ("team", "platform"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let mut diags = Diagnostics::new();
        validate_default_tags(
            &tags,
            &AttributePath::root("default_tags").attribute("tags"),
            &mut diags,
        );
        assert_eq!(diags.len(), 2);
        let first = diags.iter().next().unwrap();
        assert_eq!(
            first.path,
            Some(
                AttributePath::root("default_tags")
                    .attribute("tags")
                    .key("aws:owner")
            )
        );
    }

    #[test]
    fn the_whole_ownership_namespace_and_its_look_alikes_are_reserved() {
        let path = AttributePath::root("default_tags").attribute("tags");
        for key in [
            OWNERSHIP_RESOURCE,
            OWNERSHIP_KIND,
            OWNERSHIP_ID,
            "planton.ai/anything",
            "planton.ai/",
            "Planton.AI/resource-id",
            " planton.ai/x",
            "planton.ai/x\t",
            "PLANTON.AI/RELEASED",
        ] {
            let tags = BTreeMap::from([(key.to_owned(), "v".to_owned())]);
            let mut diags = Diagnostics::new();
            validate_default_tags(&tags, &path, &mut diags);
            // (A tab is also a character AWS does not take: a second error.)
            let expected = if key.contains('\t') { 2 } else { 1 };
            assert_eq!(diags.len(), expected, "{key:?}: {diags:?}");
            let error = diags.iter().next().unwrap();
            assert_eq!(error.path, Some(path.clone().key(key)));
            assert_eq!(error.summary, "Reserved tag key");
            assert!(
                error.detail.starts_with(&format!(
                    "Tag key {key:?} is in the \"planton.ai/\" namespace"
                )),
                "{}",
                error.detail
            );
        }
        let look_alike = reserved_key_problem("Planton.AI/resource-id").unwrap();
        assert!(
            look_alike.contains("(it reads as \"planton.ai/resource-id\" once case and surrounding spaces are ignored)"),
            "{look_alike}"
        );
        for key in [
            "planton.ai",
            "planton-ai/x",
            "team/planton.ai/x",
            "planton.aix/y",
        ] {
            assert_eq!(reserved_key_problem(key), None, "{key}");
        }
    }

    #[test]
    fn the_budget_counts_every_tag_the_provider_may_add() {
        assert_eq!(PROVIDER_TAGS.len(), 5);
        assert_eq!(MAX_DEFAULT_TAGS, 45);
        let tags_of = |n: usize| -> BTreeMap<String, String> {
            (0..n)
                .map(|i| (format!("t{i:02}"), "v".to_owned()))
                .collect()
        };
        let path = AttributePath::root("default_tags").attribute("tags");
        let mut diags = Diagnostics::new();
        validate_default_tags(&tags_of(45), &path, &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        validate_default_tags(&tags_of(48), &path, &mut diags);
        assert_eq!(diags.len(), 1);
        let error = diags.iter().next().unwrap();
        assert_eq!(error.summary, "Too many default tags");
        assert_eq!(error.path, Some(path));
        assert_eq!(
            error.detail,
            "default_tags has 48 tags. AWS allows 50 tags per secret (keys starting with \"aws:\" \
             not counted), and over a secret's life the provider adds 5 of its own: \
             planton.ai/resource (at creation), planton.ai/resource-kind (at creation), \
             planton.ai/resource-id (at creation), planton.ai/released (before scheduling it for \
             deletion), planton.ai/handover (on one secret of an object being replaced, until its \
             replacement continues it). 48 + 5 = 53, so at most 45 default tags fit: remove 3."
        );
    }

    #[test]
    fn keys_and_values_follow_tag_resource() {
        let path = AttributePath::root("tags");
        let check = |key: &str, value: &str| {
            let mut diags = Diagnostics::new();
            let tags = BTreeMap::from([(key.to_owned(), value.to_owned())]);
            validate_default_tags(&tags, &path, &mut diags);
            diags.iter().map(|d| d.summary.clone()).collect::<Vec<_>>()
        };
        assert!(check(&"k".repeat(127), &"v".repeat(255)).is_empty());
        assert!(check("Kostenstelle é 中 +-=._:/@ 7", "a b\u{a0}c").is_empty());
        assert_eq!(check(&"k".repeat(128), "v"), ["Invalid tag key"]);
        assert_eq!(check("", "v"), ["Invalid tag key"]);
        assert_eq!(check("k", &"v".repeat(256)), ["Tag value too long"]);
        assert_eq!(check("k", "AWS:x"), ["Reserved tag value"]);
        assert_eq!(check("a#b", "v"), ["Invalid tag character"]);
        assert_eq!(check("k", "line\nbreak"), ["Invalid tag character"]);
        assert_eq!(check("k", "tab\t"), ["Invalid tag character"]);
    }

    #[test]
    fn a_count_names_the_tags_set_elsewhere() {
        let current: BTreeMap<String, String> = ownership_tags(
            &(0..44).map(|i| (format!("d{i}"), "v".to_owned())).collect(),
            "asm-1",
        )
        .into_iter()
        .chain([
            ("cost-center".to_owned(), "x".to_owned()),
            ("owner".to_owned(), "y".to_owned()),
            ("aws:cloudformation:stack-id".to_owned(), "z".to_owned()),
        ])
        .collect();
        let defaults: BTreeSet<String> = (0..44).map(|i| format!("d{i}")).collect();
        let released = RELEASED.to_owned();
        let count = TagCount::new(&current, &[], [&released], &defaults);
        assert_eq!(count.total, 50);
        assert!(count.fits());
        let extra = "d44".to_owned();
        let defaults_45: BTreeSet<String> =
            defaults.iter().cloned().chain([extra.clone()]).collect();
        let count = TagCount::new(&current, &[], [&released, &extra], &defaults_45);
        assert_eq!(count.total, 51);
        assert!(!count.fits());
        assert_eq!(count.foreign, ["cost-center", "owner"]);
        assert_eq!(
            count.problem(),
            "the secret would carry 51 tags, over AWS's limit of 50 per secret (keys starting \
             with \"aws:\" not counted). 49 of them are this provider's own tags and \
             default_tags; 2 were set outside this provider: \"cost-center\", \"owner\". Remove \
             tags set elsewhere (or some default_tags) until they fit, then apply again"
        );
        // Removing first makes room.
        let count = TagCount::new(
            &current,
            &["d0".to_owned()],
            [&released, &extra],
            &defaults_45,
        );
        assert!(count.fits());
    }

    #[test]
    fn ordinary_tags_pass() {
        let tags = BTreeMap::from([("team".to_owned(), "platform".to_owned())]);
        let mut diags = Diagnostics::new();
        validate_default_tags(&tags, &AttributePath::root("tags"), &mut diags);
        assert!(diags.is_empty());
    }
}
