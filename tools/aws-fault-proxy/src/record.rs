//! The record of proxied operations: kept in memory and appended to a JSON-lines file.
//!
//! Only the operation and the secret's name or id are taken from a request; no other part of a
//! body and no header (Authorization above all) is ever recorded.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// The fault injected into a request, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Injected {
    /// Answered 400 `ThrottlingException` (over quota), not forwarded.
    #[serde(rename = "throttle")]
    Throttle,
    /// Answered 500 `InternalFailure`, before or after forwarding (see `upstream_status`).
    #[serde(rename = "5xx")]
    Error5xx,
    /// Connection reset, before or after forwarding (see `upstream_status`).
    #[serde(rename = "reset")]
    Reset,
    /// Answered 400 `AccessDeniedException`, not forwarded.
    #[serde(rename = "deny")]
    Deny,
    /// Forwarded after an added delay; nothing else injected.
    #[serde(rename = "delay")]
    Delay,
    /// Held unanswered (recorded when it arrives), not forwarded.
    #[serde(rename = "black_hole")]
    BlackHole,
    /// Strict-AWS mode answered as AWS would: refused without forwarding (`upstream_status`
    /// null), or a ListSecrets answer from which secrets too new to be listed were left out.
    #[serde(rename = "strict")]
    Strict,
}

/// One proxied request, as recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operation {
    /// When the request arrived, in milliseconds since the Unix epoch.
    pub ts_ms: u64,
    /// `CreateSecret`: the part of `X-Amz-Target` after the last dot, or a query-protocol
    /// `Action`; null for a request that names no AWS operation.
    pub operation: Option<String>,
    /// The `X-Amz-Target` header as sent (`secretsmanager.CreateSecret`).
    pub target: Option<String>,
    /// The body's `Name`, else its `SecretId`, when it is a JSON string.
    pub secret: Option<String>,
    /// The status the client received; null when the connection was reset.
    pub status: Option<u16>,
    /// The fault injected, if any.
    pub injected: Option<Injected>,
    /// The status the upstream answered; null when the request was not forwarded (or the
    /// upstream could not be reached). With `injected` 5xx or reset it tells whether the
    /// side effect happened.
    pub upstream_status: Option<u16>,
    /// The JSON body's `ForceDeleteWithoutRecovery` was `true`. Written to the record only
    /// when true, so ordinary lines keep their shape.
    #[serde(default, skip_serializing_if = "is_false")]
    pub force_delete: bool,
    /// The JSON body carried a `SecretString` or `SecretBinary`. Written only when true.
    #[serde(default, skip_serializing_if = "is_false")]
    pub carries_value: bool,
    /// Credentials a query-protocol answer (STS AssumeRole and friends) handed out: access
    /// key ids, secret keys and session tokens, so a test can search logs, plans and states
    /// for them. Written only when present.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub issued_credentials: Vec<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

pub(crate) struct Recorder {
    ops: Mutex<Vec<Operation>>,
    file: Option<Mutex<File>>,
}

impl Recorder {
    pub fn new(path: Option<&Path>) -> std::io::Result<Self> {
        let file = match path {
            Some(p) => Some(Mutex::new(
                OpenOptions::new().create(true).append(true).open(p)?,
            )),
            None => None,
        };
        Ok(Recorder {
            ops: Mutex::new(Vec::new()),
            file,
        })
    }

    pub fn push(&self, op: Operation) {
        if let Some(file) = &self.file {
            let mut line = serde_json::to_vec(&op).expect("an operation serialises");
            line.push(b'\n');
            let mut f = file.lock().unwrap_or_else(|e| e.into_inner());
            if let Err(e) = f.write_all(&line).and_then(|()| f.flush()) {
                eprintln!("aws-fault-proxy: cannot append to the record file: {e}");
            }
        }
        self.ops.lock().unwrap_or_else(|e| e.into_inner()).push(op);
    }

    pub fn all(&self) -> Vec<Operation> {
        self.ops.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn clear(&self) -> usize {
        let mut ops = self.ops.lock().unwrap_or_else(|e| e.into_inner());
        let n = ops.len();
        ops.clear();
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_to_the_documented_line() {
        let op = Operation {
            ts_ms: 1,
            operation: Some("CreateSecret".into()),
            target: Some("secretsmanager.CreateSecret".into()),
            secret: Some("a".into()),
            status: Some(200),
            injected: Some(Injected::Error5xx),
            upstream_status: None,
            force_delete: false,
            carries_value: false,
            issued_credentials: Vec::new(),
        };
        assert_eq!(
            serde_json::to_string(&op).unwrap(),
            r#"{"ts_ms":1,"operation":"CreateSecret","target":"secretsmanager.CreateSecret","secret":"a","status":200,"injected":"5xx","upstream_status":null}"#
        );
        let back: Operation = serde_json::from_str(&serde_json::to_string(&op).unwrap()).unwrap();
        assert_eq!(back, op);
        // A force delete says so; the flag reads back.
        let forced = Operation {
            operation: Some("DeleteSecret".into()),
            force_delete: true,
            ..op.clone()
        };
        let line = serde_json::to_string(&forced).unwrap();
        assert!(line.ends_with(r#","force_delete":true}"#), "{line}");
        let back: Operation = serde_json::from_str(&line).unwrap();
        assert_eq!(back, forced);
        for (i, s) in [
            (Injected::Throttle, "\"throttle\""),
            (Injected::Reset, "\"reset\""),
            (Injected::Deny, "\"deny\""),
            (Injected::Delay, "\"delay\""),
            (Injected::BlackHole, "\"black_hole\""),
        ] {
            assert_eq!(serde_json::to_string(&i).unwrap(), s);
        }
    }
}
