//! Reading the authentication arguments of the provider block, with every
//! check that needs no network.

use std::collections::BTreeSet;

use crate::tf::diag::Diagnostics;
use crate::tf::typed::ObjectReader;

use super::duration::session_seconds;
use super::{AccountGuard, AssumeRole, AuthSettings, HttpOptions, WebIdentity};

/// Reads `assume_role`, `assume_role_with_web_identity`, the account guards,
/// `sts_region` and the HTTP arguments. `skip_requesting_account_id` is
/// passed in because a guard cannot work without the account.
pub fn read(
    block: &ObjectReader<'_>,
    skip_requesting_account_id: bool,
    diags: &mut Diagnostics,
) -> AuthSettings {
    let assume_role = block
        .blocks("assume_role")
        .iter()
        .filter_map(|role| read_role(role, diags))
        .collect();
    let web_identity_block = block.object("assume_role_with_web_identity");
    let web_identity = read_web_identity(&web_identity_block, diags);
    let guard = read_guard(block, skip_requesting_account_id, diags);
    let sts_region = block.string("sts_region", diags).filter(|r| !r.is_empty());
    let http = HttpOptions {
        custom_ca_bundle: non_empty(block.string("custom_ca_bundle", diags)),
        http_proxy: non_empty(block.string("http_proxy", diags)),
        https_proxy: non_empty(block.string("https_proxy", diags)),
        no_proxy: non_empty(block.string("no_proxy", diags)),
    };
    AuthSettings {
        assume_role,
        web_identity,
        guard,
        sts_region,
        http,
    }
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.is_empty())
}

/// A role ARN: `arn:PARTITION:iam::ACCOUNT:role/NAME`.
fn check_role_arn(block: &ObjectReader<'_>, diags: &mut Diagnostics) -> Option<String> {
    let arn = block.string("role_arn", diags)?;
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let valid = parts.len() == 6
        && parts[0] == "arn"
        && !parts[1].is_empty()
        && parts[2] == "iam"
        && parts[4].len() == 12
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && parts[5].starts_with("role/")
        && parts[5].len() > "role/".len();
    if !valid {
        diags.error_at(
            block.path("role_arn"),
            "Invalid role ARN",
            format!(
                "{arn:?} is not an IAM role ARN. Use the role's ARN, like \
                 \"arn:aws:iam::123456789012:role/deploy\"."
            ),
        );
        return None;
    }
    Some(arn)
}

fn duration(block: &ObjectReader<'_>, diags: &mut Diagnostics) -> Option<i32> {
    let text = block.string("duration", diags)?;
    match session_seconds(&text) {
        Ok(seconds) => Some(seconds),
        Err(problem) => {
            diags.error_at(
                block.path("duration"),
                "Invalid duration",
                format!("{problem}."),
            );
            None
        }
    }
}

fn read_role(block: &ObjectReader<'_>, diags: &mut Diagnostics) -> Option<AssumeRole> {
    let role_arn = check_role_arn(block, diags);
    let role = AssumeRole {
        role_arn: role_arn.clone().unwrap_or_default(),
        session_name: non_empty(block.string("session_name", diags)),
        external_id: non_empty(block.string("external_id", diags)),
        duration_seconds: duration(block, diags),
        policy: non_empty(block.string("policy", diags)),
        policy_arns: block.strings("policy_arns", diags).unwrap_or_default(),
        tags: block.string_map("tags", diags).unwrap_or_default(),
        transitive_tag_keys: block
            .strings("transitive_tag_keys", diags)
            .unwrap_or_default(),
        source_identity: non_empty(block.string("source_identity", diags)),
    };
    role_arn.map(|_| role)
}

fn read_web_identity(block: &ObjectReader<'_>, diags: &mut Diagnostics) -> Option<WebIdentity> {
    // An absent block reads as all-null: nothing to do.
    let role_arn_given = block.string("role_arn", diags).is_some();
    let token = non_empty(block.string("web_identity_token", diags));
    let token_file = non_empty(block.string("web_identity_token_file", diags));
    if !role_arn_given {
        if token.is_some() || token_file.is_some() {
            diags.error_at(
                block.path("role_arn"),
                "Missing role ARN",
                "assume_role_with_web_identity needs role_arn: the role the token is exchanged for.",
            );
        }
        return None;
    }
    let role_arn = check_role_arn(block, diags)?;
    match (&token, &token_file) {
        (Some(_), Some(_)) => {
            diags.error_at(
                block.path("web_identity_token_file"),
                "Conflicting web identity tokens",
                "Set web_identity_token or web_identity_token_file, not both.",
            );
            return None;
        }
        (None, None) if !block.saw_unknown() => {
            diags.error_at(
                block.path("web_identity_token_file"),
                "Missing web identity token",
                "assume_role_with_web_identity needs web_identity_token or \
                 web_identity_token_file (for example the file your CI system writes its OIDC \
                 token to).",
            );
            return None;
        }
        _ => {}
    }
    Some(WebIdentity {
        role_arn,
        session_name: non_empty(block.string("session_name", diags)),
        token,
        token_file,
        duration_seconds: duration(block, diags),
        policy: non_empty(block.string("policy", diags)),
        policy_arns: block.strings("policy_arns", diags).unwrap_or_default(),
    })
}

fn account_ids(
    block: &ObjectReader<'_>,
    name: &str,
    diags: &mut Diagnostics,
) -> Option<BTreeSet<String>> {
    let ids = block.strings(name, diags)?;
    for id in &ids {
        if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
            diags.error_at(
                block.path(name),
                "Invalid AWS account ID",
                format!("{name} lists {id:?}; an AWS account ID is 12 digits."),
            );
        }
    }
    Some(ids.into_iter().collect())
}

fn read_guard(
    block: &ObjectReader<'_>,
    skip_requesting_account_id: bool,
    diags: &mut Diagnostics,
) -> AccountGuard {
    let allowed = account_ids(block, "allowed_account_ids", diags);
    let forbidden = account_ids(block, "forbidden_account_ids", diags);
    let guard = match (allowed, forbidden) {
        (Some(_), Some(_)) => {
            diags.error_at(
                block.path("forbidden_account_ids"),
                "Conflicting account guards",
                "allowed_account_ids and forbidden_account_ids cannot both be set. Keep the one \
                 that states your intent: usually allowed_account_ids with the one account this \
                 configuration manages.",
            );
            return AccountGuard::Any;
        }
        (Some(ids), None) => AccountGuard::Allowed(ids),
        (None, Some(ids)) => AccountGuard::Forbidden(ids),
        (None, None) => AccountGuard::Any,
    };
    if let (Some(attribute), true) = (guard.attribute(), skip_requesting_account_id) {
        diags.error_at(
            block.path("skip_requesting_account_id"),
            "Account guard needs the account ID",
            format!(
                "{attribute} is checked against the account of the credentials, which the \
                 provider learns with STS GetCallerIdentity; skip_requesting_account_id = true \
                 forbids that call. Remove skip_requesting_account_id, or remove {attribute}."
            ),
        );
    }
    guard
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;
    use crate::tf::value::{AttributePath, Value};

    fn object(pairs: Vec<(&str, Value)>) -> Value {
        Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }

    fn text(s: &str) -> Value {
        Value::String(s.into())
    }

    fn strings(items: &[&str]) -> Value {
        Value::Set(items.iter().map(|s| text(s)).collect())
    }

    fn read_block(block: Value, skip_account: bool) -> (AuthSettings, Diagnostics) {
        let flag = Cell::new(false);
        let mut diags = Diagnostics::new();
        let settings = read(&ObjectReader::new(&block, &flag), skip_account, &mut diags);
        (settings, diags)
    }

    fn error_paths(diags: &Diagnostics) -> Vec<AttributePath> {
        diags.iter().filter_map(|d| d.path.clone()).collect()
    }

    #[test]
    fn roles_are_read_in_order_with_their_arguments() {
        let block = object(vec![(
            "assume_role",
            Value::List(vec![
                object(vec![
                    ("role_arn", text("arn:aws:iam::111111111111:role/hub")),
                    ("duration", text("1h")),
                    ("external_id", text("ext")),
                    (
                        "tags",
                        Value::Map([("team".to_owned(), text("ops"))].into()),
                    ),
                    ("transitive_tag_keys", strings(&["team"])),
                    (
                        "policy_arns",
                        strings(&["arn:aws:iam::aws:policy/ReadOnlyAccess"]),
                    ),
                    ("source_identity", text("me")),
                ]),
                object(vec![(
                    "role_arn",
                    text("arn:aws:iam::222222222222:role/spoke"),
                )]),
            ]),
        )]);
        let (settings, diags) = read_block(block, false);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(settings.assume_role.len(), 2);
        let hub = &settings.assume_role[0];
        assert_eq!(hub.role_arn, "arn:aws:iam::111111111111:role/hub");
        assert_eq!(hub.duration_seconds, Some(3600));
        assert_eq!(hub.external_id.as_deref(), Some("ext"));
        assert_eq!(hub.tags.get("team").map(String::as_str), Some("ops"));
        assert_eq!(hub.transitive_tag_keys, ["team"]);
        assert_eq!(hub.source_identity.as_deref(), Some("me"));
        assert_eq!(
            settings.assume_role[1].role_arn,
            "arn:aws:iam::222222222222:role/spoke"
        );
    }

    #[test]
    fn bad_role_arguments_are_errors_on_their_paths() {
        let block = object(vec![(
            "assume_role",
            Value::List(vec![
                object(vec![(
                    "role_arn",
                    text("arn:aws:iam::111111111111:role/ok"),
                )]),
                object(vec![("role_arn", text("deploy")), ("duration", text("5m"))]),
            ]),
        )]);
        let (_, diags) = read_block(block, false);
        let second = AttributePath::root("assume_role").index(1);
        assert_eq!(
            error_paths(&diags),
            vec![
                second.clone().attribute("role_arn"),
                second.attribute("duration")
            ]
        );
    }

    #[test]
    fn web_identity_needs_exactly_one_token_source() {
        let web = |pairs| object(vec![("assume_role_with_web_identity", object(pairs))]);
        let arn = ("role_arn", text("arn:aws:iam::111111111111:role/ci"));
        let (settings, diags) = read_block(
            web(vec![arn.clone(), ("web_identity_token_file", text("/t"))]),
            false,
        );
        assert!(diags.is_empty());
        assert_eq!(
            settings.web_identity.unwrap().token_file.as_deref(),
            Some("/t")
        );
        let (_, diags) = read_block(web(vec![arn.clone()]), false);
        assert_eq!(
            diags.iter().next().unwrap().summary,
            "Missing web identity token"
        );
        let (_, diags) = read_block(
            web(vec![
                arn,
                ("web_identity_token", text("x")),
                ("web_identity_token_file", text("/t")),
            ]),
            false,
        );
        assert_eq!(
            diags.iter().next().unwrap().summary,
            "Conflicting web identity tokens"
        );
        // An absent block is no web identity at all.
        let (settings, diags) = read_block(object(vec![]), false);
        assert!(diags.is_empty() && settings.web_identity.is_none());
    }

    #[test]
    fn account_guards_conflict_with_each_other_and_with_skipping_the_account() {
        let allowed = ("allowed_account_ids", strings(&["111111111111"]));
        let (settings, diags) = read_block(object(vec![allowed.clone()]), false);
        assert!(diags.is_empty());
        assert_eq!(
            settings.guard,
            AccountGuard::Allowed(["111111111111".to_owned()].into())
        );
        let (_, diags) = read_block(
            object(vec![
                allowed.clone(),
                ("forbidden_account_ids", strings(&["222222222222"])),
            ]),
            false,
        );
        assert_eq!(
            error_paths(&diags),
            vec![AttributePath::root("forbidden_account_ids")]
        );
        let (_, diags) = read_block(object(vec![allowed]), true);
        let error = diags.iter().next().unwrap();
        assert_eq!(
            error.path,
            Some(AttributePath::root("skip_requesting_account_id"))
        );
        assert!(
            error.detail.contains("GetCallerIdentity"),
            "{}",
            error.detail
        );
        let (_, diags) = read_block(
            object(vec![("allowed_account_ids", strings(&["12345"]))]),
            false,
        );
        assert_eq!(
            diags.iter().next().unwrap().summary,
            "Invalid AWS account ID"
        );
    }
}
