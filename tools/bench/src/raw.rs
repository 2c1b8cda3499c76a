//! The ceiling: the same CreateSecret / DescribeSecret / DeleteSecret calls
//! the provider makes, from a bare concurrent SDK loop with the provider's
//! concurrency.

use std::time::{Duration, Instant};

use aws_config::BehaviorVersion;
use aws_sdk_secretsmanager::config::{Credentials, Region};
use aws_sdk_secretsmanager::Client;
use futures::stream::{self, StreamExt, TryStreamExt};

/// The provider's calls in flight per resource (`provider::batch`).
pub const IN_FLIGHT: usize = 16;

pub struct RawTimes {
    pub create: Duration,
    pub describe: Duration,
    pub delete: Duration,
}

pub async fn client(endpoint: &str) -> Client {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "bench"))
        .endpoint_url(endpoint)
        .load()
        .await;
    Client::new(&config)
}

pub async fn run(endpoint: &str, prefix: &str, n: usize) -> Result<RawTimes, String> {
    let client = &client(endpoint).await;
    let names: Vec<String> = (0..n).map(|i| format!("{prefix}/s{i}")).collect();

    let (create, arns) = timed_concurrently(&names, |name| async move {
        let out = client.create_secret().name(name).send().await;
        let out = out.map_err(|e| format!("CreateSecret {name}: {e}"))?;
        Ok(out.arn.unwrap_or_default())
    })
    .await?;
    let (describe, _) = timed_concurrently(&arns, |arn| async move {
        let out = client.describe_secret().secret_id(arn).send().await;
        out.map(drop)
            .map_err(|e| format!("DescribeSecret {arn}: {e}"))
    })
    .await?;
    let (delete, _) = timed_concurrently(&arns, |arn| async move {
        let request = client
            .delete_secret()
            .secret_id(arn)
            .recovery_window_in_days(7);
        let out = request.send().await;
        out.map(drop)
            .map_err(|e| format!("DeleteSecret {arn}: {e}"))
    })
    .await?;
    Ok(RawTimes {
        create,
        describe,
        delete,
    })
}

/// Runs `call` for every item with [`IN_FLIGHT`] calls at a time, as the
/// provider does, and returns how long that took with the results.
async fn timed_concurrently<'a, T, F, Fut>(
    items: &'a [String],
    call: F,
) -> Result<(Duration, Vec<T>), String>
where
    F: Fn(&'a str) -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let started = Instant::now();
    let results = stream::iter(items.iter())
        .map(|item| call(item))
        .buffer_unordered(IN_FLIGHT)
        .try_collect()
        .await?;
    Ok((started.elapsed(), results))
}
