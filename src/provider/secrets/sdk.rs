//! [`SecretsApi`] over the AWS SDK, with this provider's own retries and
//! adaptive per-operation rate (the SDK's retries are turned off for this
//! client, see `provider::aws`).

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Instant;

use async_trait::async_trait;
use aws_sdk_secretsmanager::config::http::HttpResponse;
use aws_sdk_secretsmanager::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_secretsmanager::types::Tag;
use aws_sdk_secretsmanager::Client;
use tracing::debug;

use super::{ApiError, ApiResult, ErrorKind, SecretInfo, SecretsApi};
use crate::provider::rate::AdaptiveRate;
use crate::provider::retry::{classify_service_error, Failure, RetryPolicy};
use crate::tf::stop::StopSignal;

/// The operations this client sends; each has its own adaptive rate
/// because AWS sets a quota per operation.
#[derive(Clone, Copy, Debug)]
enum Operation {
    CreateSecret,
    DescribeSecret,
    RestoreSecret,
    DeleteSecret,
    TagResource,
    UntagResource,
    GetResourcePolicy,
}

const OPERATIONS: usize = 7;

pub struct SdkSecrets {
    client: Client,
    policy: RetryPolicy,
    rates: [AdaptiveRate; OPERATIONS],
    stop: StopSignal,
}

impl SdkSecrets {
    pub fn new(client: Client, policy: RetryPolicy, stop: StopSignal) -> Self {
        Self {
            client,
            policy,
            rates: Default::default(),
            stop,
        }
    }

    /// Runs one operation with pacing and retries. A stop request ends the
    /// waiting, never an attempt already sent: its outcome is always known.
    async fn call<T, E, F, Fut>(&self, operation: Operation, mut attempt: F) -> ApiResult<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let rate = &self.rates[operation as usize];
        let mut retry = 0;
        loop {
            let wait = rate.reserve(Instant::now());
            if !wait.is_zero() && !self.pause(wait).await {
                return Err(stopped(operation));
            }
            let error = match attempt().await {
                Ok(output) => {
                    rate.on_admitted(Instant::now());
                    return Ok(output);
                }
                Err(error) => error,
            };
            let (failure, error) = classify(error);
            if failure == Failure::Throttled {
                rate.on_throttle(Instant::now());
            } else {
                rate.on_admitted(Instant::now());
            }
            if failure == Failure::Final {
                return Err(error);
            }
            if retry >= self.policy.max_retries {
                return Err(gave_up(error, retry + 1));
            }
            debug!(operation = ?operation, code = %error.code, retry, "retrying");
            if !self.pause(self.policy.delay(retry)).await {
                return Err(gave_up(error, retry + 1));
            }
            retry += 1;
        }
    }

    /// Sleeps unless a stop is requested first; false means stopped.
    async fn pause(&self, duration: std::time::Duration) -> bool {
        tokio::select! {
            _ = tokio::time::sleep(duration) => true,
            _ = self.stop.stopped() => false,
        }
    }
}

fn stopped(operation: Operation) -> ApiError {
    ApiError {
        kind: ErrorKind::Other,
        code: "Stopped".to_owned(),
        message: format!("{operation:?} was not sent because Terraform asked the provider to stop"),
    }
}

fn gave_up(mut error: ApiError, attempts: u32) -> ApiError {
    error.message = format!(
        "{} (gave up after {attempts} attempts; raise max_retries to try longer)",
        error.message
    );
    error
}

/// AWS (and LocalStack) word "this secret is scheduled for deletion" in
/// several ways depending on the operation.
fn is_about_scheduled_deletion(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    [
        "scheduled for deletion",
        "marked for deletion",
        "marked deleted",
    ]
    .iter()
    .any(|phrase| message.contains(phrase))
}

fn sdk_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// Classifies an SDK failure. Service errors keep AWS's code and message;
/// transport failures keep the whole error chain.
fn classify<E>(error: SdkError<E, HttpResponse>) -> (Failure, ApiError)
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match &error {
        SdkError::ServiceError(service) => {
            let err = service.err();
            let code = err.code().unwrap_or("UnknownError").to_owned();
            let message = err.message().unwrap_or_default().to_owned();
            let failure = classify_service_error(&code, &message, service.raw().status().as_u16());
            let kind = match code.as_str() {
                "ResourceNotFoundException" => ErrorKind::NotFound,
                "ResourceExistsException" => ErrorKind::AlreadyExists,
                "InvalidRequestException" if is_about_scheduled_deletion(&message) => {
                    ErrorKind::ScheduledForDeletion
                }
                _ => ErrorKind::Other,
            };
            (
                failure,
                ApiError {
                    kind,
                    code,
                    message,
                },
            )
        }
        other => {
            let failure = match other {
                SdkError::TimeoutError(_) | SdkError::ResponseError(_) => Failure::Transient,
                SdkError::DispatchFailure(dispatch)
                    if dispatch.is_io() || dispatch.is_timeout() =>
                {
                    Failure::Transient
                }
                _ => Failure::Final,
            };
            let error = ApiError {
                kind: ErrorKind::Other,
                code: "RequestFailed".to_owned(),
                message: crate::provider::aws::error_chain(&error),
            };
            (failure, error)
        }
    }
}

#[async_trait]
impl SecretsApi for SdkSecrets {
    async fn create(&self, name: &str, tags: &BTreeMap<String, String>) -> ApiResult<String> {
        let tags = sdk_tags(tags);
        let output = self
            .call(Operation::CreateSecret, || {
                self.client
                    .create_secret()
                    .name(name)
                    .set_tags(Some(tags.clone()))
                    .send()
            })
            .await?;
        output.arn.ok_or_else(|| ApiError {
            kind: ErrorKind::Other,
            code: "MissingArn".to_owned(),
            message: format!("CreateSecret for {name:?} answered without an ARN"),
        })
    }

    async fn describe(&self, name_or_arn: &str) -> ApiResult<Option<SecretInfo>> {
        let result = self
            .call(Operation::DescribeSecret, || {
                self.client.describe_secret().secret_id(name_or_arn).send()
            })
            .await;
        match result {
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
                    kms_key_id: output.kms_key_id,
                    replicated: !output.replication_status.unwrap_or_default().is_empty(),
                    rotation_enabled: output.rotation_enabled.unwrap_or(false),
                }))
            }
            Err(error) if error.kind == ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }

    async fn restore(&self, arn: &str) -> ApiResult<()> {
        self.call(Operation::RestoreSecret, || {
            self.client.restore_secret().secret_id(arn).send()
        })
        .await?;
        Ok(())
    }

    async fn delete(&self, arn: &str, recovery_window_in_days: i64) -> ApiResult<()> {
        let result = self
            .call(Operation::DeleteSecret, || {
                self.client
                    .delete_secret()
                    .secret_id(arn)
                    .recovery_window_in_days(recovery_window_in_days)
                    .send()
            })
            .await;
        match result {
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
        let tags = sdk_tags(tags);
        self.call(Operation::TagResource, || {
            self.client
                .tag_resource()
                .secret_id(arn)
                .set_tags(Some(tags.clone()))
                .send()
        })
        .await?;
        Ok(())
    }

    async fn untag(&self, arn: &str, keys: &[String]) -> ApiResult<()> {
        self.call(Operation::UntagResource, || {
            self.client
                .untag_resource()
                .secret_id(arn)
                .set_tag_keys(Some(keys.to_vec()))
                .send()
        })
        .await?;
        Ok(())
    }

    async fn has_resource_policy(&self, arn: &str) -> ApiResult<bool> {
        let output = self
            .call(Operation::GetResourcePolicy, || {
                self.client.get_resource_policy().secret_id(arn).send()
            })
            .await?;
        Ok(output
            .resource_policy
            .is_some_and(|policy| !policy.trim().is_empty()))
    }
}

#[cfg(test)]
mod tests {
    use super::is_about_scheduled_deletion;

    #[test]
    fn recognises_every_wording_of_scheduled_deletion() {
        for message in [
            "You can't create this secret because a secret with this name is already scheduled for deletion.",
            "You can't perform this operation on the secret because it was marked for deletion.",
            "You tried to perform the operation on a secret that's currently marked deleted.",
        ] {
            assert!(is_about_scheduled_deletion(message), "{message}");
        }
        assert!(!is_about_scheduled_deletion(
            "Invalid parameter RecoveryWindowInDays"
        ));
    }
}
