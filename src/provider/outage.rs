//! One outage, one diagnostic: a breaker per endpoint that every call
//! reports to. After a run of connection-level failures (refused, reset,
//! DNS, timeouts) with no answer in between, the endpoint counts as
//! unreachable and further calls fail at once, unsent, with the same cause,
//! instead of each name spending its own retries on a dead endpoint.
//!
//! Any answer from the endpoint (even a throttle or a 5xx) proves it is
//! reachable and ends the run: those keep their ordinary retries.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::provider::bounds::{OUTAGE_AFTER, OUTAGE_FAILURES, OUTAGE_PROBE_EVERY};

/// Why an endpoint counts as unreachable, for the one diagnostic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outage {
    /// The endpoint, as a URL.
    pub endpoint: String,
    /// The last connection-level failure, in words.
    pub cause: String,
}

/// The breaker of one endpoint, shared by every call to it.
#[derive(Debug)]
pub struct Breaker {
    endpoint: String,
    threshold: Thresholds,
    state: Mutex<State>,
}

#[derive(Clone, Copy, Debug)]
struct Thresholds {
    failures: u32,
    after: Duration,
    probe_every: Duration,
}

#[derive(Debug, Default)]
struct State {
    /// Connection-level failures since the last answer.
    streak: u32,
    /// When the first attempt of the streak was sent.
    streak_since: Option<Instant>,
    /// Set while the endpoint counts as unreachable.
    open: Option<Open>,
}

#[derive(Debug)]
struct Open {
    cause: String,
    /// The last time a request was let through (opening counts).
    last_probe: Instant,
}

impl Breaker {
    pub fn new(endpoint: impl Into<String>) -> Self {
        Self::with_thresholds(
            endpoint,
            Thresholds {
                failures: OUTAGE_FAILURES,
                after: OUTAGE_AFTER,
                probe_every: OUTAGE_PROBE_EVERY,
            },
        )
    }

    fn with_thresholds(endpoint: impl Into<String>, threshold: Thresholds) -> Self {
        Self {
            endpoint: endpoint.into(),
            threshold,
            state: Mutex::new(State::default()),
        }
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether a request may be sent now: `Err` while the endpoint is out,
    /// except for one probe every [`OUTAGE_PROBE_EVERY`].
    pub fn admit(&self, now: Instant) -> Result<(), Outage> {
        let mut state = self.state();
        let probe_every = self.threshold.probe_every;
        match &mut state.open {
            None => Ok(()),
            Some(open) if now.saturating_duration_since(open.last_probe) >= probe_every => {
                open.last_probe = now;
                Ok(())
            }
            Some(open) => Err(Outage {
                endpoint: self.endpoint.clone(),
                cause: open.cause.clone(),
            }),
        }
    }

    /// The endpoint answered (whatever the answer): it is reachable.
    pub fn on_answer(&self) {
        let mut state = self.state();
        if state.open.is_some() {
            tracing::info!(endpoint = %self.endpoint, "endpoint answers again");
        }
        *state = State::default();
    }

    /// A request sent at `sent` failed at the connection level.
    pub fn on_connection_failure(&self, sent: Instant, cause: &str, now: Instant) {
        let mut state = self.state();
        state.streak += 1;
        let since = state.streak_since.map_or(sent, |s| s.min(sent));
        state.streak_since = Some(since);
        let long = now.saturating_duration_since(since) >= self.threshold.after;
        if state.streak >= self.threshold.failures || long {
            if state.open.is_none() {
                tracing::warn!(
                    endpoint = %self.endpoint,
                    cause,
                    failures = state.streak,
                    "endpoint unreachable; no new requests until it answers"
                );
            }
            state.open = Some(Open {
                cause: cause.to_owned(),
                last_probe: now,
            });
        }
    }

    /// The outage in force, if any.
    pub fn outage(&self) -> Option<Outage> {
        self.state().open.as_ref().map(|open| Outage {
            endpoint: self.endpoint.clone(),
            cause: open.cause.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker() -> Breaker {
        Breaker::with_thresholds(
            "http://127.0.0.1:9",
            Thresholds {
                failures: 3,
                after: Duration::from_secs(15),
                probe_every: Duration::from_secs(10),
            },
        )
    }

    #[test]
    fn opens_after_consecutive_connection_failures() {
        let b = breaker();
        let t = Instant::now();
        b.admit(t).unwrap();
        b.on_connection_failure(t, "connection refused", t);
        b.on_connection_failure(t, "connection refused", t);
        assert!(b.admit(t).is_ok(), "two failures are not an outage");
        b.on_connection_failure(t, "connection refused", t);
        let outage = b.admit(t).unwrap_err();
        assert_eq!(outage.endpoint, "http://127.0.0.1:9");
        assert_eq!(outage.cause, "connection refused");
        assert_eq!(b.outage(), Some(outage));
    }

    #[test]
    fn any_answer_ends_the_streak() {
        let b = breaker();
        let t = Instant::now();
        for _ in 0..10 {
            b.on_connection_failure(t, "reset", t);
            b.on_connection_failure(t, "reset", t);
            b.on_answer();
        }
        assert!(b.admit(t).is_ok());
        assert_eq!(b.outage(), None);
    }

    #[test]
    fn one_long_unanswered_request_is_an_outage() {
        let b = breaker();
        let sent = Instant::now();
        let now = sent + Duration::from_secs(20);
        b.on_connection_failure(sent, "timed out", now);
        assert_eq!(b.admit(now).unwrap_err().cause, "timed out");
    }

    #[test]
    fn probes_one_request_now_and_then_and_closes_on_an_answer() {
        let b = breaker();
        let t = Instant::now();
        for _ in 0..3 {
            b.on_connection_failure(t, "refused", t);
        }
        assert!(b.admit(t + Duration::from_secs(5)).is_err());
        let probe = t + Duration::from_secs(10);
        assert!(b.admit(probe).is_ok(), "the probe goes through");
        assert!(b.admit(probe).is_err(), "only one probe");
        b.on_connection_failure(probe, "refused", probe);
        assert!(b.admit(probe + Duration::from_secs(1)).is_err());
        let next = probe + Duration::from_secs(10);
        assert!(b.admit(next).is_ok());
        b.on_answer();
        assert!(b.admit(next).is_ok());
        assert!(b.admit(next).is_ok());
    }
}
