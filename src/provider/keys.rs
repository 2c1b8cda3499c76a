//! KMS keys as KMS tells them: whether a key is AWS-managed and the key ARN
//! a read policy grants `kms:Decrypt` on, when a name alone cannot tell
//! (`key_names` answers what it can). The one KMS call, DescribeKey, is
//! behind [`KeysApi`]; it reads key metadata only and is asked only when
//! needed (an alias, or a key id without a known account).

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use aws_sdk_kms::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_kms::types::KeyManagerType;
use tracing::Instrument;

use crate::provider::secrets::{ApiError, ApiResult, ErrorKind};

use crate::provider::key_names::{is_aws_managed_alias, known_policy_key_arn, KeyName};

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
    use crate::provider::key_names::{same_key, via_service};

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
