//! The ceiling: the same CreateSecret / DescribeSecret / DeleteSecret calls
//! the provider makes (CreateSecret carries the same ownership tags), from a
//! bare concurrent SDK loop with the provider's concurrency.

use std::time::{Duration, Instant};

use aws_config::BehaviorVersion;
use aws_sdk_secretsmanager::config::{Credentials, Region};
use aws_sdk_secretsmanager::types::Tag;
use aws_sdk_secretsmanager::Client;
use futures::stream::{self, StreamExt, TryStreamExt};
use planton::provider::batch::MAX_IN_FLIGHT;
use planton::provider::tags::ownership_tags;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RawTimes {
    pub create: Duration,
    pub describe: Duration,
    pub delete: Duration,
}

impl RawTimes {
    /// The mean of several runs, operation by operation (`None` for none).
    pub fn mean(runs: &[RawTimes]) -> Option<RawTimes> {
        let count = u32::try_from(runs.len()).ok().filter(|&c| c > 0)?;
        let mean_of =
            |pick: fn(&RawTimes) -> Duration| runs.iter().map(pick).sum::<Duration>() / count;
        Some(RawTimes {
            create: mean_of(|r| r.create),
            describe: mean_of(|r| r.describe),
            delete: mean_of(|r| r.delete),
        })
    }
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
    let tags: &Vec<Tag> = &ownership_tags(&Default::default(), "asm-bench-raw")
        .into_iter()
        .map(|(key, value)| Tag::builder().key(key).value(value).build())
        .collect();

    let (create, arns) = timed_concurrently(&names, |name| async move {
        let request = client
            .create_secret()
            .name(name)
            .set_tags(Some(tags.clone()));
        let out = request.send().await;
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

/// Runs `call` for every item with [`MAX_IN_FLIGHT`] calls at a time, as the
/// provider does, and returns how long that took with the results.
pub async fn timed_concurrently<'a, T, F, Fut>(
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
        .buffer_unordered(MAX_IN_FLIGHT)
        .try_collect()
        .await?;
    Ok((started.elapsed(), results))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn times(create: u64, describe: u64, delete: u64) -> RawTimes {
        RawTimes {
            create: Duration::from_millis(create),
            describe: Duration::from_millis(describe),
            delete: Duration::from_millis(delete),
        }
    }

    #[test]
    fn mean_is_per_operation() {
        assert_eq!(RawTimes::mean(&[]), None);
        assert_eq!(
            RawTimes::mean(&[times(1000, 800, 600), times(1400, 1000, 900)]),
            Some(times(1200, 900, 750))
        );
    }
}
