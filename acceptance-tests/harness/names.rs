//! Unique names for tests that share one LocalStack.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Eight lowercase hex characters, different on every call (process id,
/// time, a counter and std's per-process random hash keys).
pub fn random_suffix() -> String {
    let mut h = RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    format!("{:08x}", h.finish() as u32)
}

/// A secret-name prefix unique to one test run, such as
/// `acc/plan-basic-1a2b3c4d/`: only characters Secrets Manager allows in
/// names, ending in `/` so names built on it read as a path.
pub fn unique_prefix(test: &str) -> String {
    let test: String = test
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("acc/{test}-{}/", random_suffix())
}
