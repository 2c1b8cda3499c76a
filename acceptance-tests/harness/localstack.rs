//! LocalStack: where it is, whether it answers, and a read-only view of its
//! Secrets Manager for asserting server truth.
//!
//! The harness starts nothing: `scripts/test` (or `scripts/localstack start`)
//! does. A LocalStack that does not answer fails the test, with the command
//! that starts it.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::sdk::{tag_map, Sdk};

/// `PLANTON_LOCALSTACK_ENDPOINT`, default `http://127.0.0.1:4566`, without a
/// trailing slash.
pub fn localstack_endpoint() -> String {
    std::env::var("PLANTON_LOCALSTACK_ENDPOINT")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "http://127.0.0.1:4566".to_string())
        .trim_end_matches('/')
        .to_string()
}

/// A LocalStack that answered its health check with Secrets Manager up.
#[derive(Debug, Clone)]
pub struct LocalStack {
    /// Its URL, such as `http://127.0.0.1:4566`.
    pub endpoint: String,
}

impl LocalStack {
    /// A read-only Secrets Manager client against this LocalStack.
    pub fn probe(&self) -> SecretsProbe {
        SecretsProbe::new(&self.endpoint)
    }
}

/// GETs `<endpoint>/_localstack/health` over plain HTTP/1.0 and returns the
/// body, or why it could not.
fn health(endpoint: &str) -> Result<serde_json::Value, String> {
    let url = url::Url::parse(endpoint).map_err(|e| format!("not a URL ({e})"))?;
    if url.scheme() != "http" {
        return Err("the harness only checks plain-http endpoints".into());
    }
    let host = url.host_str().ok_or("no host in the URL")?.to_string();
    let port = url.port_or_known_default().unwrap_or(80);
    let addr = (host.as_str(), port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .next()
        .ok_or_else(|| format!("{host} resolves to nothing"))?;
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(3))
        .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    write!(
        stream,
        "GET /_localstack/health HTTP/1.0\r\nHost: {host}:{port}\r\nAccept: application/json\r\n\r\n"
    )
    .map_err(|e| format!("sending the request: {e}"))?;
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .map_err(|e| format!("reading the response: {e}"))?;
    let response = String::from_utf8_lossy(&response);
    let (head, body) = response
        .split_once("\r\n\r\n")
        .ok_or("malformed HTTP response")?;
    let status = head.lines().next().unwrap_or_default();
    if !status.contains(" 200") {
        return Err(format!("answered `{status}`"));
    }
    serde_json::from_str(body).map_err(|e| format!("health body is not JSON ({e}): {body}"))
}

fn check(endpoint: &str) -> Result<(), String> {
    let body = health(endpoint)?;
    let state = body
        .pointer("/services/secretsmanager")
        .and_then(|v| v.as_str())
        .unwrap_or("missing");
    if state != "available" && state != "running" {
        return Err(format!(
            "secretsmanager is `{state}` in its health report: {body}"
        ));
    }
    Ok(())
}

/// Checks (once per test process) that LocalStack answers at
/// [`localstack_endpoint`] with Secrets Manager available. Panics with a
/// clear message if not: acceptance tests never skip.
pub fn require_localstack() -> LocalStack {
    static CHECKED: OnceLock<Result<String, String>> = OnceLock::new();
    let result = CHECKED.get_or_init(|| {
        let endpoint = localstack_endpoint();
        check(&endpoint).map(|()| endpoint.clone()).map_err(|why| {
            format!(
                "LocalStack is required at {endpoint} (PLANTON_LOCALSTACK_ENDPOINT) and is not usable: {why}.\n\
                 Start it with `scripts/localstack start && scripts/localstack wait` \
                 (or run everything with `scripts/test`, which starts it)."
            )
        })
    });
    match result {
        Ok(endpoint) => LocalStack {
            endpoint: endpoint.clone(),
        },
        Err(msg) => panic!("{msg}"),
    }
}

/// A fresh twelve-digit access key id. LocalStack files everything made
/// with it under the account of that number, so examples whose secret
/// names are fixed can run in parallel (and next to `scripts/demo`)
/// without meeting each other's secrets.
pub fn isolated_access_key() -> String {
    let n = u64::from_str_radix(&super::names::random_suffix(), 16).unwrap_or(0) * 1_000
        + u64::from(std::process::id() % 1_000);
    // Never 000000000000, LocalStack's default account.
    format!("9{:011}", n % 100_000_000_000)
}

/// What the server says about one secret. Never holds a value: the probe
/// only calls DescribeSecret and ListSecrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretInfo {
    pub name: String,
    pub arn: String,
    /// Scheduled for deletion (DescribeSecret shows a DeletedDate).
    pub scheduled_for_deletion: bool,
    pub tags: BTreeMap<String, String>,
    /// The KMS key, when one other than the AWS-managed key is set.
    pub kms_key_id: Option<String>,
    /// DescribeSecret's DeletedDate, while the secret is scheduled for
    /// deletion: LocalStack (like AWS's DeleteSecret answer) gives the day
    /// the deletion happens, the request time plus the recovery window.
    pub deleted_date: Option<SystemTime>,
}

impl SecretInfo {
    /// Days (fractional) from `since` to the deletion date, if the secret
    /// is scheduled for deletion.
    pub fn deletion_days_after(&self, since: SystemTime) -> Option<f64> {
        let date = self.deleted_date?;
        let secs = match date.duration_since(since) {
            Ok(d) => d.as_secs_f64(),
            Err(e) => -e.duration().as_secs_f64(),
        };
        Some(secs / 86_400.0)
    }
}

/// A read-only Secrets Manager client for assertions: DescribeSecret and
/// ListSecrets only, never GetSecretValue.
pub struct SecretsProbe {
    sdk: Sdk,
}

impl SecretsProbe {
    pub fn new(endpoint: &str) -> SecretsProbe {
        SecretsProbe::with_access_key(endpoint, "test")
    }

    /// A probe using `access_key` as its access key id. LocalStack takes a
    /// twelve-digit access key id as the account id, so a test can have an
    /// account of its own (see [`isolated_access_key`]).
    pub fn with_access_key(endpoint: &str, access_key: &str) -> SecretsProbe {
        SecretsProbe {
            sdk: Sdk::new(endpoint, access_key, "planton-acceptance"),
        }
    }

    /// DescribeSecret: `None` when the secret does not exist at all.
    pub fn describe(&self, name: &str) -> Option<SecretInfo> {
        let result = self
            .sdk
            .block_on(self.sdk.client.describe_secret().secret_id(name).send());
        match result {
            Ok(out) => Some(SecretInfo {
                name: out.name().unwrap_or_default().to_string(),
                arn: out.arn().unwrap_or_default().to_string(),
                scheduled_for_deletion: out.deleted_date().is_some(),
                tags: tag_map(out.tags()),
                kms_key_id: out.kms_key_id().map(str::to_string),
                deleted_date: out
                    .deleted_date()
                    .map(|d| UNIX_EPOCH + Duration::from_secs_f64(d.as_secs_f64().max(0.0))),
            }),
            Err(err) => {
                let service_err = err.into_service_error();
                if service_err.is_resource_not_found_exception() {
                    None
                } else {
                    panic!("DescribeSecret {name} failed: {service_err:?}")
                }
            }
        }
    }

    /// Names of the secrets whose name starts with `prefix`, including those
    /// scheduled for deletion, sorted. ListSecrets can lag writes on AWS;
    /// LocalStack's does not, but prefer [`describe`](Self::describe) right
    /// after a write.
    pub fn list_names_with_prefix(&self, prefix: &str) -> Vec<String> {
        let mut names: Vec<String> = self
            .sdk
            .list_prefix(prefix)
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .filter_map(|entry| entry.name)
            .collect();
        names.sort();
        names
    }
}
