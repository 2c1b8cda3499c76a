//! How long the provider waits for AWS, in one place: the clients, the
//! retry loop, the outage breaker and the stop grace read these, and the
//! registry documentation's "Timeouts and failures" section is written from
//! them, so the documented bounds are the ones in force.
//!
//! They are fixed rather than provider arguments: a user who waits on a
//! dead endpoint needs a prompt failure, not a knob, and `max_retries`
//! already sets how patient the provider is with an endpoint that answers
//! (throttling, 5xx). Fewer arguments also keep plan and apply agreeing.

use std::time::Duration;

/// Opening a TCP (and TLS) connection to any AWS endpoint.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// One Secrets Manager request, from sending to the whole answer. The
/// operations the provider uses answer in well under a second.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(20);

/// One STS request (GetCallerIdentity while configuring).
pub const STS_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// GetCallerIdentity with the SDK's own retries, in total.
pub const STS_OPERATION_TIMEOUT: Duration = Duration::from_secs(25);

/// One Secrets Manager call with every retry and back-off wait. No retry
/// starts once this much time has passed since the call began.
pub const CALL_BUDGET: Duration = Duration::from_secs(120);

/// Consecutive connection-level failures (refused, reset, DNS, timeouts)
/// after which the endpoint counts as unreachable.
pub const OUTAGE_FAILURES: u32 = 3;

/// An endpoint that has failed at the connection level, with no answer in
/// between, for this long counts as unreachable even after fewer failures
/// (one request left unanswered until [`ATTEMPT_TIMEOUT`]).
pub const OUTAGE_AFTER: Duration = Duration::from_secs(15);

/// While an endpoint counts as unreachable, one request is let through this
/// often to see whether it is back; all others fail without being sent.
pub const OUTAGE_PROBE_EVERY: Duration = Duration::from_secs(10);

/// After StopProvider (Ctrl-C), requests already sent get this long to
/// answer before they are abandoned and reported as uncertain.
pub const STOP_GRACE: Duration = Duration::from_secs(3);

fn secs(duration: Duration) -> u64 {
    duration.as_secs()
}

/// The "Timeouts and failures" section of the provider's documentation.
pub fn documentation() -> String {
    format!(
        "## Timeouts and failures\n\
\n\
Every AWS request is bounded; the bounds are fixed (not arguments), so that a dead endpoint \
is reported in under a minute with any configuration:\n\
\n\
| what | bound |\n\
|---|---|\n\
| opening a connection to any endpoint | {connect} s |\n\
| one Secrets Manager request | {attempt} s |\n\
| credential validation (STS GetCallerIdentity), retries included | {sts_attempt} s per request, {sts_total} s in total |\n\
| one Secrets Manager call, retries and back-off included | {budget} s |\n\
| answer after Terraform asks the provider to stop (Ctrl-C, CI cancellation) | requests in flight get {grace} s, then are abandoned |\n\
\n\
- **Throttling and 5xx answers** are retried up to `max_retries` times (default 10) with \
  adaptive pacing; the endpoint is answering, so this is patience, not a hang.\n\
- **Unreachable endpoints**: a refused, reset or timed-out connection, or a name that does \
  not resolve, is a connection-level failure. After {failures} of them in a row on one \
  endpoint (or {after} s of them with no answer in between), the provider stops sending \
  requests there and reports **one** error naming the endpoint, the cause and how many \
  secrets were not handled. While it is out, one request every {probe} s checks whether it is \
  back.\n\
- **State stays true**: what was created is recorded, what was deleted leaves state. A \
  request whose answer never came (reset, timeout, abandoned at stop) may or may not have \
  taken effect; the next apply settles it (a secret it did create carries this resource's id \
  tag and is adopted, a delete is sent again).\n\
- **Refresh never guesses**: if the state of any recorded secret cannot be learned, the \
  refresh fails with one error listing how many and which, so `terraform plan` exits non-zero \
  instead of saying \"No changes\" unchecked. A secret that is really gone still drops out.\n\
- **Signals**: SIGINT and SIGTERM to the provider process are logged and otherwise ignored \
  while Terraform runs, because Terraform stops the provider itself (StopProvider) and must \
  still receive its answer to record state; the provider exits as soon as Terraform is gone.\n",
        connect = secs(CONNECT_TIMEOUT),
        attempt = secs(ATTEMPT_TIMEOUT),
        sts_attempt = secs(STS_ATTEMPT_TIMEOUT),
        sts_total = secs(STS_OPERATION_TIMEOUT),
        budget = secs(CALL_BUDGET),
        grace = secs(STOP_GRACE),
        failures = OUTAGE_FAILURES,
        after = secs(OUTAGE_AFTER),
        probe = secs(OUTAGE_PROBE_EVERY),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dead_endpoint_is_reported_within_a_minute() {
        // The slowest single-name failure: one connect that hangs to its
        // timeout, then attempts until the outage rule trips.
        assert!(OUTAGE_AFTER <= ATTEMPT_TIMEOUT);
        assert!(ATTEMPT_TIMEOUT + CONNECT_TIMEOUT < Duration::from_secs(60));
        assert!(STS_OPERATION_TIMEOUT < Duration::from_secs(60));
        assert!(STS_ATTEMPT_TIMEOUT < STS_OPERATION_TIMEOUT);
        assert!(STOP_GRACE < Duration::from_secs(10));
    }

    #[test]
    fn the_documentation_states_every_bound() {
        let text = documentation();
        assert!(text.starts_with("## Timeouts and failures\n"));
        for needle in [
            format!("| {} s |", secs(CONNECT_TIMEOUT)),
            format!("| {} s |", secs(ATTEMPT_TIMEOUT)),
            format!("{} s in total", secs(STS_OPERATION_TIMEOUT)),
            format!("| {} s |", secs(CALL_BUDGET)),
            format!("get {} s", secs(STOP_GRACE)),
            format!("After {} of them", OUTAGE_FAILURES),
        ] {
            assert!(text.contains(&needle), "{needle:?} missing from:\n{text}");
        }
    }
}
