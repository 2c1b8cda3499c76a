//! [`SecretsApi`] over the AWS SDK, with this provider's own retries and
//! adaptive per-operation rate (the SDK's retries are turned off for this
//! client, see `provider::aws`).

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::time::{Instant, SystemTime};

use async_trait::async_trait;
use aws_sdk_secretsmanager::config::http::HttpResponse;
use aws_sdk_secretsmanager::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretOutput;
use aws_sdk_secretsmanager::primitives::DateTime;
use aws_sdk_secretsmanager::types::{Filter, FilterNameStringType, SecretListEntry, Tag};
use aws_sdk_secretsmanager::Client;
use tracing::{debug, Instrument};

use super::{
    ApiError, ApiResult, ErrorKind, ListFilter, ListPage, SecretInfo, SecretsApi, LIST_PAGE_SIZE,
    NOT_SENT,
};
use crate::provider::bounds::{CALL_BUDGET, STOP_GRACE};
use crate::provider::outage::{Breaker, Outage};
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
    ListSecrets,
    UpdateSecret,
}

const OPERATIONS: usize = 9;

pub struct SdkSecrets {
    client: Client,
    policy: RetryPolicy,
    rates: [AdaptiveRate; OPERATIONS],
    breaker: Breaker,
    stop: StopSignal,
    /// Per-operation pacing (`retry_mode = "adaptive"`); without it only
    /// the back-off between retries.
    paced: bool,
}

impl SdkSecrets {
    /// `endpoint` is where `client` sends its requests, for diagnostics.
    pub fn new(client: Client, endpoint: &str, policy: RetryPolicy, stop: StopSignal) -> Self {
        Self {
            client,
            policy,
            rates: Default::default(),
            breaker: Breaker::new(endpoint),
            stop,
            paced: true,
        }
    }

    /// With `false`, no pacing: retries with back-off only.
    pub fn paced(self, paced: bool) -> Self {
        Self { paced, ..self }
    }

    /// Runs one operation with pacing and retries, within
    /// [`CALL_BUDGET`]. A stop request ends the waiting at once, and a
    /// request already sent after [`STOP_GRACE`] (reported as
    /// [`ErrorKind::Abandoned`]). While the endpoint counts as unreachable,
    /// nothing is sent ([`ErrorKind::Unreachable`]).
    /// `target` (a secret's name or ARN, or what a listing asks for) goes
    /// into the span every attempt's log line repeats (see
    /// `provider::aws::call_log`).
    async fn call<T, E, F, Fut>(
        &self,
        operation: Operation,
        target: &str,
        mut attempt: F,
    ) -> ApiResult<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let rate = &self.rates[operation as usize];
        let began = Instant::now();
        let mut retry = 0;
        loop {
            let wait = if self.paced {
                rate.reserve(Instant::now())
            } else {
                std::time::Duration::ZERO
            };
            if !wait.is_zero() && !self.pause(wait).await {
                return Err(stopped(operation));
            }
            if let Err(outage) = self.breaker.admit(Instant::now()) {
                return Err(unreachable(&outage, false));
            }
            let sent = Instant::now();
            let span = tracing::debug_span!("aws_call", secret = target, attempt = retry + 1);
            let Some(result) = self.unless_abandoned(attempt().instrument(span)).await else {
                return Err(abandoned(operation));
            };
            let error = match result {
                Ok(output) => {
                    self.breaker.on_answer();
                    rate.on_admitted(Instant::now());
                    return Ok(output);
                }
                Err(error) => error,
            };
            let (failure, mut error) = classify(error);
            if failure == Failure::Connection {
                self.breaker
                    .on_connection_failure(sent, &error.message, Instant::now());
                if let Some(outage) = self.breaker.outage() {
                    return Err(unreachable(&outage, true));
                }
                error.message = format!(
                    "{} did not answer: {}",
                    self.breaker.endpoint(),
                    error.message
                );
            } else {
                self.breaker.on_answer();
            }
            if failure == Failure::Throttled {
                rate.on_throttle(Instant::now());
            } else {
                rate.on_admitted(Instant::now());
            }
            if failure == Failure::Final {
                return Err(error);
            }
            if retry >= self.policy.max_retries {
                return Err(gave_up(error, retry + 1, "raise max_retries to try longer"));
            }
            let delay = self.policy.delay(retry);
            if began.elapsed() + delay >= CALL_BUDGET {
                return Err(gave_up(
                    error,
                    retry + 1,
                    &format!("no retry starts {}s after the first", CALL_BUDGET.as_secs()),
                ));
            }
            debug!(operation = ?operation, code = %error.code, retry, "retrying");
            if !self.pause(delay).await {
                return Err(gave_up(
                    error,
                    retry + 1,
                    "Terraform asked the provider to stop",
                ));
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

    /// Awaits a request, unless a stop is requested and it stays
    /// unanswered [`STOP_GRACE`] longer: then it is dropped (which cancels
    /// it) and `None` says its outcome is unknown.
    async fn unless_abandoned<R>(&self, request: impl Future<Output = R>) -> Option<R> {
        tokio::select! {
            result = request => Some(result),
            () = async {
                self.stop.stopped().await;
                tokio::time::sleep(STOP_GRACE).await;
            } => None,
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

fn abandoned(operation: Operation) -> ApiError {
    ApiError {
        kind: ErrorKind::Abandoned,
        code: "Abandoned".to_owned(),
        message: format!(
            "{operation:?} was sent but had not answered {}s after Terraform asked the provider \
             to stop, so it was abandoned; whether it took effect is unknown",
            STOP_GRACE.as_secs()
        ),
    }
}

/// `sent`: whether this request went out (and failed) or was held back.
fn unreachable(outage: &Outage, sent: bool) -> ApiError {
    ApiError {
        kind: ErrorKind::Unreachable,
        code: if sent { "RequestFailed" } else { NOT_SENT }.to_owned(),
        message: format!("{} is unreachable: {}", outage.endpoint, outage.cause),
    }
}

fn gave_up(mut error: ApiError, attempts: u32, why: &str) -> ApiError {
    error.message = format!(
        "{} (gave up after {attempts} attempts; {why})",
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

/// The stage label of the version a reader gets by default.
const CURRENT_STAGE: &str = "AWSCURRENT";

/// Whether a version labelled AWSCURRENT exists (version ids and labels
/// only: never a value).
fn has_current_version(versions: Option<HashMap<String, Vec<String>>>) -> bool {
    versions.is_some_and(|versions| {
        versions
            .values()
            .any(|stages| stages.iter().any(|stage| stage == CURRENT_STAGE))
    })
}

fn time(date: Option<DateTime>) -> Option<SystemTime> {
    date.and_then(|d| SystemTime::try_from(d).ok())
}

/// What the provider keeps of a DescribeSecret answer (which never carries
/// a value; version ids and their labels only say whether one exists).
fn secret_info(output: DescribeSecretOutput, name_or_arn: &str) -> SecretInfo {
    let tags = tag_map(output.tags);
    let has_current_version = has_current_version(output.version_ids_to_stages);
    SecretInfo {
        name: output.name.unwrap_or_else(|| name_or_arn.to_owned()),
        arn: output.arn.unwrap_or_default(),
        scheduled_for_deletion: output.deleted_date.is_some(),
        tags,
        kms_key_id: output.kms_key_id,
        replicated: !output.replication_status.unwrap_or_default().is_empty(),
        rotation_enabled: output.rotation_enabled.unwrap_or(false),
        has_current_version,
        created: time(output.created_date),
        last_changed: time(output.last_changed_date),
        last_accessed: time(output.last_accessed_date),
    }
}

/// What a listing asks for, for the log: its name prefixes, else `*`.
fn listing_target(filter: &ListFilter) -> String {
    if filter.name_prefixes.is_empty() {
        "*".to_owned()
    } else {
        format!("{}*", filter.name_prefixes.join("*,"))
    }
}

/// The SDK's filters for a [`ListFilter`] (several filters: all must match).
fn sdk_filters(filter: &ListFilter) -> Vec<Filter> {
    [
        (
            FilterNameStringType::TagKey,
            Vec::from_iter(filter.tag_key.clone()),
        ),
        (
            FilterNameStringType::TagValue,
            Vec::from_iter(filter.tag_value.clone()),
        ),
        (FilterNameStringType::Name, filter.name_prefixes.clone()),
    ]
    .into_iter()
    .filter(|(_, values)| !values.is_empty())
    .map(|(key, values)| Filter::builder().key(key).set_values(Some(values)).build())
    .collect()
}

/// What a ListSecrets entry tells (never a value; replication not told).
fn listed_secret(entry: SecretListEntry) -> SecretInfo {
    SecretInfo {
        name: entry.name.unwrap_or_default(),
        arn: entry.arn.unwrap_or_default(),
        scheduled_for_deletion: entry.deleted_date.is_some(),
        tags: tag_map(entry.tags),
        kms_key_id: entry.kms_key_id,
        replicated: false,
        rotation_enabled: entry.rotation_enabled.unwrap_or(false),
        has_current_version: has_current_version(entry.secret_versions_to_stages),
        created: time(entry.created_date),
        last_changed: time(entry.last_changed_date),
        last_accessed: time(entry.last_accessed_date),
    }
}

fn tag_map(tags: Option<Vec<Tag>>) -> BTreeMap<String, String> {
    tags.unwrap_or_default()
        .into_iter()
        .filter_map(|t| Some((t.key?, t.value.unwrap_or_default())))
        .collect()
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
                SdkError::TimeoutError(_) => Failure::Connection,
                SdkError::DispatchFailure(dispatch)
                    if dispatch.is_io() || dispatch.is_timeout() =>
                {
                    Failure::Connection
                }
                SdkError::ResponseError(_) => Failure::Transient,
                _ => Failure::Final,
            };
            let kind = match failure {
                Failure::Connection => ErrorKind::Unreachable,
                _ => ErrorKind::Other,
            };
            let error = ApiError {
                kind,
                code: "RequestFailed".to_owned(),
                message: crate::provider::aws::error_chain(&error),
            };
            (failure, error)
        }
    }
}

#[async_trait]
impl SecretsApi for SdkSecrets {
    async fn create(
        &self,
        name: &str,
        tags: &BTreeMap<String, String>,
        kms_key_id: Option<&str>,
    ) -> ApiResult<String> {
        let tags = sdk_tags(tags);
        let output = self
            .call(Operation::CreateSecret, name, || {
                self.client
                    .create_secret()
                    .name(name)
                    .set_tags(Some(tags.clone()))
                    .set_kms_key_id(kms_key_id.map(str::to_owned))
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
            .call(Operation::DescribeSecret, name_or_arn, || {
                self.client.describe_secret().secret_id(name_or_arn).send()
            })
            .await;
        match result {
            Ok(output) => Ok(Some(secret_info(output, name_or_arn))),
            Err(error) if error.kind == ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }

    async fn restore(&self, arn: &str) -> ApiResult<()> {
        self.call(Operation::RestoreSecret, arn, || {
            self.client.restore_secret().secret_id(arn).send()
        })
        .await?;
        Ok(())
    }

    async fn delete(&self, arn: &str, recovery_window_in_days: i64) -> ApiResult<()> {
        let result = self
            .call(Operation::DeleteSecret, arn, || {
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
        self.call(Operation::TagResource, arn, || {
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
        self.call(Operation::UntagResource, arn, || {
            self.client
                .untag_resource()
                .secret_id(arn)
                .set_tag_keys(Some(keys.to_vec()))
                .send()
        })
        .await?;
        Ok(())
    }

    async fn set_kms_key(&self, arn: &str, kms_key_id: &str) -> ApiResult<()> {
        self.call(Operation::UpdateSecret, arn, || {
            self.client
                .update_secret()
                .secret_id(arn)
                .kms_key_id(kms_key_id)
                .send()
        })
        .await?;
        Ok(())
    }

    async fn has_resource_policy(&self, arn: &str) -> ApiResult<bool> {
        let output = self
            .call(Operation::GetResourcePolicy, arn, || {
                self.client.get_resource_policy().secret_id(arn).send()
            })
            .await?;
        Ok(output
            .resource_policy
            .is_some_and(|policy| !policy.trim().is_empty()))
    }

    async fn list_page(
        &self,
        filter: &ListFilter,
        next_token: Option<&str>,
    ) -> ApiResult<ListPage> {
        let filters = sdk_filters(filter);
        let output = self
            .call(Operation::ListSecrets, &listing_target(filter), || {
                self.client
                    .list_secrets()
                    .set_filters(Some(filters.clone()).filter(|f| !f.is_empty()))
                    .include_planned_deletion(filter.include_scheduled)
                    .max_results(LIST_PAGE_SIZE)
                    .set_next_token(next_token.map(str::to_owned))
                    .send()
            })
            .await?;
        Ok(ListPage {
            secrets: output
                .secret_list
                .unwrap_or_default()
                .into_iter()
                .map(listed_secret)
                .collect(),
            next_token: output.next_token,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::batch::{run_all, Outcome};
    use crate::provider::test_endpoints::{answering, black_hole, closed_port_url};
    use crate::tf::stop::StopSource;
    use aws_sdk_secretsmanager::config::{BehaviorVersion, Credentials, Region};
    use aws_smithy_types::retry::RetryConfig;
    use aws_smithy_types::timeout::TimeoutConfig;
    use std::sync::atomic::Ordering;
    use std::time::Duration;

    fn secrets(url: &str, attempt_timeout: Duration, stop: StopSignal) -> SdkSecrets {
        let config = aws_sdk_secretsmanager::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "test"))
            .endpoint_url(url)
            .retry_config(RetryConfig::disabled())
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(1))
                    .operation_attempt_timeout(attempt_timeout)
                    .build(),
            )
            .build();
        SdkSecrets::new(Client::from_conf(config), url, RetryPolicy::new(None), stop)
    }

    /// Describes `count` names through `api` and returns the errors.
    async fn describe_many(api: &SdkSecrets, count: usize) -> Vec<ApiError> {
        let names: Vec<String> = (0..count).map(|i| format!("n{i}")).collect();
        run_all(names, &StopSignal::never(), |name| async move {
            api.describe(&name).await
        })
        .await
        .into_iter()
        .map(|(name, outcome)| match outcome {
            Outcome::Failed(error) => error,
            _ => panic!("{name} did not fail"),
        })
        .collect()
    }

    #[tokio::test]
    async fn a_refused_endpoint_fails_every_name_at_once_with_one_cause() {
        let url = closed_port_url().await;
        let api = secrets(&url, Duration::from_secs(5), StopSignal::never());
        let began = Instant::now();
        let errors = describe_many(&api, 300).await;
        let elapsed = began.elapsed();
        assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
        assert!(errors.iter().all(|e| e.kind == ErrorKind::Unreachable));
        assert!(
            errors.iter().all(|e| e.message.starts_with(&url)),
            "{:?}",
            errors[0]
        );
        let not_sent = errors.iter().filter(|e| e.code == NOT_SENT).count();
        assert!(not_sent > 250, "only {not_sent} of 300 held back");
    }

    #[tokio::test]
    async fn a_black_hole_is_an_outage_after_one_attempt_timeout() {
        let (url, accepted) = black_hole().await;
        let api = secrets(&url, Duration::from_millis(400), StopSignal::never());
        let began = Instant::now();
        let errors = describe_many(&api, 200).await;
        let elapsed = began.elapsed();
        assert!(elapsed < Duration::from_secs(6), "took {elapsed:?}");
        assert!(errors.iter().all(|e| e.kind == ErrorKind::Unreachable));
        let connections = accepted.load(Ordering::SeqCst);
        assert!(connections < 60, "{connections} connections for 200 names");
    }

    #[tokio::test]
    async fn throttles_and_5xx_never_count_as_an_outage() {
        let body = r#"{"__type":"InternalFailure","message":"boom"}"#;
        let (url, count, _) = answering(
            "500 Internal Server Error",
            "application/x-amz-json-1.1",
            body,
        )
        .await;
        let mut api = secrets(&url, Duration::from_secs(5), StopSignal::never());
        api.policy.max_retries = 4;
        api.policy.max_delay = Duration::from_millis(10);
        let errors = describe_many(&api, 5).await;
        assert!(
            errors.iter().all(|e| e.kind == ErrorKind::Other),
            "{errors:?}"
        );
        assert!(
            errors[0].message.contains("gave up after 5 attempts"),
            "{errors:?}"
        );
        assert_eq!(count.load(Ordering::SeqCst), 25);
        assert!(api.breaker.outage().is_none());
    }

    #[tokio::test]
    async fn errors_never_carry_the_request_or_its_body() {
        // An endpoint the SDK cannot use (from the environment, where the
        // provider block's checks do not reach): its error embeds a Debug
        // dump of the whole request.
        let api = secrets(
            "http://127.0.0.1:1 ",
            Duration::from_secs(5),
            StopSignal::never(),
        );
        let error = api.describe("n").await.unwrap_err().to_string();
        assert!(error.contains("endpoint is not a valid URI"), "{error}");
        for leak in ["SdkBody", "SecretId", "x-amz-target", "Request {"] {
            assert!(!error.contains(leak), "{leak} leaked: {error}");
        }
    }

    #[tokio::test]
    async fn a_stop_abandons_an_unanswered_request_after_the_grace() {
        let (url, _) = black_hole().await;
        let source = StopSource::new();
        let api = secrets(&url, Duration::from_secs(120), source.signal());
        let began = Instant::now();
        let call = api.describe("n");
        let stop = async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            source.stop();
        };
        let (result, ()) = tokio::join!(call, stop);
        let elapsed = began.elapsed();
        let error = result.unwrap_err();
        assert_eq!(error.kind, ErrorKind::Abandoned, "{error:?}");
        assert!(
            elapsed >= STOP_GRACE,
            "abandoned before the grace: {elapsed:?}"
        );
        assert!(
            elapsed < STOP_GRACE + Duration::from_secs(2),
            "took {elapsed:?}"
        );
    }

    /// A DescribeSecret answer in AWS's wire format for a rotated secret
    /// on a customer key that has been read: the fields and spellings the
    /// service sends (dates as epoch seconds, LastAccessedDate at midnight
    /// UTC, a version per label), with made-up ids. LocalStack cannot
    /// rotate without a Lambda service, so this is where the mapping of
    /// rotation is checked.
    const ROTATED_AND_READ: &str = r#"{"ARN":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:payments/prod/STRIPE_KEY-Ab12Cd","Name":"payments/prod/STRIPE_KEY","KmsKeyId":"arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b","RotationEnabled":true,"RotationLambdaARN":"arn:aws:lambda:eu-west-1:123456789012:function:rotate-stripe","RotationRules":{"AutomaticallyAfterDays":30},"LastRotatedDate":1.717459200E9,"LastChangedDate":1.717459321442E9,"LastAccessedDate":1.7179776E9,"NextRotationDate":1.720051199E9,"Tags":[{"Key":"team","Value":"payments"}],"VersionIdsToStages":{"3b5c9e2a-1111-4c1e-9a55-0d6f7e8a9b01":["AWSPREVIOUS"],"7c1d2e3f-2222-4a5b-8c9d-0e1f2a3b4c5d":["AWSCURRENT"]},"CreatedDate":1.700000000123E9}"#;

    /// A container made without a value and never read: no versions, no
    /// LastAccessedDate, no KmsKeyId, no RotationEnabled.
    const EMPTY_NEVER_READ: &str = r#"{"ARN":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/prod/DB_PASSWORD-Zz99Yy","Name":"app/prod/DB_PASSWORD","LastChangedDate":1.7000001E9,"Tags":[],"CreatedDate":1.7000001E9}"#;

    /// A rotation started on a secret that never had a value: a pending
    /// version, none current.
    const ONLY_PENDING: &str = r#"{"ARN":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:x-Aa11Bb","Name":"x","RotationEnabled":true,"VersionIdsToStages":{"9d8c7b6a-3333-4f2e-8d1c-0b9a8f7e6d5c":["AWSPENDING"]},"CreatedDate":1.7E9,"LastChangedDate":1.7E9}"#;

    async fn describe_answer(body: &'static str) -> SecretInfo {
        let (url, count, _) = answering("200 OK", "application/x-amz-json-1.1", body).await;
        let api = secrets(&url, Duration::from_secs(5), StopSignal::never());
        let info = api.describe("n").await.unwrap().expect("described");
        assert_eq!(count.load(Ordering::SeqCst), 1);
        info
    }

    fn at(secs: f64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs_f64(secs)
    }

    fn close(got: Option<SystemTime>, want: f64) {
        let got = got
            .expect("a date")
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap();
        assert!((got.as_secs_f64() - want).abs() < 1e-3, "{got:?} vs {want}");
    }

    #[tokio::test]
    async fn describe_keeps_versions_dates_rotation_and_key_of_an_aws_answer() {
        let info = describe_answer(ROTATED_AND_READ).await;
        assert_eq!(info.name, "payments/prod/STRIPE_KEY");
        assert!(info.has_current_version);
        assert!(info.rotation_enabled);
        assert_eq!(
            info.customer_kms_key(),
            Some("arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b")
        );
        close(info.created, 1_700_000_000.123);
        close(info.last_changed, 1_717_459_321.442);
        assert_eq!(info.last_accessed, Some(at(1_717_977_600.0)));
        assert!(!info.scheduled_for_deletion);

        let empty = describe_answer(EMPTY_NEVER_READ).await;
        assert!(!empty.has_current_version);
        assert!(!empty.rotation_enabled);
        assert_eq!(empty.last_accessed, None);
        assert_eq!(empty.kms_key_id, None);
        close(empty.created, 1_700_000_100.0);

        let pending = describe_answer(ONLY_PENDING).await;
        assert!(!pending.has_current_version);
        assert!(pending.rotation_enabled);
    }

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
