//! Tag rules shared by the provider's `default_tags` and the ownership tags
//! every created secret carries.

use std::collections::BTreeMap;

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

const OWNERSHIP_KEYS: [&str; 3] = [OWNERSHIP_RESOURCE, OWNERSHIP_KIND, OWNERSHIP_ID];
/// AWS allows 50 tags per secret; the ownership tags take three.
pub const MAX_DEFAULT_TAGS: usize = 50 - OWNERSHIP_KEYS.len();

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
        diags.error_at(
            path.clone(),
            "Too many default tags",
            format!(
                "default_tags has {} tags; AWS allows 50 per secret and the provider's ownership \
                 tags take 3, so at most {MAX_DEFAULT_TAGS} remain.",
                tags.len()
            ),
        );
    }
    for (key, value) in tags {
        let key_path = path.clone().key(key);
        if key.is_empty() || key.chars().count() > 127 {
            diags.error_at(
                key_path.clone(),
                "Invalid tag key",
                format!("Tag key {key:?} must be 1 to 127 characters long."),
            );
        }
        if key.to_ascii_lowercase().starts_with("aws:") {
            diags.error_at(
                key_path.clone(),
                "Reserved tag key",
                format!("Tag key {key:?} uses the reserved \"aws:\" prefix; choose another key."),
            );
        }
        if let Some(reason) = reserved_key_problem(key) {
            diags.error_at(key_path.clone(), "Reserved tag key", reason);
        }
        if value.chars().count() > 255 {
            diags.error_at(
                key_path,
                "Tag value too long",
                format!("The value of tag {key:?} has more than 255 characters."),
            );
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
            assert_eq!(diags.len(), 1, "{key:?}: {diags:?}");
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
    fn ordinary_tags_pass() {
        let tags = BTreeMap::from([("team".to_owned(), "platform".to_owned())]);
        let mut diags = Diagnostics::new();
        validate_default_tags(&tags, &AttributePath::root("tags"), &mut diags);
        assert!(diags.is_empty());
    }
}
