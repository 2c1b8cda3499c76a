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
    let client = client(endpoint).await;
    let names: Vec<String> = (0..n).map(|i| format!("{prefix}/s{i}")).collect();

    let started = Instant::now();
    let arns: Vec<String> = stream::iter(names.iter())
        .map(|name| {
            let client = &client;
            async move {
                let out = client
                    .create_secret()
                    .name(name)
                    .send()
                    .await
                    .map_err(|e| format!("CreateSecret {name}: {e}"))?;
                Ok::<_, String>(out.arn.unwrap_or_default())
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .try_collect()
        .await?;
    let create = started.elapsed();

    let started = Instant::now();
    stream::iter(arns.iter())
        .map(|arn| {
            let client = &client;
            async move {
                client
                    .describe_secret()
                    .secret_id(arn)
                    .send()
                    .await
                    .map_err(|e| format!("DescribeSecret {arn}: {e}"))?;
                Ok::<_, String>(())
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .try_collect::<Vec<()>>()
        .await?;
    let describe = started.elapsed();

    let started = Instant::now();
    stream::iter(arns.iter())
        .map(|arn| {
            let client = &client;
            async move {
                client
                    .delete_secret()
                    .secret_id(arn)
                    .recovery_window_in_days(7)
                    .send()
                    .await
                    .map_err(|e| format!("DeleteSecret {arn}: {e}"))?;
                Ok::<_, String>(())
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .try_collect::<Vec<()>>()
        .await?;
    let delete = started.elapsed();
    Ok(RawTimes {
        create,
        describe,
        delete,
    })
}
