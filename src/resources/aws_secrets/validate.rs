//! ValidateResourceConfig: the names are checked before any AWS call.

use crate::tf::diag::Diagnostics;
use crate::tf::value::{AttributePath, Value};

use super::schema::{KMS_KEY_ID, RECOVERY_WINDOW, SECRET_NAMES};
use crate::provider::key_names::key_name_problem;
use crate::provider::names::{looks_like_arn_suffix, report_invalid_names};
use crate::tf::typed::ObjectReader;

/// Checks every known name, the key and the window; unknown values are
/// checked when they are known.
pub fn validate_config(config: &Value, diags: &mut Diagnostics) {
    let saw_unknown = std::cell::Cell::new(false);
    let reader = ObjectReader::new(config, &saw_unknown);
    reader.integer(RECOVERY_WINDOW, 7..=30, diags);
    if let Some(key) = reader.string(KMS_KEY_ID, diags) {
        if let Some(problem) = key_name_problem(&key) {
            diags.error_at(
                AttributePath::root(KMS_KEY_ID),
                "Invalid kms_key_id",
                format!(
                    "kms_key_id {key:?} {problem}. Give a key id, a key ARN, an alias name \
                     (alias/NAME) or an alias ARN, or leave it unset for the AWS-managed key."
                ),
            );
        }
    }
    let Some(names) = config.get_attribute(SECRET_NAMES) else {
        return;
    };
    // The protocol cannot point inside a set, so diagnostics name the set
    // attribute and quote the offending element.
    let path = AttributePath::root(SECRET_NAMES);
    let Some(elements) = names.as_elements() else {
        return; // null (Terraform reports the missing required argument) or unknown
    };
    if elements.is_empty() {
        diags.error_at(
            path.clone(),
            "No secret names",
            "secret_names is empty. List at least one secret name, or remove the resource to delete its secrets.",
        );
    }
    if elements.iter().any(Value::is_null) {
        diags.error_at(
            path.clone(),
            "Null secret name",
            "secret_names contains a null element. Every element must be a secret name; remove \
             the null (for example with compact()) or give it a value.",
        );
    }
    report_invalid_names(elements.iter().filter_map(Value::as_str), &path, diags);
}

/// Warns about each name being added that ends like an ARN suffix. Called
/// from planning, not validation: Terraform validates the same
/// configuration several times per command, and a warning per validation
/// repeated itself; a plan adds a name once.
pub fn warn_arn_like_suffixes(config: &Value, prior: &Value, diags: &mut Diagnostics) {
    let Some(elements) = config
        .get_attribute(SECRET_NAMES)
        .and_then(Value::as_elements)
    else {
        return;
    };
    let recorded = prior
        .get_attribute(super::schema::SECRET_ARN_MAP)
        .and_then(Value::as_map);
    let mut added: Vec<&str> = elements
        .iter()
        .filter_map(Value::as_str)
        .filter(|name| recorded.is_none_or(|map| !map.contains_key(*name)))
        .filter(|name| looks_like_arn_suffix(name))
        .collect();
    added.sort_unstable();
    for name in added {
        diags.warning_at(
            AttributePath::root(SECRET_NAMES),
            format!("Secret name {name:?} ends like an ARN suffix"),
            format!(
                "AWS adds \"-\" and six random characters to every secret's ARN. A name that \
                 already ends in \"-\" plus six characters ({name:?}) makes partial-ARN \
                 lookups and IAM wildcards ambiguous; consider another suffix."
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tf::diag::Severity;

    fn config(names: Value) -> Value {
        Value::Object([(SECRET_NAMES.to_owned(), names)].into_iter().collect())
    }

    fn strings(names: &[&str]) -> Value {
        Value::Set(
            names
                .iter()
                .map(|n| Value::String((*n).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn invalid_name_is_an_error_on_secret_names() {
        let mut diags = Diagnostics::new();
        validate_config(&config(strings(&["ok/name", "bad name"])), &mut diags);
        assert_eq!(diags.len(), 1);
        let d = diags.iter().next().unwrap();
        assert_eq!(d.severity, Severity::Error);
        assert_eq!(d.path, Some(AttributePath::root(SECRET_NAMES)));
        assert!(d.summary.contains("bad name"));
    }

    #[test]
    fn arn_like_suffix_is_a_warning_once_when_the_name_is_added() {
        let mut diags = Diagnostics::new();
        validate_config(&config(strings(&["db-abc123"])), &mut diags);
        assert!(diags.is_empty(), "validation runs several times per plan");

        let mut diags = Diagnostics::new();
        let added = config(strings(&["db-abc123", "db-xyz789", "plain"]));
        warn_arn_like_suffixes(&added, &Value::Null, &mut diags);
        assert_eq!(diags.len(), 2);
        assert!(diags.iter().all(|d| d.severity == Severity::Warning));

        // A name already recorded is not warned about again.
        let prior = Value::Object(
            [(
                super::super::schema::SECRET_ARN_MAP.to_owned(),
                Value::Map([("db-abc123".to_owned(), Value::String("arn".into()))].into()),
            )]
            .into(),
        );
        let mut diags = Diagnostics::new();
        warn_arn_like_suffixes(&added, &prior, &mut diags);
        assert_eq!(diags.len(), 1);
        assert!(diags.iter().next().unwrap().summary.contains("db-xyz789"));
    }

    #[test]
    fn errors_and_warnings_come_in_name_order() {
        let names = strings(&["z z", "db-zzz999", "a!", "db-aaa111", "m m"]);
        let mut diags = Diagnostics::new();
        validate_config(&config(names.clone()), &mut diags);
        warn_arn_like_suffixes(&config(names), &Value::Null, &mut diags);
        let summaries: Vec<&str> = diags.iter().map(|d| d.summary.as_str()).collect();
        assert_eq!(
            summaries,
            [
                "Invalid secret name \"a!\"",
                "Invalid secret name \"m m\"",
                "Invalid secret name \"z z\"",
                "Secret name \"db-aaa111\" ends like an ARN suffix",
                "Secret name \"db-zzz999\" ends like an ARN suffix",
            ]
        );
    }

    #[test]
    fn a_null_name_is_an_error_on_secret_names() {
        let mut diags = Diagnostics::new();
        let names = Value::Set(vec![Value::String("a".into()), Value::Null]);
        validate_config(&config(names), &mut diags);
        assert_eq!(diags.len(), 1);
        let d = diags.iter().next().unwrap();
        assert_eq!(d.severity, Severity::Error);
        assert_eq!(d.path, Some(AttributePath::root(SECRET_NAMES)));
        assert!(d.summary.contains("Null"), "{d:?}");
    }

    #[test]
    fn empty_set_is_an_error_and_unknowns_wait() {
        let mut diags = Diagnostics::new();
        validate_config(&config(strings(&[])), &mut diags);
        assert!(diags.has_errors());
        let mut diags = Diagnostics::new();
        validate_config(&config(Value::unknown()), &mut diags);
        validate_config(&config(Value::Set(vec![Value::unknown()])), &mut diags);
        assert!(diags.is_empty());
    }
}
