//! [`SecretsApi`] over the AWS SDK.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_secretsmanager::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_secretsmanager::types::Tag;
use aws_sdk_secretsmanager::Client;

use super::{ApiError, ApiResult, ErrorKind, SecretInfo, SecretsApi};

pub struct SdkSecrets {
    client: Client,
}

impl SdkSecrets {
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

fn sdk_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// Classifies an SDK failure. Service errors keep AWS's code and message;
/// transport failures keep the whole error chain.
fn api_error<E, R>(error: SdkError<E, R>) -> ApiError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    if let SdkError::ServiceError(service) = &error {
        let err = service.err();
        let code = err.code().unwrap_or("UnknownError").to_owned();
        let message = err.message().unwrap_or_default().to_owned();
        let kind = match code.as_str() {
            "ResourceNotFoundException" => ErrorKind::NotFound,
            "ResourceExistsException" => ErrorKind::AlreadyExists,
            "InvalidRequestException" if message.contains("scheduled for deletion") => {
                ErrorKind::ScheduledForDeletion
            }
            _ => ErrorKind::Other,
        };
        return ApiError {
            kind,
            code,
            message,
        };
    }
    ApiError {
        kind: ErrorKind::Other,
        code: "RequestFailed".to_owned(),
        message: crate::provider::aws::error_chain(&error),
    }
}

#[async_trait]
impl SecretsApi for SdkSecrets {
    async fn create(&self, name: &str, tags: &BTreeMap<String, String>) -> ApiResult<String> {
        let output = self
            .client
            .create_secret()
            .name(name)
            .set_tags(Some(sdk_tags(tags)))
            .send()
            .await
            .map_err(api_error)?;
        output.arn.ok_or_else(|| ApiError {
            kind: ErrorKind::Other,
            code: "MissingArn".to_owned(),
            message: format!("CreateSecret for {name:?} answered without an ARN"),
        })
    }

    async fn describe(&self, name_or_arn: &str) -> ApiResult<Option<SecretInfo>> {
        match self
            .client
            .describe_secret()
            .secret_id(name_or_arn)
            .send()
            .await
        {
            Ok(output) => {
                let tags = output
                    .tags
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|t| Some((t.key?, t.value.unwrap_or_default())))
                    .collect();
                Ok(Some(SecretInfo {
                    name: output.name.unwrap_or_else(|| name_or_arn.to_owned()),
                    arn: output.arn.unwrap_or_default(),
                    scheduled_for_deletion: output.deleted_date.is_some(),
                    tags,
                }))
            }
            Err(error) => {
                let error = api_error(error);
                if error.kind == ErrorKind::NotFound {
                    Ok(None)
                } else {
                    Err(error)
                }
            }
        }
    }

    async fn restore(&self, arn: &str) -> ApiResult<()> {
        self.client
            .restore_secret()
            .secret_id(arn)
            .send()
            .await
            .map_err(api_error)?;
        Ok(())
    }

    async fn delete(&self, arn: &str, recovery_window_in_days: i64) -> ApiResult<()> {
        let result = self
            .client
            .delete_secret()
            .secret_id(arn)
            .recovery_window_in_days(recovery_window_in_days)
            .send()
            .await;
        match result.map_err(api_error) {
            Ok(_) => Ok(()),
            // Gone, or already on its way out: either way, deleted.
            Err(error)
                if matches!(
                    error.kind,
                    ErrorKind::NotFound | ErrorKind::ScheduledForDeletion
                ) =>
            {
                Ok(())
            }
            Err(error) => Err(error),
        }
    }

    async fn tag(&self, arn: &str, tags: &BTreeMap<String, String>) -> ApiResult<()> {
        self.client
            .tag_resource()
            .secret_id(arn)
            .set_tags(Some(sdk_tags(tags)))
            .send()
            .await
            .map_err(api_error)?;
        Ok(())
    }

    async fn untag(&self, arn: &str, keys: &[String]) -> ApiResult<()> {
        self.client
            .untag_resource()
            .secret_id(arn)
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map_err(api_error)?;
        Ok(())
    }
}
