//! The clients end to end against scripted endpoints: credentials,
//! validation, the account ID, endpoints and the environment.

use std::sync::atomic::Ordering;

use super::connection::endpoint;
use super::connection::AwsConnection;
use super::credentials::static_credentials;
use crate::provider::settings::AwsSettings;
use crate::provider::test_endpoints::{answering, closed_port_url};

async fn fake_sts(
    status: &'static str,
    body: &'static str,
) -> (
    String,
    std::sync::Arc<std::sync::atomic::AtomicUsize>,
    std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
) {
    answering(status, "text/xml", body).await
}

const ACCESS_KEY: &str = "AKIAEXAMPLEACCESSKEY";
const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const TOKEN: &str = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN";

fn static_settings(endpoint: &str) -> AwsSettings {
    AwsSettings {
        region: Some("eu-west-1".into()),
        access_key: Some(ACCESS_KEY.into()),
        secret_key: Some(SECRET_KEY.into()),
        token: Some(TOKEN.into()),
        secretsmanager_endpoint: Some(endpoint.into()),
        sts_endpoint: Some(endpoint.into()),
        max_retries: Some(0),
        ..AwsSettings::default()
    }
}

const IDENTITY_OK: &str = r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:iam::123456789012:user/tester</Arn>
    <UserId>AIDAEXAMPLEUSERID</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>"#;

const IDENTITY_REJECTED: &str = r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error>
  <RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId>
</ErrorResponse>"#;

fn assert_no_secret(text: &str) {
    for secret in [ACCESS_KEY, SECRET_KEY, TOKEN] {
        assert!(!text.contains(secret), "credential leaked into: {text}");
    }
}

#[test]
fn half_a_key_pair_names_the_missing_half() {
    let only_access = AwsSettings {
        access_key: Some(ACCESS_KEY.into()),
        ..AwsSettings::default()
    };
    let err = static_credentials(&only_access).unwrap_err();
    assert_eq!(err.attribute, Some("secret_key"));
    assert_no_secret(&err.to_string());

    let only_secret = AwsSettings {
        secret_key: Some(SECRET_KEY.into()),
        ..AwsSettings::default()
    };
    let err = static_credentials(&only_secret).unwrap_err();
    assert_eq!(err.attribute, Some("access_key"));
    assert_no_secret(&err.to_string());

    let only_token = AwsSettings {
        token: Some(TOKEN.into()),
        ..AwsSettings::default()
    };
    assert_eq!(
        static_credentials(&only_token).unwrap_err().attribute,
        Some("access_key")
    );

    // Empty strings count as unset.
    let empty = AwsSettings {
        access_key: Some(String::new()),
        secret_key: Some(String::new()),
        ..AwsSettings::default()
    };
    assert!(static_credentials(&empty).unwrap().is_none());
}

#[tokio::test]
async fn connect_rejects_half_a_key_pair_before_anything_else() {
    let mut settings = static_settings("http://127.0.0.1:1");
    settings.secret_key = None;
    let err = AwsConnection::connect(&settings).await.unwrap_err();
    assert_eq!(err.attribute, Some("secret_key"));
}

#[test]
fn debug_redacts_credentials() {
    let settings = static_settings("http://localhost:4566");
    let text = format!("{settings:?}");
    assert_no_secret(&text);
    assert!(text.contains("access_key: \"(sensitive)\""), "{text}");
    assert!(text.contains("secret_key: \"(sensitive)\""), "{text}");
    assert!(text.contains("token: \"(sensitive)\""), "{text}");
    assert!(text.contains("eu-west-1"), "{text}");
    let text = format!("{:#?}", AwsSettings::default());
    assert!(text.contains("(unset)"), "{text}");
}

#[tokio::test]
async fn skip_validation_makes_no_network_call() {
    // Nothing listens on the endpoint: any request would fail.
    let url = closed_port_url().await;
    let mut settings = static_settings(&url);
    settings.skip_credentials_validation = true;
    settings.skip_requesting_account_id = true;
    let connection = AwsConnection::connect(&settings).await.unwrap();
    assert_eq!(connection.region(), "eu-west-1");
    assert_eq!(connection.account_id().await.unwrap(), None);
    assert_no_secret(&format!("{connection:?}"));
}

#[tokio::test]
async fn validation_fetches_account_id_once() {
    let (url, count, seen) = fake_sts("200 OK", IDENTITY_OK).await;
    let connection = AwsConnection::connect(&static_settings(&url))
        .await
        .unwrap();
    assert_eq!(count.load(Ordering::SeqCst), 1);
    for _ in 0..3 {
        assert_eq!(
            connection.account_id().await.unwrap().as_deref(),
            Some("123456789012")
        );
    }
    assert_eq!(count.load(Ordering::SeqCst), 1);
    let request = String::from_utf8_lossy(&seen.lock().unwrap()).into_owned();
    assert!(request.contains("Action=GetCallerIdentity"), "{request}");
    // The secret key signs; it is never sent.
    assert!(!request.contains(SECRET_KEY));
}

#[tokio::test]
async fn account_id_is_fetched_lazily_once_when_validation_is_skipped() {
    let (url, count, _) = fake_sts("200 OK", IDENTITY_OK).await;
    let mut settings = static_settings(&url);
    settings.skip_credentials_validation = true;
    let connection = AwsConnection::connect(&settings).await.unwrap();
    assert_eq!(count.load(Ordering::SeqCst), 0);
    assert_eq!(
        connection.account_id().await.unwrap().as_deref(),
        Some("123456789012")
    );
    assert_eq!(
        connection.account_id().await.unwrap().as_deref(),
        Some("123456789012")
    );
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn skip_requesting_account_id_hides_a_validated_account() {
    let (url, count, _) = fake_sts("200 OK", IDENTITY_OK).await;
    let mut settings = static_settings(&url);
    settings.skip_requesting_account_id = true;
    let connection = AwsConnection::connect(&settings).await.unwrap();
    assert_eq!(count.load(Ordering::SeqCst), 1);
    assert_eq!(connection.account_id().await.unwrap(), None);
}

#[tokio::test]
async fn rejected_credentials_are_reported_clearly() {
    let (url, _, _) = fake_sts("403 Forbidden", IDENTITY_REJECTED).await;
    let err = AwsConnection::connect(&static_settings(&url))
        .await
        .unwrap_err();
    assert_eq!(err.attribute, Some("access_key"));
    assert!(
        err.detail
            .starts_with("AWS rejected the provider's credentials: InvalidClientTokenId"),
        "{err:?}"
    );
    // A switch that only moves the failure to apply is no advice.
    assert!(
        !err.detail.contains("skip_credentials_validation"),
        "{err:?}"
    );
    assert_no_secret(&err.to_string());
}

#[tokio::test]
async fn unreachable_sts_is_not_called_a_credential_problem() {
    let url = closed_port_url().await;
    let err = AwsConnection::connect(&static_settings(&url))
        .await
        .unwrap_err();
    assert_eq!(err.summary, "Cannot reach AWS STS", "{err:?}");
    assert_eq!(err.attribute, None);
    assert_no_secret(&err.to_string());
}

#[tokio::test]
async fn bad_endpoint_is_an_error_on_endpoints() {
    let mut settings = static_settings("http://localhost:4566");
    settings.sts_endpoint = Some("localhost:4566".into());
    let err = AwsConnection::connect(&settings).await.unwrap_err();
    assert_eq!(err.attribute, Some("endpoints"));
    assert!(err.detail.contains("endpoints.sts"), "{err:?}");
    assert!(endpoint("sts", Some("ftp://example.com")).is_err());
    assert!(endpoint("sts", Some("https://sts.example.com/")).is_ok());
    assert_eq!(endpoint("sts", None).unwrap(), None);
}
// The environment is process-global, so cases that depend on it run in
// a child copy of this test binary with a scrubbed environment instead
// of editing variables that other tests may be reading.

/// Names the case a child process runs.
const CHILD_CASE: &str = "PLANTON_TEST_AWS_CHILD_CASE";

/// Entry point of the child processes; a no-op in a normal run.
#[test]
fn child_process_entry() {
    let Ok(case) = std::env::var(CHILD_CASE) else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(child_case(&case));
}

async fn child_case(case: &str) {
    let mut settings = static_settings("http://127.0.0.1:1");
    settings.skip_credentials_validation = true;
    match case {
        "no-region" => {
            settings.region = None;
            let err = AwsConnection::connect(&settings).await.unwrap_err();
            assert_eq!(err.attribute, Some("region"));
            assert!(err.detail.contains("AWS_REGION"), "{err:?}");
        }
        "region-from-env" => {
            settings.region = None;
            let connection = AwsConnection::connect(&settings).await.unwrap();
            assert_eq!(connection.region(), "ap-south-1");
        }
        "no-credentials" => {
            settings.access_key = None;
            settings.secret_key = None;
            settings.token = None;
            settings.skip_credentials_validation = false;
            let err = AwsConnection::connect(&settings).await.unwrap_err();
            assert_eq!(err.summary, "No AWS credentials found", "{err:?}");
            assert_eq!(err.attribute, None);
            assert!(err.detail.contains("no credentials found"), "{err:?}");
            // Every source, in the order tried; no switch that only delays.
            let order = [
                "1. access_key and secret_key in the provider block",
                "2. the environment variables AWS_ACCESS_KEY_ID",
                "3. the selected profile",
                "4. web identity",
                "5. container credentials",
                "6. the EC2 instance metadata service",
            ];
            let at: Vec<usize> = order
                .iter()
                .map(|s| err.detail.find(s).unwrap_or_else(|| panic!("{s}: {err:?}")))
                .collect();
            assert!(at.windows(2).all(|w| w[0] < w[1]), "{err:?}");
            assert!(
                !err.detail.contains("skip_credentials_validation"),
                "{err:?}"
            );
        }
        "endpoints-from-env" | "endpoint-setting-wins" => {
            settings.sts_endpoint = None;
            settings.secretsmanager_endpoint = std::env::var("PLANTON_TEST_SM_ENDPOINT").ok();
            let connection = AwsConnection::connect(&settings).await.unwrap();
            assert_eq!(
                connection.account_id().await.unwrap().as_deref(),
                Some("123456789012")
            );
            // The answer is STS XML, not Secrets Manager JSON; only
            // where the request went matters.
            let _ = connection.secrets_manager().list_secrets().send().await;
        }
        other => panic!("unknown child case {other}"),
    }
}

async fn run_child(case: &str, envs: &[(&str, &str)]) {
    let home = tempfile::tempdir().unwrap();
    let mut command = std::process::Command::new(std::env::current_exe().unwrap());
    command
        .args([
            "provider::aws::tests::child_process_entry",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env_clear()
        .env(CHILD_CASE, case)
        .env("HOME", home.path())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(envs.iter().copied());
    let output = tokio::process::Command::from(command)
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "child case {case} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn missing_region_is_reported() {
    run_child("no-region", &[]).await;
}

#[tokio::test]
async fn region_comes_from_the_environment_when_not_set() {
    run_child("region-from-env", &[("AWS_REGION", "ap-south-1")]).await;
    run_child("region-from-env", &[("AWS_DEFAULT_REGION", "ap-south-1")]).await;
}

#[tokio::test]
async fn missing_credentials_are_not_called_a_network_problem() {
    run_child("no-credentials", &[]).await;
}

#[tokio::test]
async fn endpoint_environment_variables_are_honoured() {
    let (global, global_count, _) = fake_sts("200 OK", IDENTITY_OK).await;
    let (sm, sm_count, sm_seen) = fake_sts("200 OK", IDENTITY_OK).await;
    run_child(
        "endpoints-from-env",
        &[
            ("AWS_ENDPOINT_URL", &global),
            ("AWS_ENDPOINT_URL_SECRETS_MANAGER", &sm),
        ],
    )
    .await;
    // STS used the global variable, Secrets Manager its own one.
    assert_eq!(global_count.load(Ordering::SeqCst), 1);
    assert_eq!(sm_count.load(Ordering::SeqCst), 1);
    let request = String::from_utf8_lossy(&sm_seen.lock().unwrap()).into_owned();
    assert!(request.contains("secretsmanager.ListSecrets"), "{request}");

    // An endpoint in the provider block beats both variables.
    let (setting, setting_count, _) = fake_sts("200 OK", IDENTITY_OK).await;
    run_child(
        "endpoint-setting-wins",
        &[
            ("AWS_ENDPOINT_URL", &global),
            ("AWS_ENDPOINT_URL_SECRETS_MANAGER", &sm),
            ("PLANTON_TEST_SM_ENDPOINT", &setting),
        ],
    )
    .await;
    assert_eq!(setting_count.load(Ordering::SeqCst), 1);
    assert_eq!(sm_count.load(Ordering::SeqCst), 1);
    assert_eq!(global_count.load(Ordering::SeqCst), 2);
}
