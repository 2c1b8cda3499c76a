//! One log line when an RPC starts and one when it ends, with how long it
//! took and the process's peak memory so far: what the benchmark reads to
//! time the provider's own share of a Terraform run.

use std::time::Instant;

use tracing::debug;

pub struct RpcTimer {
    rpc: &'static str,
    started: Instant,
}

impl RpcTimer {
    pub fn start(rpc: &'static str) -> Self {
        debug!(rpc, "rpc started");
        Self {
            rpc,
            started: Instant::now(),
        }
    }
}

impl Drop for RpcTimer {
    fn drop(&mut self) {
        let elapsed_ms = self.started.elapsed().as_secs_f64() * 1000.0;
        debug!(
            rpc = self.rpc,
            elapsed_ms,
            peak_rss_kb = peak_rss_kb(),
            "rpc completed"
        );
    }
}

/// VmHWM from /proc/self/status: the most resident memory the process has
/// used so far (0 where /proc is not available).
pub fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(target_os = "linux")]
    fn peak_rss_is_read_on_linux() {
        assert!(super::peak_rss_kb() > 0);
    }
}
