//! Retries for Secrets Manager calls: which failures are worth another try,
//! how long to wait, and when to give up.

use std::time::Duration;

/// How a failed attempt should be treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Over a quota: slow down, then retry.
    Throttled,
    /// A 5xx or an answer that could not be read: retry.
    Transient,
    /// No answer at all: refused, reset, DNS, connect or attempt timeout.
    /// Retried like a transient failure unless the endpoint counts as
    /// unreachable (`provider::outage`).
    Connection,
    /// Anything else is the answer.
    Final,
}

/// Error codes AWS uses for throttling across its APIs.
const THROTTLE_CODES: [&str; 6] = [
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
];

/// Classifies a service answer by its error code, message and HTTP status.
pub fn classify_service_error(code: &str, message: &str, status: u16) -> Failure {
    if THROTTLE_CODES.contains(&code) || status == 429 || message.contains("Rate exceeded") {
        Failure::Throttled
    } else if status >= 500
        || matches!(
            code,
            "InternalServiceError" | "InternalFailure" | "ServiceUnavailable"
        )
    {
        Failure::Transient
    } else {
        Failure::Final
    }
}

/// How many retries a call gets, and how its waits grow.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    pub max_retries: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

/// The provider's `max_retries` when it is not set: enough to ride out a
/// burst of throttling or a few seconds of network trouble.
pub const DEFAULT_MAX_RETRIES: u32 = 10;

impl RetryPolicy {
    pub fn new(max_retries: Option<u32>) -> Self {
        Self {
            max_retries: max_retries.unwrap_or(DEFAULT_MAX_RETRIES),
            base_delay: Duration::from_millis(50),
            max_delay: Duration::from_secs(5),
        }
    }

    /// "Full jitter" back-off: a random wait up to an exponentially growing
    /// ceiling, so that many retrying calls spread out instead of
    /// returning in lockstep.
    pub fn delay(&self, retry: u32) -> Duration {
        let ceiling = self
            .base_delay
            .saturating_mul(1u32.checked_shl(retry.min(16)).unwrap_or(u32::MAX))
            .min(self.max_delay);
        ceiling.mul_f64(fastrand::f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_throttles_transients_and_answers() {
        let cases = [
            (
                "ThrottlingException",
                "Rate exceeded",
                400,
                Failure::Throttled,
            ),
            ("", "", 429, Failure::Throttled),
            ("InternalServiceError", "", 500, Failure::Transient),
            ("Whatever", "", 503, Failure::Transient),
            ("AccessDeniedException", "no", 400, Failure::Final),
            ("ResourceExistsException", "", 400, Failure::Final),
        ];
        for (code, message, status, expected) in cases {
            assert_eq!(
                classify_service_error(code, message, status),
                expected,
                "{code} {message:?} {status}"
            );
        }
    }

    #[test]
    fn delays_grow_but_stay_capped() {
        let policy = RetryPolicy::new(None);
        assert_eq!(policy.max_retries, DEFAULT_MAX_RETRIES);
        for retry in 0..40 {
            let ceiling =
                Duration::from_millis(50 * (1u64 << retry.min(16))).min(Duration::from_secs(5));
            let delay = policy.delay(retry);
            assert!(delay <= ceiling, "retry {retry}: {delay:?} > {ceiling:?}");
        }
    }
}
