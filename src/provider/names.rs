//! Rules for secret names, checked before any AWS call.

use crate::tf::diag::Diagnostics;
use crate::tf::value::AttributePath;

/// AWS appends `-` and six random characters to a secret's name in its
/// ARN; a name that already ends that way confuses partial-ARN lookups.
const ARN_SUFFIX_LEN: usize = 6;
pub const MAX_NAME_LEN: usize = 512;

/// What is wrong with a name, in words a user can act on.
pub fn name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("a secret name cannot be empty".to_owned());
    }
    let length = name.chars().count();
    if length > MAX_NAME_LEN {
        return Some(format!(
            "it is {length} characters long; the limit is {MAX_NAME_LEN}"
        ));
    }
    let bad: Vec<char> = name.chars().filter(|c| !is_allowed(*c)).collect();
    if !bad.is_empty() {
        let mut shown: Vec<String> = bad.iter().map(|c| format!("{c:?}")).collect();
        shown.dedup();
        return Some(format!(
            "it contains {}; only letters, digits and / _ + = . @ - are allowed",
            shown.join(", ")
        ));
    }
    None
}

/// One error per invalid name, in name order, on the set attribute at
/// `path` (the protocol cannot point inside a set, so each quotes its name).
pub fn report_invalid_names<'a>(
    names: impl IntoIterator<Item = &'a str>,
    path: &AttributePath,
    diags: &mut Diagnostics,
) {
    let mut names: Vec<&str> = names.into_iter().collect();
    names.sort_unstable();
    names.dedup();
    let attribute = path.to_string();
    for name in names {
        if let Some(problem) = name_problem(name) {
            diags.error_at(
                path.clone(),
                format!("Invalid secret name {name:?}"),
                format!("The secret name {name:?} in {attribute} is invalid: {problem}."),
            );
        }
    }
}

fn is_allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || "/_+=.@-".contains(c)
}

/// True when the name ends in `-` plus six letters or digits, the shape
/// of the suffix AWS adds to ARNs.
pub fn looks_like_arn_suffix(name: &str) -> bool {
    let bytes = name.as_bytes();
    bytes.len() > ARN_SUFFIX_LEN
        && bytes[bytes.len() - ARN_SUFFIX_LEN - 1] == b'-'
        && bytes[bytes.len() - ARN_SUFFIX_LEN..]
            .iter()
            .all(u8::is_ascii_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_every_allowed_character() {
        assert_eq!(name_problem("app/prod/DB_PASSWORD+x=y.z@w-1"), None);
        assert_eq!(name_problem(&"a".repeat(512)), None);
    }

    #[test]
    fn rejects_empty_long_and_foreign_characters() {
        assert!(name_problem("").unwrap().contains("empty"));
        assert!(name_problem(&"a".repeat(513)).unwrap().contains("513"));
        let problem = name_problem("bad name!").unwrap();
        assert!(
            problem.contains("' '") && problem.contains("'!'"),
            "{problem}"
        );
        assert!(name_problem("é").is_some());
    }

    #[test]
    fn spots_arn_like_suffixes() {
        assert!(looks_like_arn_suffix("db-password-a1B2c3"));
        assert!(!looks_like_arn_suffix("db-password"));
        assert!(!looks_like_arn_suffix("db_abcdef1"));
    }
}
