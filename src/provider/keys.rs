//! KMS keys as secrets name them: which name is the AWS-managed key, when
//! two names are the same key, and the key ARN a read policy grants
//! `kms:Decrypt` on. The one KMS call, DescribeKey, is behind [`KeysApi`];
//! it reads key metadata only and is asked only when a name alone cannot
//! answer (an alias, or a key id without a known account).

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use aws_sdk_kms::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_kms::types::KeyManagerType;
use tracing::Instrument;

use crate::provider::arn::partition_of_region;
use crate::provider::secrets::{ApiError, ApiResult, ErrorKind, AWS_MANAGED_KEY_ALIAS};

/// What DescribeKey tells about a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyInfo {
    pub arn: String,
    /// KeyManager is AWS: an AWS-managed key such as aws/secretsmanager.
    pub aws_managed: bool,
}

/// The KMS API surface of this provider: DescribeKey only.
#[async_trait]
pub trait KeysApi: Send + Sync {
    /// DescribeKey on a key id, key ARN, alias name or alias ARN.
    async fn describe_key(&self, key: &str) -> ApiResult<KeyInfo>;
}

/// The four ways a key can be named (as CreateSecret's KmsKeyId accepts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyName<'a> {
    /// `1234abcd-...` or `mrk-...`.
    KeyId(&'a str),
    /// `arn:PARTITION:kms:REGION:ACCOUNT:key/ID`.
    KeyArn(&'a str),
    /// `alias/NAME`.
    AliasName(&'a str),
    /// `arn:PARTITION:kms:REGION:ACCOUNT:alias/NAME`.
    AliasArn(&'a str),
}

impl<'a> KeyName<'a> {
    pub fn parse(key: &'a str) -> Self {
        match arn_resource(key) {
            Some(resource) if resource.starts_with("alias/") => KeyName::AliasArn(key),
            Some(_) => KeyName::KeyArn(key),
            None if key.starts_with("alias/") => KeyName::AliasName(key),
            None => KeyName::KeyId(key),
        }
    }

    /// The name as an ARN's resource part: `key/ID` or `alias/NAME`.
    fn resource(&self) -> String {
        match *self {
            KeyName::KeyId(id) => format!("key/{id}"),
            KeyName::AliasName(alias) => alias.to_owned(),
            KeyName::KeyArn(arn) | KeyName::AliasArn(arn) => {
                arn_resource(arn).unwrap_or(arn).to_owned()
            }
        }
    }
}

/// What makes `key` unusable as a KMS key name, if anything (KMS itself
/// judges whether the key exists).
pub fn key_name_problem(key: &str) -> Option<&'static str> {
    if key.is_empty() {
        return Some("is empty");
    }
    if key.contains(char::is_whitespace) {
        return Some("contains whitespace");
    }
    match KeyName::parse(key) {
        KeyName::KeyArn(arn)
            if !arn_resource(arn).is_some_and(|r| r.len() > 4 && r.starts_with("key/")) =>
        {
            Some("is a KMS ARN that names neither a key (key/ID) nor an alias (alias/NAME)")
        }
        KeyName::KeyId(_) if key.starts_with("arn:") => {
            Some("is an ARN, but not a KMS key or alias ARN")
        }
        KeyName::AliasName(alias) | KeyName::AliasArn(alias) if alias.ends_with('/') => {
            Some("names no alias after alias/")
        }
        _ => None,
    }
}

/// The resource part of a KMS ARN (`key/...` or `alias/...`), or `None`
/// when `key` is not a KMS ARN.
fn arn_resource(key: &str) -> Option<&str> {
    let mut parts = key.splitn(6, ':');
    let (arn, _partition, service, _region, _account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    (arn == "arn" && service == "kms").then_some(resource)
}

/// Whether `key` names the AWS-managed key of Secrets Manager by its alias:
/// exactly `alias/aws/secretsmanager`, or an alias ARN whose alias part is
/// exactly that. A look-alike (`alias/alias/aws/secretsmanager`) is a
/// customer's alias, and a key ARN is taken for a customer key unless
/// DescribeKey says otherwise ([`is_aws_managed`]).
pub fn is_aws_managed_alias(key: &str) -> bool {
    match KeyName::parse(key) {
        KeyName::AliasName(alias) => alias == AWS_MANAGED_KEY_ALIAS,
        KeyName::AliasArn(arn) => arn_resource(arn) == Some(AWS_MANAGED_KEY_ALIAS),
        _ => false,
    }
}

/// Whether a secret's key (`None`: DescribeSecret named none) is the
/// AWS-managed key. A key ARN or id is asked of DescribeKey; when that is
/// refused (no `kms:DescribeKey`), the key counts as a customer's, the safe
/// side: such a secret is reported as needing a KMS grant and not restored.
pub async fn is_aws_managed(keys: &dyn KeysApi, key: Option<&str>) -> bool {
    match key.map(KeyName::parse) {
        None => true,
        Some(KeyName::AliasName(_) | KeyName::AliasArn(_)) => {
            is_aws_managed_alias(key.unwrap_or_default())
        }
        Some(KeyName::KeyArn(key) | KeyName::KeyId(key)) => match keys.describe_key(key).await {
            Ok(info) => info.aws_managed,
            Err(error) => {
                tracing::debug!(key, code = %error.code, "DescribeKey refused; the key counts as a customer key");
                false
            }
        },
    }
}

/// Whether a secret encrypted with `secret_key` (as DescribeSecret names
/// it, `None` for the AWS-managed key) is on the key a resource asks for:
/// `wanted` as configured (`None`: the AWS-managed key) and `wanted_arn`,
/// the key ARN it resolved to, when known. Names are compared as they are:
/// the same key id with or without its ARN, the same alias with or without
/// its ARN, or the resolved key ARN; an alias never matches a key id
/// without DescribeKey, which this check does not ask.
pub fn same_key(secret_key: Option<&str>, wanted: Option<&str>, wanted_arn: Option<&str>) -> bool {
    let secret_key = secret_key.filter(|k| !is_aws_managed_alias(k));
    let wanted = wanted.filter(|k| !is_aws_managed_alias(k));
    match (secret_key, wanted) {
        (None, None) => true,
        (Some(secret), Some(wanted)) => {
            secret == wanted
                || Some(secret) == wanted_arn
                || KeyName::parse(secret).resource() == KeyName::parse(wanted).resource()
                    && comparable(secret, wanted)
        }
        _ => false,
    }
}

/// Resource parts compare only when at most one side is an ARN (two ARNs
/// in different accounts or regions are different keys).
fn comparable(a: &str, b: &str) -> bool {
    arn_resource(a).is_none() || arn_resource(b).is_none()
}

/// The key ARN a read policy grants `kms:Decrypt` on for a resource's
/// `kms_key_id`: `None` for the AWS-managed key (whose key policy already
/// lets every principal of the account decrypt through Secrets Manager). A
/// key ARN is used as written; a key id becomes an ARN when the account is
/// known; an alias (or a key id with `skip_requesting_account_id`) is
/// resolved with DescribeKey, which also tells an AWS-managed key.
pub async fn policy_key_arn(
    keys: &dyn KeysApi,
    key: Option<&str>,
    region: &str,
    account: Option<&str>,
) -> ApiResult<Option<String>> {
    if let Some(known) = known_policy_key_arn(key, region, account) {
        return Ok(known);
    }
    let info = keys.describe_key(key.unwrap_or_default()).await?;
    Ok((!info.aws_managed).then_some(info.arn))
}

/// [`policy_key_arn`] when the name alone tells it (no DescribeKey), as at
/// plan time; `None` when only DescribeKey can.
pub fn known_policy_key_arn(
    key: Option<&str>,
    region: &str,
    account: Option<&str>,
) -> Option<Option<String>> {
    let Some(key) = key.filter(|k| !is_aws_managed_alias(k)) else {
        return Some(None);
    };
    match (KeyName::parse(key), account) {
        (KeyName::KeyArn(arn), _) => Some(Some(arn.to_owned())),
        (KeyName::KeyId(id), Some(account)) => Some(Some(format!(
            "arn:{}:kms:{region}:{account}:key/{id}",
            partition_of_region(region).unwrap_or("aws")
        ))),
        _ => None,
    }
}

/// The `kms:ViaService` value that limits a grant to Secrets Manager in
/// `region`.
pub fn via_service(region: &str) -> String {
    let suffix = match partition_of_region(region) {
        Some("aws-cn") => "amazonaws.com.cn",
        _ => "amazonaws.com",
    };
    format!("secretsmanager.{region}.{suffix}")
}

/// [`KeysApi`] over the AWS SDK. Answers are kept for the provider's
/// lifetime: a key's ARN and manager never change.
pub struct SdkKeys {
    client: aws_sdk_kms::Client,
    known: Mutex<HashMap<String, KeyInfo>>,
}

impl SdkKeys {
    pub fn new(client: aws_sdk_kms::Client) -> Self {
        Self {
            client,
            known: Mutex::new(HashMap::new()),
        }
    }
}

#[async_trait]
impl KeysApi for SdkKeys {
    async fn describe_key(&self, key: &str) -> ApiResult<KeyInfo> {
        if let Some(info) = self.known.lock().ok().and_then(|k| k.get(key).cloned()) {
            return Ok(info);
        }
        let span = tracing::debug_span!("aws_call", key);
        let output = self
            .client
            .describe_key()
            .key_id(key)
            .send()
            .instrument(span)
            .await
            .map_err(api_error)?;
        let metadata = output.key_metadata.ok_or_else(|| ApiError {
            kind: ErrorKind::Other,
            code: "MissingKeyMetadata".to_owned(),
            message: format!("DescribeKey for {key:?} answered without key metadata"),
        })?;
        let info = KeyInfo {
            arn: metadata.arn.unwrap_or_default(),
            aws_managed: metadata.key_manager == Some(KeyManagerType::Aws),
        };
        if let Ok(mut known) = self.known.lock() {
            known.insert(key.to_owned(), info.clone());
        }
        Ok(info)
    }
}

fn api_error<E>(error: SdkError<E, aws_sdk_kms::config::http::HttpResponse>) -> ApiError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match &error {
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or("UnknownError").to_owned();
            ApiError {
                kind: if code == "NotFoundException" {
                    ErrorKind::NotFound
                } else {
                    ErrorKind::Other
                },
                message: service.err().message().unwrap_or_default().to_owned(),
                code,
            }
        }
        _ => ApiError {
            kind: ErrorKind::Other,
            code: "RequestFailed".to_owned(),
            message: crate::provider::errors::error_chain(&error),
        },
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// Keys by any of their names; counts DescribeKey calls.
    #[derive(Default)]
    pub struct FakeKeys {
        pub keys: Mutex<HashMap<String, KeyInfo>>,
        pub calls: Mutex<Vec<String>>,
    }

    impl FakeKeys {
        pub fn with(names: &[&str], arn: &str, aws_managed: bool) -> Self {
            let keys = FakeKeys::default();
            keys.add(names, arn, aws_managed);
            keys
        }

        pub fn add(&self, names: &[&str], arn: &str, aws_managed: bool) {
            let mut keys = self.keys.lock().unwrap();
            for name in names.iter().chain([&arn]) {
                keys.insert(
                    (*name).to_owned(),
                    KeyInfo {
                        arn: arn.to_owned(),
                        aws_managed,
                    },
                );
            }
        }

        pub fn calls(&self) -> usize {
            self.calls.lock().unwrap().len()
        }
    }

    #[async_trait]
    impl KeysApi for FakeKeys {
        async fn describe_key(&self, key: &str) -> ApiResult<KeyInfo> {
            self.calls.lock().unwrap().push(key.to_owned());
            self.keys
                .lock()
                .unwrap()
                .get(key)
                .cloned()
                .ok_or_else(|| ApiError {
                    kind: ErrorKind::Other,
                    code: "AccessDeniedException".to_owned(),
                    message: format!("not allowed to describe {key}"),
                })
        }
    }

    const KEY_ARN: &str =
        "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    #[test]
    fn only_the_exact_alias_is_the_aws_managed_key() {
        for managed in [
            "alias/aws/secretsmanager",
            "arn:aws:kms:us-east-1:111122223333:alias/aws/secretsmanager",
            "arn:aws-us-gov:kms:us-gov-west-1:111122223333:alias/aws/secretsmanager",
        ] {
            assert!(is_aws_managed_alias(managed), "{managed}");
        }
        for customer in [
            "alias/alias/aws/secretsmanager",
            "arn:aws:kms:us-east-1:111122223333:alias/alias/aws/secretsmanager",
            "alias/aws/secretsmanager2",
            "myalias/aws/secretsmanager",
            "arn:aws:secretsmanager:us-east-1:1:alias/aws/secretsmanager",
            KEY_ARN,
            "1234abcd-12ab-34cd-56ef-1234567890ab",
        ] {
            assert!(!is_aws_managed_alias(customer), "{customer}");
        }
    }

    #[tokio::test]
    async fn a_key_arn_is_aws_managed_only_when_describe_key_says_so() {
        let keys = FakeKeys::with(&[], KEY_ARN, true);
        assert!(is_aws_managed(&keys, Some(KEY_ARN)).await);
        assert!(is_aws_managed(&keys, None).await);
        assert!(is_aws_managed(&keys, Some("alias/aws/secretsmanager")).await);
        let denied = FakeKeys::default();
        assert!(
            !is_aws_managed(&denied, Some(KEY_ARN)).await,
            "refused: customer"
        );
        let customer = FakeKeys::with(&[], KEY_ARN, false);
        assert!(!is_aws_managed(&customer, Some(KEY_ARN)).await);
        assert!(!is_aws_managed(&customer, Some("alias/alias/aws/secretsmanager")).await);
    }

    #[test]
    fn the_same_key_by_its_names() {
        let id = "1234abcd-12ab-34cd-56ef-1234567890ab";
        let alias_arn = "arn:aws:kms:us-east-1:111122223333:alias/app";
        assert!(same_key(None, None, None));
        assert!(same_key(Some("alias/aws/secretsmanager"), None, None));
        assert!(same_key(None, Some("alias/aws/secretsmanager"), None));
        assert!(same_key(Some(KEY_ARN), Some(KEY_ARN), None));
        assert!(same_key(Some(KEY_ARN), Some(id), None));
        assert!(same_key(Some(id), Some(KEY_ARN), None));
        assert!(same_key(Some(alias_arn), Some("alias/app"), None));
        assert!(same_key(Some(KEY_ARN), Some("alias/app"), Some(KEY_ARN)));
        assert!(!same_key(Some(KEY_ARN), None, None));
        assert!(!same_key(None, Some(KEY_ARN), None));
        assert!(!same_key(Some(KEY_ARN), Some("alias/app"), None));
        assert!(!same_key(Some("alias/other"), Some("alias/app"), None));
        let elsewhere =
            "arn:aws:kms:us-east-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        assert!(!same_key(Some(elsewhere), Some(KEY_ARN), None));
    }

    #[tokio::test]
    async fn the_policy_asks_describe_key_only_for_what_a_name_cannot_tell() {
        let keys = FakeKeys::with(&["alias/app"], KEY_ARN, false);
        let id = "1234abcd-12ab-34cd-56ef-1234567890ab";
        let arn = |key| policy_key_arn(&keys, key, "us-east-1", Some("111122223333"));
        assert_eq!(arn(None).await.unwrap(), None);
        assert_eq!(arn(Some("alias/aws/secretsmanager")).await.unwrap(), None);
        assert_eq!(arn(Some(KEY_ARN)).await.unwrap().as_deref(), Some(KEY_ARN));
        assert_eq!(arn(Some(id)).await.unwrap().as_deref(), Some(KEY_ARN));
        assert_eq!(keys.calls(), 0);
        assert_eq!(
            arn(Some("alias/app")).await.unwrap().as_deref(),
            Some(KEY_ARN)
        );
        assert_eq!(keys.calls(), 1);
        let unknown_account = policy_key_arn(&keys, Some(id), "us-east-1", None).await;
        assert!(unknown_account.is_err(), "asked, and refused by the fake");
        let managed = FakeKeys::with(&[KEY_ARN, "alias/managed"], KEY_ARN, true);
        assert_eq!(
            policy_key_arn(&managed, Some("alias/managed"), "us-east-1", None)
                .await
                .unwrap(),
            None
        );
    }

    #[test]
    fn via_service_names_the_regional_endpoint() {
        assert_eq!(
            via_service("eu-west-1"),
            "secretsmanager.eu-west-1.amazonaws.com"
        );
        assert_eq!(
            via_service("cn-north-1"),
            "secretsmanager.cn-north-1.amazonaws.com.cn"
        );
    }
}
