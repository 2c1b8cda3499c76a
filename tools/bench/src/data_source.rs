//! The data source read with N names, by the provider under test beside a
//! baseline binary (the data source as it was before it gave readiness
//! metadata), in alternating rounds on the same secrets, and one more read
//! of each through the recording proxy to count the AWS calls it makes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use aws_fault_proxy::ProxyConfig;

use crate::raw::{client, timed_concurrently};
use crate::terraform::Bench;

/// Rounds of each binary; the figures are medians, so one slow round (a
/// LocalStack pause) moves nothing.
pub const ROUNDS: usize = 5;

/// What one binary's reads measured.
pub struct Reads {
    /// Wall time of each `terraform plan`.
    pub plan: Vec<Duration>,
    /// The provider's ReadDataSource time in each.
    pub provider: Vec<Duration>,
    /// The AWS operations of one read, by name.
    pub calls: BTreeMap<String, usize>,
}

pub struct DataSourceFigures {
    pub names: usize,
    /// How many of the names hold a value (every other one).
    pub with_value: usize,
    pub current: Reads,
    pub baseline: Option<Reads>,
}

/// The median of `times` (zero for none).
pub fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

impl Reads {
    pub fn plan_median(&self) -> Duration {
        median(&self.plan)
    }

    pub fn provider_median(&self) -> Duration {
        median(&self.provider)
    }
}

/// Makes `<prefix>/s0..n` (every other one with a value, written here with
/// the SDK as a secret's owner would), reads them with `provider` and
/// `baseline` in alternating rounds, counts one read's calls each, and
/// schedules the secrets for deletion.
pub async fn compare(
    tf: &Bench,
    endpoint: &str,
    provider: &Path,
    baseline: Option<&Path>,
    prefix: &str,
    n: usize,
) -> Result<DataSourceFigures, String> {
    let aws = &client(endpoint).await;
    let names: Vec<String> = (0..n).map(|i| format!("{prefix}/s{i}")).collect();
    let (even, odd): (Vec<_>, Vec<_>) = names
        .iter()
        .cloned()
        .enumerate()
        .partition(|(i, _)| i % 2 == 0);
    let with_value: Vec<String> = even.into_iter().map(|(_, name)| name).collect();
    let without_value: Vec<String> = odd.into_iter().map(|(_, name)| name).collect();
    timed_concurrently(&with_value, |name| async move {
        let out = aws
            .create_secret()
            .name(name)
            .secret_string("bench")
            .send()
            .await;
        out.map(drop)
            .map_err(|e| format!("CreateSecret {name}: {e}"))
    })
    .await?;
    timed_concurrently(&without_value, |name| async move {
        let out = aws.create_secret().name(name).send().await;
        out.map(drop)
            .map_err(|e| format!("CreateSecret {name}: {e}"))
    })
    .await?;

    let dir_of = |binary: &Path| -> Result<PathBuf, String> {
        binary
            .parent()
            .map(Path::to_path_buf)
            .ok_or_else(|| format!("{} has no directory", binary.display()))
    };
    let mut binaries = vec![("current", dir_of(provider)?)];
    if let Some(baseline) = baseline {
        binaries.push(("baseline", dir_of(baseline)?));
    }
    let mut reads: Vec<Reads> = binaries
        .iter()
        .map(|_| Reads {
            plan: Vec::new(),
            provider: Vec::new(),
            calls: BTreeMap::new(),
        })
        .collect();
    for round in 0..ROUNDS {
        // Alternate which goes first, so neither always meets a warmer
        // LocalStack.
        let mut order: Vec<usize> = (0..binaries.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for i in order {
            let (label, dir) = &binaries[i];
            let (plan, rpc) =
                tf.with(dir, endpoint)
                    .read_data_source(&format!("data-{label}"), prefix, n)?;
            reads[i].plan.push(plan);
            reads[i].provider.push(rpc.elapsed);
        }
    }

    let proxy = aws_fault_proxy::start(ProxyConfig::new(endpoint))
        .await
        .map_err(|e| format!("starting the recording proxy: {e}"))?;
    for ((label, dir), read) in binaries.iter().zip(&mut reads) {
        proxy.clear_operations();
        tf.with(dir, &proxy.endpoint()).read_data_source(
            &format!("data-{label}-counted"),
            prefix,
            n,
        )?;
        for op in proxy.operations() {
            let name = op.operation.unwrap_or_else(|| "(none)".to_owned());
            *read.calls.entry(name).or_default() += 1;
        }
    }
    proxy.shutdown().await;

    timed_concurrently(&names, |name| async move {
        let out = aws
            .delete_secret()
            .secret_id(name)
            .recovery_window_in_days(7)
            .send()
            .await;
        out.map(drop)
            .map_err(|e| format!("DeleteSecret {name}: {e}"))
    })
    .await?;

    let mut reads = reads.into_iter();
    Ok(DataSourceFigures {
        names: n,
        with_value: with_value.len(),
        current: reads.next().ok_or("no reads of the current binary")?,
        baseline: reads.next(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_takes_the_middle_round() {
        let ms = Duration::from_millis;
        assert_eq!(
            median(&[ms(900), ms(100), ms(300), ms(200), ms(250)]),
            ms(250)
        );
        assert_eq!(median(&[]), Duration::ZERO);
    }
}
