//! Strict-AWS mode: rules that AWS Secrets Manager's API reference documents and LocalStack
//! does not enforce. Where the reference can be read more or less strictly, the strictest
//! reading is taken, so that what works through the proxy works on AWS.
//!
//! Each rule names the page it comes from (under
//! <https://docs.aws.amazon.com/secretsmanager/latest/apireference/>). The rules are decided
//! here, without I/O; the server looks up what they need (the secret's tags and whether it is
//! scheduled for deletion) with a DescribeSecret of its own to the upstream.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Which of AWS's rules to enforce beyond what the upstream does. The JSON form (`--strict`,
/// `PUT /_proxy/strict`) is `{"list_lag_seconds": 300}`; every field is optional.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StrictAws {
    /// ListSecrets leaves out secrets created less than this many seconds ago. API_ListSecrets
    /// says the listing "might not reflect changes from the last five minutes", hence the
    /// default of 300; 0 turns the lag off.
    pub list_lag_seconds: u64,
}

impl Default for StrictAws {
    fn default() -> Self {
        StrictAws {
            list_lag_seconds: 300,
        }
    }
}

/// API_TagResource ("Maximum number of tags per secret: 50"; `aws:` tags "do not count against
/// your tags per secret limit").
pub const MAX_TAGS: usize = 50;
/// API_TagResource: "Maximum key length: 127 Unicode characters in UTF-8". (API_Tag's model
/// allows 128; the lower, documented figure is the strict one.)
pub const MAX_KEY_CHARS: usize = 127;
/// API_TagResource: "Maximum value length: 255 Unicode characters in UTF-8" (API_Tag: 256).
pub const MAX_VALUE_CHARS: usize = 255;
/// API_TagResource: "Do not use the aws: prefix in your tag names or values because AWS
/// reserves it"; API_UntagResource: such tags cannot be edited or deleted.
const RESERVED_PREFIX: &str = "aws:";

/// The operations AWS answers for a secret scheduled for deletion: DescribeSecret (which shows
/// `DeletedDate`, API_DescribeSecret), RestoreSecret (API_RestoreSecret), ListSecrets with
/// `IncludePlannedDeletion` (API_ListSecrets) and ListSecretVersionIds
/// (API_ListSecretVersionIds). Every other operation's page lists "The secret is scheduled for
/// deletion" among the causes of InvalidRequestException (e.g. API_TagResource,
/// API_UntagResource, API_GetResourcePolicy, API_DeleteSecret, API_PutResourcePolicy), and AWS
/// was recorded refusing TagResource and UntagResource on such a secret (LocalStack's
/// AWS-validated snapshot test, localstack/localstack pull request 13662).
pub const ALLOWED_WHILE_SCHEDULED: [&str; 4] = [
    "DescribeSecret",
    "RestoreSecret",
    "ListSecrets",
    "ListSecretVersionIds",
];

/// An answer AWS would give instead of the upstream's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub code: &'static str,
    pub message: String,
}

/// What the upstream's DescribeSecret says of the secret a request names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Described {
    pub scheduled: bool,
    pub tag_keys: Vec<String>,
}

/// What a request needs before it may be forwarded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Check {
    /// Nothing: forward it.
    Pass,
    /// Answer this instead.
    Refuse(Refusal),
    /// Describe this secret first, then ask [`after_describe`].
    Describe(String),
}

/// Looks at a Secrets Manager request alone: the tags it writes, and whether the secret it
/// names must be described first.
pub(crate) fn first_check(operation: &str, body: &Map<String, Value>) -> Check {
    match operation {
        "CreateSecret" => match tags_problem(body.get("Tags")) {
            Some(refusal) => Check::Refuse(refusal),
            // API_CreateSecret's Tags follow API_TagResource's restrictions.
            None => match count_problem(tag_keys(body.get("Tags")).iter()) {
                Some(refusal) => Check::Refuse(refusal),
                None => Check::Pass,
            },
        },
        "TagResource" => match tags_problem(body.get("Tags")) {
            Some(refusal) => Check::Refuse(refusal),
            None => describe_first(body),
        },
        "UntagResource" => {
            let reserved: Vec<&str> = body
                .get("TagKeys")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .filter(|k| is_reserved(k))
                .collect();
            if reserved.is_empty() {
                describe_first(body)
            } else {
                Check::Refuse(Refusal {
                    code: "InvalidParameterException",
                    message: format!(
                        "Tag keys {reserved:?} start with the reserved \"aws:\" prefix, which \
                         can be neither edited nor deleted (strict AWS, API_UntagResource)."
                    ),
                })
            }
        }
        op if ALLOWED_WHILE_SCHEDULED.contains(&op) => Check::Pass,
        _ => describe_first(body),
    }
}

fn describe_first(body: &Map<String, Value>) -> Check {
    match body.get("SecretId").and_then(Value::as_str) {
        Some(id) => Check::Describe(id.to_string()),
        None => Check::Pass,
    }
}

/// The rules that need the secret's current state.
pub(crate) fn after_describe(
    operation: &str,
    body: &Map<String, Value>,
    described: &Described,
) -> Option<Refusal> {
    if described.scheduled && !ALLOWED_WHILE_SCHEDULED.contains(&operation) {
        // AWS's own wording (as its SDKs report it), which clients recognise.
        return Some(Refusal {
            code: "InvalidRequestException",
            message: format!(
                "You can't perform this operation on the secret because it was marked for \
                 deletion. (strict AWS: {operation} on a secret scheduled for deletion)"
            ),
        });
    }
    if operation == "TagResource" {
        let mut keys = described.tag_keys.clone();
        for key in tag_keys(body.get("Tags")) {
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        return count_problem(keys.iter());
    }
    None
}

fn is_reserved(text: &str) -> bool {
    text.get(..RESERVED_PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(RESERVED_PREFIX))
}

/// API_TagResource: "Generally allowed characters: letters, spaces, and numbers representable
/// in UTF-8, plus the following special characters: + - = . _ : / @." Spaces are Unicode's
/// separators (white space that is not a control character).
pub fn allowed_tag_char(c: char) -> bool {
    c.is_alphanumeric()
        || (c.is_whitespace() && !c.is_control())
        || matches!(c, '+' | '-' | '=' | '.' | '_' | ':' | '/' | '@')
}

fn tag_keys(tags: Option<&Value>) -> Vec<String> {
    tags.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| t.get("Key").and_then(Value::as_str))
        .map(str::to_string)
        .collect()
}

/// The first tag of a request that breaks a rule of API_TagResource, as AWS would refuse it.
fn tags_problem(tags: Option<&Value>) -> Option<Refusal> {
    let invalid = |message: String| Refusal {
        code: "InvalidParameterException",
        message: format!("{message} (strict AWS, API_TagResource)"),
    };
    for tag in tags.and_then(Value::as_array).into_iter().flatten() {
        let key = tag.get("Key").and_then(Value::as_str).unwrap_or_default();
        let value = tag.get("Value").and_then(Value::as_str).unwrap_or_default();
        let key_chars = key.chars().count();
        if key_chars == 0 || key_chars > MAX_KEY_CHARS {
            return Some(invalid(format!(
                "Tag key {key:?} has {key_chars} characters; a key has 1 to {MAX_KEY_CHARS}."
            )));
        }
        let value_chars = value.chars().count();
        if value_chars > MAX_VALUE_CHARS {
            return Some(invalid(format!(
                "The value of tag {key:?} has {value_chars} characters; at most \
                 {MAX_VALUE_CHARS} are allowed."
            )));
        }
        if is_reserved(key) || is_reserved(value) {
            return Some(invalid(format!(
                "Tag {key:?} uses the \"aws:\" prefix, which AWS reserves for its own tags."
            )));
        }
        if let Some(c) = key
            .chars()
            .chain(value.chars())
            .find(|c| !allowed_tag_char(*c))
        {
            return Some(invalid(format!(
                "Tag {key:?} holds the character {c:?}; tags may hold letters, numbers, spaces \
                 and + - = . _ : / @."
            )));
        }
    }
    None
}

/// More than [`MAX_TAGS`] tags, not counting `aws:` ones.
fn count_problem<'a>(keys: impl Iterator<Item = &'a String>) -> Option<Refusal> {
    let counted = keys.filter(|k| !is_reserved(k)).count();
    (counted > MAX_TAGS).then(|| Refusal {
        code: "InvalidParameterException",
        message: format!(
            "The secret would carry {counted} tags; AWS allows {MAX_TAGS} per secret, tags \
             starting with \"aws:\" not counted (strict AWS, API_TagResource)."
        ),
    })
}

/// What a DescribeSecret answer body says, or `None` if it is not one.
pub(crate) fn described(body: &[u8]) -> Option<Described> {
    let Value::Object(obj) = serde_json::from_slice(body).ok()? else {
        return None;
    };
    obj.get("ARN")?;
    Some(Described {
        scheduled: obj.get("DeletedDate").is_some_and(|d| !d.is_null()),
        tag_keys: tag_keys(obj.get("Tags")),
    })
}

/// API_ListSecrets: "ListSecrets is eventually consistent, however it might not reflect
/// changes from the last five minutes." A ListSecrets answer without the secrets created after
/// `now - lag` (seconds since the epoch); `None` when it leaves nothing out or is not one.
pub(crate) fn hide_recent(body: &[u8], now: f64, lag: u64) -> Option<Vec<u8>> {
    if lag == 0 {
        return None;
    }
    let Value::Object(mut obj) = serde_json::from_slice(body).ok()? else {
        return None;
    };
    let list = obj.get_mut("SecretList")?.as_array_mut()?;
    let before = list.len();
    let cutoff = now - lag as f64;
    list.retain(|entry| {
        entry
            .get("CreatedDate")
            .and_then(Value::as_f64)
            .is_none_or(|created| created <= cutoff)
    });
    if list.len() == before {
        return None;
    }
    serde_json::to_vec(&Value::Object(obj)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    fn tags(n: usize) -> Value {
        Value::Array(
            (0..n)
                .map(|i| json!({"Key": format!("k{i}"), "Value": "v"}))
                .collect(),
        )
    }

    fn refused(check: Check) -> Refusal {
        match check {
            Check::Refuse(r) => r,
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn create_counts_tags_without_aws_ones() {
        let fifty = body(json!({"Name": "a", "Tags": tags(50)}));
        assert_eq!(first_check("CreateSecret", &fifty), Check::Pass);
        let r = refused(first_check(
            "CreateSecret",
            &body(json!({"Name": "a", "Tags": tags(51)})),
        ));
        assert!(r.message.contains("51 tags"), "{r:?}");
        // An aws: tag is refused for its prefix, not counted.
        let mut with_aws = tags(50);
        with_aws
            .as_array_mut()
            .unwrap()
            .push(json!({"Key": "aws:x", "Value": "v"}));
        let r = refused(first_check(
            "CreateSecret",
            &body(json!({"Name": "a", "Tags": with_aws})),
        ));
        assert!(r.message.contains("\"aws:\" prefix"), "{r:?}");
    }

    #[test]
    fn tag_lengths_characters_and_prefix() {
        let check = |key: &str, value: &str| {
            first_check(
                "TagResource",
                &body(json!({"SecretId": "s", "Tags": [{"Key": key, "Value": value}]})),
            )
        };
        let ok = Check::Describe("s".into());
        assert_eq!(check(&"k".repeat(127), &"v".repeat(255)), ok);
        assert_eq!(check("é ü 中 +-=._:/@ 7", ""), ok);
        assert_eq!(check("team\u{a0}a", "x"), ok, "a no-break space is a space");
        for (key, value, says) in [
            ("", "v", "0 characters"),
            (&*"k".repeat(128), "v", "128 characters"),
            ("k", &*"v".repeat(256), "256 characters"),
            ("AWS:owner", "v", "\"aws:\" prefix"),
            ("k", "aws:x", "\"aws:\" prefix"),
            ("a#b", "v", "'#'"),
            ("k", "tab\there", "'\\t'"),
            ("k", "new\nline", "'\\n'"),
        ] {
            let r = refused(check(key, value));
            assert_eq!(r.code, "InvalidParameterException");
            assert!(r.message.contains(says), "{key:?}={value:?}: {r:?}");
        }
    }

    #[test]
    fn untag_of_aws_keys_is_refused() {
        let r = refused(first_check(
            "UntagResource",
            &body(json!({"SecretId": "s", "TagKeys": ["team", "aws:cloudformation:stack-id"]})),
        ));
        assert!(r.message.contains("aws:cloudformation"), "{r:?}");
        assert_eq!(
            first_check(
                "UntagResource",
                &body(json!({"SecretId": "s", "TagKeys": ["team"]}))
            ),
            Check::Describe("s".into())
        );
    }

    #[test]
    fn only_four_operations_reach_a_scheduled_secret() {
        let scheduled = Described {
            scheduled: true,
            tag_keys: vec![],
        };
        let live = Described::default();
        let req = body(json!({"SecretId": "s"}));
        for op in ALLOWED_WHILE_SCHEDULED {
            assert_eq!(first_check(op, &req), Check::Pass, "{op}");
        }
        for op in [
            "TagResource",
            "UntagResource",
            "GetResourcePolicy",
            "PutResourcePolicy",
            "DeleteSecret",
            "GetSecretValue",
            "UpdateSecret",
        ] {
            let req = body(json!({"SecretId": "s", "Tags": [], "TagKeys": []}));
            assert_eq!(first_check(op, &req), Check::Describe("s".into()), "{op}");
            let r = after_describe(op, &req, &scheduled).expect(op);
            assert_eq!(r.code, "InvalidRequestException");
            assert!(r.message.contains("marked for deletion"), "{r:?}");
            assert!(r.message.contains(op), "{r:?}");
            assert_eq!(after_describe(op, &req, &live), None, "{op}");
        }
        // Nothing named: nothing to look up.
        assert_eq!(first_check("GetRandomPassword", &Map::new()), Check::Pass);
    }

    #[test]
    fn tag_resource_counts_what_the_secret_would_carry() {
        let have = |n: usize| Described {
            scheduled: false,
            tag_keys: (0..n)
                .map(|i| format!("k{i}"))
                .chain(["aws:x".into()])
                .collect(),
        };
        let adding = |keys: &[&str]| {
            body(
                json!({"SecretId": "s", "Tags": keys.iter().map(|k| json!({"Key": k, "Value": "v"})).collect::<Vec<_>>()}),
            )
        };
        // Overwriting existing keys adds nothing.
        assert_eq!(
            after_describe("TagResource", &adding(&["k0", "k49"]), &have(50)),
            None
        );
        assert_eq!(
            after_describe("TagResource", &adding(&["new"]), &have(49)),
            None
        );
        let r = after_describe("TagResource", &adding(&["new"]), &have(50)).unwrap();
        assert!(r.message.contains("51 tags"), "{r:?}");
    }

    #[test]
    fn describe_answers_are_read() {
        let d = described(
            br#"{"ARN":"arn:x","Name":"a","DeletedDate":1.7e9,"Tags":[{"Key":"a","Value":"1"}]}"#,
        )
        .unwrap();
        assert!(d.scheduled);
        assert_eq!(d.tag_keys, ["a"]);
        let live = described(br#"{"ARN":"arn:x","Name":"a"}"#).unwrap();
        assert_eq!(live, Described::default());
        assert_eq!(
            described(br#"{"__type":"ResourceNotFoundException"}"#),
            None
        );
        assert_eq!(described(b"junk"), None);
    }

    #[test]
    fn listing_hides_secrets_younger_than_the_lag() {
        let answer = json!({"SecretList": [
            {"Name": "old", "CreatedDate": 1000.0},
            {"Name": "new", "CreatedDate": 1250.5},
            {"Name": "undated"}
        ], "NextToken": "t"})
        .to_string();
        let out = hide_recent(answer.as_bytes(), 1300.0, 60).unwrap();
        let out: Value = serde_json::from_slice(&out).unwrap();
        let names: Vec<&str> = out["SecretList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["Name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["old", "undated"]);
        assert_eq!(out["NextToken"], "t");
        assert_eq!(hide_recent(answer.as_bytes(), 1300.0, 0), None);
        assert_eq!(hide_recent(answer.as_bytes(), 2000.0, 60), None);
        assert_eq!(hide_recent(b"{}", 2000.0, 60), None);
    }

    #[test]
    fn parses_its_json_form() {
        let s: StrictAws = serde_json::from_str("{}").unwrap();
        assert_eq!(s, StrictAws::default());
        assert_eq!(s.list_lag_seconds, 300);
        let s: StrictAws = serde_json::from_str(r#"{"list_lag_seconds": 0}"#).unwrap();
        assert_eq!(s.list_lag_seconds, 0);
        assert!(serde_json::from_str::<StrictAws>(r#"{"lag": 1}"#).is_err());
    }
}
