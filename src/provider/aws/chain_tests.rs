//! The credential chain end to end against a scripted STS: which
//! credentials sign each call, renewal before expiry, refusals and guards.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

use aws_credential_types::provider::SharedCredentialsProvider;

use super::connection::AwsConnection;
use crate::provider::auth::chain::credentials_chain;
use crate::provider::auth::{profile, AccountGuard, AssumeRole, AuthSettings, WebIdentity};
use crate::provider::settings::AwsSettings;

const STATIC_KEY: &str = "AKIASTATICEXAMPLE";
const STATIC_SECRET: &str = "static/secret/EXAMPLEKEY";
const ACCOUNT: &str = "123456789012";

/// One request the fake saw: the action (or Secrets Manager target) and
/// the access key that signed it.
#[derive(Clone, Debug, PartialEq)]
struct Seen {
    action: String,
    signed_by: String,
}

/// A scripted STS (and Secrets Manager) answering from one port. The n-th
/// role session (from 1) gets access key `ASIAFAKE{n}`; sessions listed in
/// `short` expire one second after issue, the rest after an hour.
struct FakeSts {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    /// The signature scope of each request (`KEY/DATE/REGION/SERVICE/...`).
    scopes: Arc<Mutex<Vec<String>>>,
    /// The form body of each AssumeRole* request.
    role_requests: Arc<Mutex<Vec<String>>>,
}

fn iso8601(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    time::OffsetDateTime::from_unix_timestamp(secs)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

fn answer(action: &str, session: usize, short: &[usize], deny: bool) -> (&'static str, String) {
    let credentials = |n: usize| {
        let lifetime = if short.contains(&n) { 1 } else { 3600 };
        format!(
            "<Credentials><AccessKeyId>ASIAFAKE{n}</AccessKeyId><SecretAccessKey>issued-secret-{n}</SecretAccessKey><SessionToken>issued-token-{n}</SessionToken><Expiration>{}</Expiration></Credentials>",
            iso8601(SystemTime::now() + Duration::from_secs(lifetime))
        )
    };
    let xmlns = "xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"";
    match action {
        "AssumeRole" | "AssumeRoleWithWebIdentity" if deny => (
            "403 Forbidden",
            format!("<ErrorResponse {xmlns}><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized to perform sts:AssumeRole</Message></Error><RequestId>r</RequestId></ErrorResponse>"),
        ),
        "AssumeRole" | "AssumeRoleWithWebIdentity" => (
            "200 OK",
            format!("<{action}Response {xmlns}><{action}Result>{}<AssumedRoleUser><AssumedRoleId>AROA:s</AssumedRoleId><Arn>arn:aws:sts::{ACCOUNT}:assumed-role/r/s</Arn></AssumedRoleUser></{action}Result><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></{action}Response>", credentials(session)),
        ),
        "GetCallerIdentity" => (
            "200 OK",
            format!("<GetCallerIdentityResponse {xmlns}><GetCallerIdentityResult><Arn>arn:aws:iam::{ACCOUNT}:user/tester</Arn><UserId>AIDA</UserId><Account>{ACCOUNT}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>"),
        ),
        _ => ("200 OK", "{\"SecretList\":[]}".to_owned()),
    }
}

impl FakeSts {
    async fn start(short: &'static [usize], deny: bool) -> FakeSts {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        let scopes = Arc::new(Mutex::new(Vec::new()));
        let record_scope = scopes.clone();
        let role_requests = Arc::new(Mutex::new(Vec::new()));
        let record_role_request = role_requests.clone();
        tokio::spawn(async move {
            let mut sessions = 0;
            while let Ok((mut stream, _)) = listener.accept().await {
                let request = crate::provider::test_endpoints::read_request(&mut stream).await;
                let text = String::from_utf8_lossy(&request).into_owned();
                let action = text
                    .split(['&', '\n', '\r'])
                    .find_map(|p| p.strip_prefix("Action="))
                    .map(str::to_owned)
                    .or_else(|| {
                        text.lines().find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("x-amz-target:")
                                .map(|t| t.trim().to_owned())
                        })
                    })
                    .unwrap_or_default();
                let signed_by = text
                    .split("Credential=")
                    .nth(1)
                    .and_then(|rest| rest.split('/').next())
                    .unwrap_or("")
                    .to_owned();
                if let Some(scope) = text.split("Credential=").nth(1) {
                    let scope = scope.split([',', ' ']).next().unwrap_or("");
                    record_scope.lock().unwrap().push(scope.to_owned());
                }
                if action.starts_with("AssumeRole") {
                    let body = text.split("\r\n\r\n").nth(1).unwrap_or("");
                    record_role_request.lock().unwrap().push(body.to_owned());
                    if !deny {
                        sessions += 1;
                    }
                }
                record.lock().unwrap().push(Seen {
                    action: action.clone(),
                    signed_by,
                });
                let (status, body) = answer(&action, sessions, short, deny);
                let response = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: text/xml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            }
        });
        FakeSts {
            url,
            seen,
            scopes,
            role_requests,
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// STS clients that reach this fake and nothing else, signing with the
    /// given credentials.
    fn client_factory(&self) -> impl Fn(Option<SharedCredentialsProvider>) -> aws_sdk_sts::Client {
        let url = self.url.clone();
        move |credentials| {
            let mut config = aws_sdk_sts::Config::builder()
                .behavior_version(aws_config::BehaviorVersion::latest())
                .region(aws_config::Region::new("eu-west-1"))
                .endpoint_url(&url);
            if let Some(credentials) = credentials {
                config = config.credentials_provider(credentials);
            }
            aws_sdk_sts::Client::from_conf(config.build())
        }
    }

    fn settings(&self, auth: AuthSettings) -> AwsSettings {
        AwsSettings {
            region: Some("eu-west-1".into()),
            access_key: Some(STATIC_KEY.into()),
            secret_key: Some(STATIC_SECRET.into()),
            secretsmanager_endpoint: Some(self.url.clone()),
            sts_endpoint: Some(self.url.clone()),
            max_retries: Some(0),
            auth,
            ..AwsSettings::default()
        }
    }
}

fn role(arn: &str) -> AssumeRole {
    AssumeRole {
        role_arn: arn.into(),
        session_name: Some("unit".into()),
        ..AssumeRole::default()
    }
}

/// A web identity token file holding `oidc-token-value`, and the directory
/// that keeps it alive.
fn oidc_token_file() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "oidc-token-value").unwrap();
    (dir, token.display().to_string())
}

fn seen(action: &str, signed_by: &str) -> Seen {
    Seen {
        action: action.into(),
        signed_by: signed_by.into(),
    }
}

fn assert_no_credentials(text: &str) {
    for secret in [STATIC_SECRET, "issued-secret-", "issued-token-", "ASIAFAKE"] {
        assert!(!text.contains(secret), "credential in {text}");
    }
}

#[tokio::test]
async fn role_credentials_are_renewed_before_they_expire() {
    // The first session lives one second, inside the SDK's renewal margin.
    let sts = FakeSts::start(&[1], false).await;
    let settings = sts.settings(AuthSettings {
        assume_role: vec![role("arn:aws:iam::222222222222:role/deploy")],
        ..AuthSettings::default()
    });
    let connection = AwsConnection::connect(&settings).await.unwrap();
    for _ in 0..2 {
        connection
            .secrets_manager()
            .list_secrets()
            .send()
            .await
            .unwrap();
    }
    assert_eq!(
        sts.seen(),
        vec![
            seen("AssumeRole", STATIC_KEY),
            seen("GetCallerIdentity", "ASIAFAKE1"),
            // Session 1 is about to expire: renewed before the next call.
            seen("AssumeRole", STATIC_KEY),
            seen("secretsmanager.listsecrets", "ASIAFAKE2"),
            // Session 2 is good for an hour: reused.
            seen("secretsmanager.listsecrets", "ASIAFAKE2"),
        ]
    );
}

#[tokio::test]
async fn each_role_is_assumed_with_the_credentials_before_it() {
    let sts = FakeSts::start(&[], false).await;
    let settings = sts.settings(AuthSettings {
        assume_role: vec![
            role("arn:aws:iam::111111111111:role/hub"),
            role("arn:aws:iam::222222222222:role/spoke"),
        ],
        ..AuthSettings::default()
    });
    let connection = AwsConnection::connect(&settings).await.unwrap();
    assert_eq!(
        connection.account_id().await.unwrap().as_deref(),
        Some(ACCOUNT)
    );
    assert_eq!(
        sts.seen(),
        vec![
            seen("AssumeRole", STATIC_KEY),
            seen("AssumeRole", "ASIAFAKE1"),
            seen("GetCallerIdentity", "ASIAFAKE2"),
        ]
    );
}

#[tokio::test]
async fn web_identity_starts_the_chain() {
    let sts = FakeSts::start(&[], false).await;
    let (_dir, token) = oidc_token_file();
    let mut settings = sts.settings(AuthSettings {
        web_identity: Some(WebIdentity {
            role_arn: "arn:aws:iam::111111111111:role/ci".into(),
            token_file: Some(token.clone()),
            ..WebIdentity::default()
        }),
        assume_role: vec![role("arn:aws:iam::222222222222:role/deploy")],
        ..AuthSettings::default()
    });
    settings.access_key = None;
    settings.secret_key = None;
    AwsConnection::connect(&settings).await.unwrap();
    let seen = sts.seen();
    assert_eq!(seen[0].action, "AssumeRoleWithWebIdentity");
    assert_eq!(
        &seen[1..],
        &[
            self::seen("AssumeRole", "ASIAFAKE1"),
            self::seen("GetCallerIdentity", "ASIAFAKE2"),
        ]
    );
}

#[tokio::test]
async fn a_refused_role_names_the_role_and_the_caller() {
    let sts = FakeSts::start(&[], true).await;
    let settings = sts.settings(AuthSettings {
        assume_role: vec![role("arn:aws:iam::222222222222:role/deploy")],
        ..AuthSettings::default()
    });
    let err = AwsConnection::connect(&settings).await.unwrap_err();
    assert_eq!(err.attribute, Some("assume_role"), "{err:?}");
    assert_eq!(err.summary, "Cannot assume AWS role");
    for part in [
        "arn:aws:iam::222222222222:role/deploy",
        "arn:aws:iam::123456789012:user/tester",
        "AccessDenied",
        "trust policy",
    ] {
        assert!(err.detail.contains(part), "{part} missing: {err:?}");
    }
    assert_no_credentials(&err.to_string());
    assert!(!err.detail.contains(STATIC_KEY));
}

#[tokio::test]
async fn account_guards_stop_the_wrong_account_even_without_validation() {
    let sts = FakeSts::start(&[], false).await;
    let mut settings = sts.settings(AuthSettings {
        guard: AccountGuard::Allowed([String::from("999999999999")].into()),
        ..AuthSettings::default()
    });
    settings.skip_credentials_validation = true;
    let err = AwsConnection::connect(&settings).await.unwrap_err();
    assert_eq!(err.attribute, Some("allowed_account_ids"));
    assert!(err.detail.contains(ACCOUNT), "{err:?}");
    assert_eq!(sts.seen(), vec![seen("GetCallerIdentity", STATIC_KEY)]);

    settings.auth.guard = AccountGuard::Forbidden([ACCOUNT.to_owned()].into());
    let err = AwsConnection::connect(&settings).await.unwrap_err();
    assert_eq!(err.attribute, Some("forbidden_account_ids"));

    settings.auth.guard = AccountGuard::Allowed([ACCOUNT.to_owned()].into());
    let connection = AwsConnection::connect(&settings).await.unwrap();
    assert_eq!(
        connection.account_id().await.unwrap().as_deref(),
        Some(ACCOUNT)
    );
}

#[tokio::test]
async fn sts_region_signs_sts_calls_for_that_region() {
    let sts = FakeSts::start(&[], false).await;
    let settings = sts.settings(AuthSettings {
        sts_region: Some("us-west-2".into()),
        ..AuthSettings::default()
    });
    AwsConnection::connect(&settings).await.unwrap();
    assert_eq!(sts.seen(), vec![seen("GetCallerIdentity", STATIC_KEY)]);
    // The signature's scope names the region it was made for.
    let scopes = sts.scopes.lock().unwrap().clone();
    assert_eq!(scopes.len(), 1);
    assert!(scopes[0].contains("/us-west-2/sts/"), "{scopes:?}");
}

#[tokio::test]
async fn a_profile_role_chain_goes_through_the_provider_sts_then_the_blocks() {
    let sts = FakeSts::start(&[], false).await;
    let profiles = profile::profiles_from_text(
        &format!(
            "[profile deploy]\nrole_arn = arn:aws:iam::333333333333:role/deploy\nsource_profile = hub\n\
             [profile hub]\nrole_arn = arn:aws:iam::222222222222:role/hub\nsource_profile = base\n\
             [profile base]\naws_access_key_id = {STATIC_KEY}\naws_secret_access_key = {STATIC_SECRET}\n"
        ),
        "deploy",
    )
    .await;
    let chain = profile::role_chain(&profiles).unwrap().unwrap();
    let settings = AuthSettings {
        assume_role: vec![role("arn:aws:iam::444444444444:role/on-top")],
        ..AuthSettings::default()
    };
    // Only the factory knows the fake's address: a call the SDK made
    // through an STS client of its own would go elsewhere and fail.
    let client_for = sts.client_factory();
    let source = profile::ProfileSource {
        chain,
        files: Default::default(),
        config: aws_config::provider_config::ProviderConfig::without_region(),
    };
    let credentials =
        credentials_chain(&settings, Some(source), true, &client_for).expect("a chain");
    let identity = client_for(Some(credentials))
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(identity.account(), Some(ACCOUNT));
    assert_eq!(
        sts.seen(),
        vec![
            seen("AssumeRole", STATIC_KEY),
            seen("AssumeRole", "ASIAFAKE1"),
            seen("AssumeRole", "ASIAFAKE2"),
            seen("GetCallerIdentity", "ASIAFAKE3"),
        ]
    );
}

/// The form body's value of `key`, decoded.
fn form_value(body: &str, key: &str) -> Option<String> {
    form_urlencoded::parse(body.as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn every_role_argument_reaches_sts() {
    let sts = FakeSts::start(&[], false).await;
    let (_dir, token) = oidc_token_file();
    let policy = r#"{"Version":"2012-10-17","Statement":[]}"#;
    let mut settings = sts.settings(AuthSettings {
        web_identity: Some(WebIdentity {
            role_arn: "arn:aws:iam::111111111111:role/ci".into(),
            session_name: Some("ci-session".into()),
            token_file: Some(token.clone()),
            duration_seconds: Some(3600),
            policy: Some(policy.into()),
            policy_arns: vec!["arn:aws:iam::aws:policy/ReadOnlyAccess".into()],
            ..WebIdentity::default()
        }),
        assume_role: vec![AssumeRole {
            role_arn: "arn:aws:iam::222222222222:role/deploy".into(),
            session_name: Some("deploy-session".into()),
            external_id: Some("platform".into()),
            duration_seconds: Some(900),
            policy: Some(policy.into()),
            policy_arns: vec!["arn:aws:iam::aws:policy/SecretsManagerReadWrite".into()],
            tags: [("team".to_owned(), "platform".to_owned())].into(),
            transitive_tag_keys: vec!["team".into()],
            source_identity: Some("ci-run".into()),
        }],
        ..AuthSettings::default()
    });
    settings.access_key = None;
    settings.secret_key = None;
    AwsConnection::connect(&settings).await.unwrap();
    let requests = sts.role_requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 2, "{requests:?}");
    let expect = |body: &str, pairs: &[(&str, &str)]| {
        for (key, value) in pairs {
            assert_eq!(
                form_value(body, key).as_deref(),
                Some(*value),
                "{key} in {body}"
            );
        }
    };
    expect(
        &requests[0],
        &[
            ("Action", "AssumeRoleWithWebIdentity"),
            ("RoleArn", "arn:aws:iam::111111111111:role/ci"),
            ("RoleSessionName", "ci-session"),
            ("WebIdentityToken", "oidc-token-value"),
            ("DurationSeconds", "3600"),
            ("Policy", policy),
            (
                "PolicyArns.member.1.arn",
                "arn:aws:iam::aws:policy/ReadOnlyAccess",
            ),
        ],
    );
    expect(
        &requests[1],
        &[
            ("Action", "AssumeRole"),
            ("RoleArn", "arn:aws:iam::222222222222:role/deploy"),
            ("RoleSessionName", "deploy-session"),
            ("ExternalId", "platform"),
            ("DurationSeconds", "900"),
            ("Policy", policy),
            (
                "PolicyArns.member.1.arn",
                "arn:aws:iam::aws:policy/SecretsManagerReadWrite",
            ),
            ("Tags.member.1.Key", "team"),
            ("Tags.member.1.Value", "platform"),
            ("TransitiveTagKeys.member.1", "team"),
            ("SourceIdentity", "ci-run"),
        ],
    );
}

#[tokio::test]
async fn a_base_profile_without_a_role_keeps_its_own_credential_source() {
    let sts = FakeSts::start(&[], false).await;
    let config = "[profile deploy]\nrole_arn = arn:aws:iam::333333333333:role/deploy\n\
                  source_profile = login\n\
                  [profile login]\ncredential_process = echo '{\"Version\": 1, \
                  \"AccessKeyId\": \"AKIAFROMPROCESS\", \"SecretAccessKey\": \"process-secret\"}'\n";
    let profiles = profile::profiles_from_text(config, "deploy").await;
    let chain = profile::role_chain(&profiles).unwrap().unwrap();
    assert_eq!(chain.base, profile::ProfileBase::Profile("login".into()));
    let source = profile::ProfileSource {
        chain,
        files: profile::files_from_text(config),
        config: aws_config::provider_config::ProviderConfig::without_region(),
    };
    let client_for = sts.client_factory();
    let credentials = source.provider(&client_for);
    client_for(Some(credentials))
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(
        sts.seen(),
        vec![
            seen("AssumeRole", "AKIAFROMPROCESS"),
            seen("GetCallerIdentity", "ASIAFAKE1"),
        ]
    );
}
