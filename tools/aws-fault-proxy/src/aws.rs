//! What a request asks of AWS: the operation and the secret it names. Nothing else is read
//! from a body.

use hyper::header::{HeaderMap, CONTENT_TYPE};

/// The parts of a request that are recorded and matched against faults.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Call {
    /// `secretsmanager` from `X-Amz-Target: secretsmanager.CreateSecret`.
    pub service: Option<String>,
    pub target: Option<String>,
    pub operation: Option<String>,
    pub secret: Option<String>,
    /// The body's `ForceDeleteWithoutRecovery` is `true` (a DeleteSecret
    /// that skips the recovery window).
    pub force_delete: bool,
    /// The body has a `SecretString` or `SecretBinary` member (a value),
    /// whatever the operation: UpdateSecret carries one or not.
    pub carries_value: bool,
}

pub(crate) fn classify(headers: &HeaderMap, query: Option<&str>, body: &[u8]) -> Call {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut call = Call::default();
    if let Some(t) = &target {
        match t.rsplit_once('.') {
            Some((service, op)) => {
                call.service = Some(service_prefix(service));
                call.operation = Some(op.to_string());
            }
            None => call.operation = Some(t.clone()),
        }
        let json = json_object(body);
        call.secret = json.as_ref().and_then(secret_from_json);
        call.force_delete = json.as_ref().is_some_and(force_delete_from_json);
        call.carries_value = json.as_ref().is_some_and(|obj| {
            obj.contains_key("SecretString") || obj.contains_key("SecretBinary")
        });
    } else if let Some(action) = query.and_then(form_action).or_else(|| {
        form_body(headers)
            .then(|| std::str::from_utf8(body).ok().and_then(form_action))
            .flatten()
    }) {
        // AWS query protocol (STS and friends): only the Action is taken.
        call.operation = Some(action);
    }
    call.target = target;
    call
}

/// `secretsmanager` for `secretsmanager`; `dynamodb` for `DynamoDB_20120810`, the
/// versioned prefixes some services use.
fn service_prefix(service: &str) -> String {
    let base = match service.split_once('_') {
        Some((b, v)) if !v.is_empty() && v.bytes().all(|c| c.is_ascii_digit()) => b,
        _ => service,
    };
    base.to_ascii_lowercase()
}

fn json_object(body: &[u8]) -> Option<serde_json::Map<String, serde_json::Value>> {
    match serde_json::from_slice(body).ok()? {
        serde_json::Value::Object(obj) => Some(obj),
        _ => None,
    }
}

fn secret_from_json(obj: &serde_json::Map<String, serde_json::Value>) -> Option<String> {
    ["Name", "SecretId"]
        .iter()
        .find_map(|k| obj.get(*k).and_then(|v| v.as_str()).map(str::to_string))
}

/// Only a JSON `true` counts: that is what the SDKs send for the flag.
fn force_delete_from_json(obj: &serde_json::Map<String, serde_json::Value>) -> bool {
    obj.get("ForceDeleteWithoutRecovery") == Some(&serde_json::Value::Bool(true))
}

fn form_body(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

fn form_action(form: &str) -> Option<String> {
    form.split('&').find_map(|pair| {
        let value = pair.strip_prefix("Action=")?;
        (!value.is_empty() && value.bytes().all(|b| b.is_ascii_alphanumeric()))
            .then(|| value.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn json_protocol() {
        let h = headers(&[("x-amz-target", "secretsmanager.CreateSecret")]);
        let c = classify(&h, None, br#"{"Name":"app/db","SecretString":"hunter2"}"#);
        assert_eq!(c.service.as_deref(), Some("secretsmanager"));
        assert_eq!(c.target.as_deref(), Some("secretsmanager.CreateSecret"));
        assert_eq!(c.operation.as_deref(), Some("CreateSecret"));
        assert_eq!(c.secret.as_deref(), Some("app/db"));
        let c = classify(&h, None, br#"{"SecretId":"arn:x"}"#);
        assert_eq!(c.secret.as_deref(), Some("arn:x"));
        // Not JSON, or no name: no secret, still an operation.
        let c = classify(&h, None, b"garbage");
        assert_eq!(
            (c.operation.as_deref(), c.secret),
            (Some("CreateSecret"), None)
        );
        let c = classify(&h, None, br#"{"Name": 5}"#);
        assert_eq!(c.secret, None);
        let h = headers(&[("x-amz-target", "DynamoDB_20120810.PutItem")]);
        assert_eq!(
            classify(&h, None, b"{}").service.as_deref(),
            Some("dynamodb")
        );
    }

    #[test]
    fn a_value_in_the_body_is_noticed() {
        let h = headers(&[("x-amz-target", "secretsmanager.UpdateSecret")]);
        let key_only = br#"{"SecretId":"a","KmsKeyId":"alias/k"}"#;
        assert!(!classify(&h, None, key_only).carries_value);
        for body in [
            br#"{"SecretId":"a","SecretString":"v"}"#.as_slice(),
            br#"{"SecretId":"a","SecretBinary":"dg=="}"#.as_slice(),
        ] {
            assert!(classify(&h, None, body).carries_value);
        }
    }

    #[test]
    fn force_delete_flag() {
        let h = headers(&[("x-amz-target", "secretsmanager.DeleteSecret")]);
        let c = classify(
            &h,
            None,
            br#"{"SecretId":"app/db","ForceDeleteWithoutRecovery":true}"#,
        );
        assert!(c.force_delete);
        assert_eq!(c.secret.as_deref(), Some("app/db"));
        for body in [
            &br#"{"SecretId":"app/db","RecoveryWindowInDays":7}"#[..],
            br#"{"SecretId":"app/db","ForceDeleteWithoutRecovery":false}"#,
            br#"{"SecretId":"app/db","ForceDeleteWithoutRecovery":"true"}"#,
            b"garbage",
        ] {
            assert!(!classify(&h, None, body).force_delete, "{body:?}");
        }
        // Query protocol bodies never set it.
        let h = headers(&[("content-type", "application/x-www-form-urlencoded")]);
        assert!(
            !classify(
                &h,
                None,
                b"Action=DeleteSecret&ForceDeleteWithoutRecovery=true"
            )
            .force_delete
        );
    }

    #[test]
    fn query_protocol_takes_only_the_action() {
        let h = headers(&[(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )]);
        let c = classify(&h, None, b"Action=GetCallerIdentity&Version=2011-06-15");
        assert_eq!(c.operation.as_deref(), Some("GetCallerIdentity"));
        assert_eq!((c.target, c.secret), (None, None));
        let c = classify(&HeaderMap::new(), Some("Version=1&Action=AssumeRole"), b"");
        assert_eq!(c.operation.as_deref(), Some("AssumeRole"));
        assert_eq!(
            classify(&HeaderMap::new(), None, b"Action=X"),
            Call::default()
        );
        assert_eq!(
            classify(&HeaderMap::new(), Some("a=b"), b""),
            Call::default()
        );
    }
}
