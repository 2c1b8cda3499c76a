//! An adaptive client-side rate per operation.
//!
//! Until the service first throttles, calls are limited only by concurrency.
//! A throttle sets the rate a little below the throughput that provoked it;
//! then the rate creeps up slowly until the next throttle. The rate thus
//! settles just under the service's quota instead of bouncing off it, and
//! operations with generous quotas (DescribeSecret) are never slowed by
//! those with tight ones (CreateSecret).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// After a throttle, the rate becomes this share of the observed throughput.
const BACK_OFF: f64 = 0.9;
/// Each second without a throttle the rate grows by this share.
const RECOVERY: f64 = 0.03;
/// Throttles that arrive within this time of a cut are echoes of the same
/// overload (calls already in flight) and do not cut again.
const CUT_COOLDOWN: Duration = Duration::from_millis(1000);
/// Throughput is measured over this window.
const WINDOW: Duration = Duration::from_secs(1);
const MIN_RATE: f64 = 1.0;

#[derive(Debug, Default)]
pub struct AdaptiveRate {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Calls per second; `None` until the first throttle.
    rate: Option<f64>,
    /// When the next call may start.
    next_slot: Option<Instant>,
    last_cut: Option<Instant>,
    last_raise: Option<Instant>,
    /// Completion times of recent admitted calls.
    recent: VecDeque<Instant>,
}

impl AdaptiveRate {
    pub fn new() -> Self {
        Self::default()
    }

    /// The current limit, if any (for logs and tests).
    pub fn rate(&self) -> Option<f64> {
        self.lock().rate
    }

    /// How long the caller must wait before starting its call. The slot is
    /// reserved at once, so concurrent callers are spaced evenly.
    pub fn reserve(&self, now: Instant) -> Duration {
        let mut state = self.lock();
        let Some(rate) = state.rate else {
            return Duration::ZERO;
        };
        let slot = state.next_slot.map_or(now, |next| next.max(now));
        state.next_slot = Some(slot + Duration::from_secs_f64(1.0 / rate));
        slot - now
    }

    /// Records a call the service admitted: any answer but a throttle
    /// (a 5xx or an access error still used the quota).
    pub fn on_admitted(&self, now: Instant) {
        let mut state = self.lock();
        state.recent.push_back(now);
        while state
            .recent
            .front()
            .is_some_and(|t| now.duration_since(*t) > WINDOW)
        {
            state.recent.pop_front();
        }
        if let Some(rate) = state.rate {
            let since = state
                .last_raise
                .map_or(Duration::MAX, |t| now.duration_since(t));
            if since >= Duration::from_secs(1) {
                state.rate = Some(rate + (rate * RECOVERY).max(0.5));
                state.last_raise = Some(now);
            }
        }
    }

    pub fn on_throttle(&self, now: Instant) {
        let mut state = self.lock();
        if state
            .last_cut
            .is_some_and(|t| now.duration_since(t) < CUT_COOLDOWN)
        {
            return;
        }
        while state
            .recent
            .front()
            .is_some_and(|t| now.duration_since(*t) > WINDOW)
        {
            state.recent.pop_front();
        }
        let observed = state.recent.len() as f64 / WINDOW.as_secs_f64();
        let basis = match state.rate {
            Some(rate) => rate.min(observed.max(MIN_RATE)),
            None => observed,
        };
        state.rate = Some((basis * BACK_OFF).max(MIN_RATE));
        state.last_cut = Some(now);
        state.last_raise = Some(now);
        // Start the new pace from now rather than from a backlog of slots.
        state.next_slot = Some(now);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unlimited_until_the_first_throttle() {
        let rate = AdaptiveRate::new();
        let now = Instant::now();
        for _ in 0..100 {
            assert_eq!(rate.reserve(now), Duration::ZERO);
        }
        assert_eq!(rate.rate(), None);
    }

    #[test]
    fn throttle_sets_rate_below_observed_throughput() {
        let rate = AdaptiveRate::new();
        let start = Instant::now();
        // 60 successes within one second, then a throttle.
        for i in 0..60 {
            rate.on_admitted(start + Duration::from_millis(i * 15));
        }
        let at = start + Duration::from_millis(900);
        rate.on_throttle(at);
        let limit = rate.rate().unwrap();
        assert!((50.0..=55.0).contains(&limit), "{limit}");
        // Echoes of the same overload do not cut again.
        rate.on_throttle(at + Duration::from_millis(10));
        assert_eq!(rate.rate().unwrap(), limit);
    }

    #[test]
    fn slots_are_spaced_by_the_rate() {
        let rate = AdaptiveRate::new();
        let now = Instant::now();
        for i in 0..10 {
            rate.on_admitted(now - Duration::from_millis(i * 10));
        }
        rate.on_throttle(now); // ~9 calls/s
        let waits: Vec<Duration> = (0..3).map(|_| rate.reserve(now)).collect();
        assert_eq!(waits[0], Duration::ZERO);
        assert!(
            waits[1] > Duration::from_millis(100) && waits[2] > waits[1],
            "{waits:?}"
        );
    }

    #[test]
    fn rate_recovers_slowly_without_throttles() {
        let rate = AdaptiveRate::new();
        let start = Instant::now();
        rate.on_throttle(start); // nothing observed: the floor
        let floor = rate.rate().unwrap();
        for s in 1..=10 {
            rate.on_admitted(start + Duration::from_secs(s));
        }
        let recovered = rate.rate().unwrap();
        assert!(
            recovered > floor && recovered < floor + 10.0,
            "{floor} -> {recovered}"
        );
    }
}
