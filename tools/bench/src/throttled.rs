//! The case AWS users live in: every write operation behind a quota of 50
//! requests per second (the fault proxy answers ThrottlingException past
//! it, as AWS does). The provider's create rate is compared with the quota
//! and with a raw SDK loop through the same proxy, in one run.

use std::time::Instant;

use aws_fault_proxy::{start_blocking, Faults, Operation, ProxyConfig, ProxyHandle};
use futures::stream::{self, StreamExt};
use planton::provider::batch::MAX_IN_FLIGHT;

use crate::raw;
use crate::terraform::Bench;

/// AWS's quota for CreateSecret, DeleteSecret, RestoreSecret and
/// TagResource/UntagResource, per account and region.
pub const QUOTA: f64 = 50.0;
const WRITES: [&str; 5] = [
    "CreateSecret",
    "DeleteSecret",
    "RestoreSecret",
    "TagResource",
    "UntagResource",
];

#[derive(Clone, Copy, Debug)]
pub struct Throttled {
    pub names: usize,
    /// Names created per second between the first and last CreateSecret.
    pub provider_rate: f64,
    /// The same for the raw loop.
    pub raw_rate: f64,
    /// ThrottlingException answers the provider provoked.
    pub provider_throttled: usize,
}

pub fn proxy(upstream: &str) -> Result<ProxyHandle, String> {
    let mut config = ProxyConfig::new(upstream);
    config.faults = Faults {
        quota_per_second: WRITES.iter().map(|op| (op.to_string(), QUOTA)).collect(),
        ..Faults::default()
    };
    start_blocking(config).map_err(|e| format!("starting the fault proxy: {e}"))
}

pub async fn run(
    bench: &Bench,
    upstream: &str,
    prefix: &str,
    n: usize,
) -> Result<Throttled, String> {
    let proxy = proxy(upstream)?;
    bench
        .through(&proxy.endpoint())
        .apply_only(&format!("{prefix}/tf"), n)?;
    let ops = proxy.operations();
    let provider_rate = create_rate(&ops, n)?;
    let provider_throttled = ops
        .iter()
        .filter(|op| op.operation.as_deref() == Some("CreateSecret") && op.status == Some(400))
        .count();
    proxy.clear_operations();
    raw_creates(&proxy.endpoint(), &format!("{prefix}/raw"), n).await?;
    let raw_rate = create_rate(&proxy.operations(), n)?;
    Ok(Throttled {
        names: n,
        provider_rate,
        raw_rate,
        provider_throttled,
    })
}

/// `n` names over the span from the first to the last CreateSecret seen.
fn create_rate(ops: &[Operation], n: usize) -> Result<f64, String> {
    let times: Vec<u64> = ops
        .iter()
        .filter(|op| op.operation.as_deref() == Some("CreateSecret"))
        .map(|op| op.ts_ms)
        .collect();
    let (Some(first), Some(last)) = (times.iter().min(), times.iter().max()) else {
        return Err("no CreateSecret went through the proxy".into());
    };
    Ok(n as f64 / ((last - first).max(1) as f64 / 1000.0))
}

/// A bare loop with the provider's concurrency that retries a throttled
/// or failed (5xx: LocalStack's store races under load) create after a
/// short pause, as any client must.
async fn raw_creates(endpoint: &str, prefix: &str, n: usize) -> Result<(), String> {
    let client = &raw::client(endpoint).await;
    let names: Vec<String> = (0..n).map(|i| format!("{prefix}/s{i}")).collect();
    let started = Instant::now();
    let results: Vec<Result<(), String>> = stream::iter(names.iter())
        .map(|name| async move {
            loop {
                match client.create_secret().name(name).send().await {
                    Ok(_) => return Ok(()),
                    Err(e) if started.elapsed().as_secs() < 600 && is_retryable(&e) => {
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    }
                    Err(e) => return Err(format!("CreateSecret {name}: {e:?}")),
                }
            }
        })
        .buffer_unordered(MAX_IN_FLIGHT)
        .collect()
        .await;
    results.into_iter().collect::<Result<Vec<()>, String>>()?;
    Ok(())
}

fn is_retryable<E: std::fmt::Debug>(error: &E) -> bool {
    let text = format!("{error:?}");
    text.contains("Throttling") || text.contains("InternalError")
}
