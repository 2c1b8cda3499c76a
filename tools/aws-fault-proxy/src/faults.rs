//! The fault configuration (the JSON accepted by `--faults` and `PUT /_proxy/faults`) and the
//! per-request decision made from it.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::rng::SplitMix64;

/// Longest added latency accepted, so a typo cannot hang a test suite.
const MAX_DELAY_MS: u64 = 600_000;

/// Which faults to inject. Every field is optional in JSON; the default injects nothing.
///
/// ```json
/// {
///   "quota_per_second": {"CreateSecret": 50, "DeleteSecret": 50, "*": 100},
///   "error_5xx_rate": 0.05,
///   "error_5xx_after_forward_rate": 0.0,
///   "reset_rate": 0.01,
///   "reset_after_forward": false,
///   "delay_ms": {"min": 0, "max": 0},
///   "deny": [{"operation": "CreateSecret", "secret": "app/prod/DB_PASSWORD"}],
///   "black_hole": ["DeleteSecret"],
///   "hold": ["CreateSecret"],
///   "refuse_connections": false,
///   "seed": 42
/// }
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Token bucket per operation: sustained rate in requests per second, burst of the same size
    /// (at least 1). Keys are operation names (`CreateSecret`) or full targets
    /// (`secretsmanager.CreateSecret`); `*` gives every other operation its own bucket of that
    /// rate. A rate of 0 throttles every call. Over quota: HTTP 400 `ThrottlingException`.
    pub quota_per_second: BTreeMap<String, f64>,
    /// Fraction of requests answered 500 `InternalFailure` without being forwarded.
    pub error_5xx_rate: f64,
    /// Fraction of requests forwarded (the side effect happens) whose answer is replaced by 500.
    pub error_5xx_after_forward_rate: f64,
    /// Fraction of requests whose connection is closed abruptly (TCP reset), with no answer.
    pub reset_rate: f64,
    /// Whether a reset happens after the request was forwarded and answered upstream (true) or
    /// instead of forwarding it (false).
    pub reset_after_forward: bool,
    /// Latency added to every request, drawn uniformly from `min..=max` milliseconds.
    pub delay_ms: DelayMs,
    /// Requests naming one of these secrets are answered 400 `AccessDeniedException`.
    pub deny: Vec<DenyRule>,
    /// Operations (names such as `DeleteSecret`, or `*` for all) that are never answered: the
    /// request is read, not forwarded, and the connection stays open until the client gives up
    /// (a "black hole", as a dead load balancer or a dropped route looks to a client).
    pub black_hole: Vec<String>,
    /// Operations (names, or `*` for all) whose requests wait at the proxy, not yet forwarded,
    /// until the faults are replaced by ones that no longer hold them; then they go on under
    /// the new faults. A gate a test opens: requests of two clients can be made to reach the
    /// upstream at the same moment.
    pub hold: Vec<String>,
    /// A dead endpoint: every new connection is reset as soon as it is accepted, and every
    /// request on a connection already open is reset unanswered, until this is turned off.
    pub refuse_connections: bool,
    /// Seed of the generator behind the rates and the delay; the same seed gives the same fate to
    /// the n-th request. Without one, a seed is taken from the clock.
    pub seed: Option<u64>,
}

/// Bounds of the added latency, in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DelayMs {
    pub min: u64,
    pub max: u64,
}

/// One access-denied rule. `operation` and `secret` are exact names or `*`. A secret matches
/// the request's `Name` or `SecretId`, and also a secret ARN of that name
/// (`arn:...:secret:NAME-AbCdEf`). `secret: "*"` matches every request of the operation, even
/// one naming no secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DenyRule {
    #[serde(default = "star")]
    pub operation: String,
    #[serde(default = "star")]
    pub secret: String,
}

fn star() -> String {
    "*".to_string()
}

impl DenyRule {
    pub fn new(operation: impl Into<String>, secret: impl Into<String>) -> Self {
        DenyRule {
            operation: operation.into(),
            secret: secret.into(),
        }
    }

    fn matches(&self, operation: &str, secret: Option<&str>) -> bool {
        if self.operation != "*" && self.operation != operation {
            return false;
        }
        if self.secret == "*" {
            return true;
        }
        secret.is_some_and(|s| s == self.secret || arn_names_secret(s, &self.secret))
    }
}

/// Whether `id` is a Secrets Manager ARN of the secret called `name`
/// (`arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX`).
fn arn_names_secret(id: &str, name: &str) -> bool {
    if !id.starts_with("arn:") {
        return false;
    }
    let Some(idx) = id.find(":secret:") else {
        return false;
    };
    let rest = &id[idx + ":secret:".len()..];
    match rest.strip_prefix(name) {
        Some(suffix) => {
            suffix.len() == 7
                && suffix.starts_with('-')
                && suffix[1..].bytes().all(|b| b.is_ascii_alphanumeric())
        }
        None => false,
    }
}

/// Why a fault configuration was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultsError(pub String);

impl fmt::Display for FaultsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FaultsError {}

impl Faults {
    /// Parses and validates the JSON form.
    pub fn from_json(text: &str) -> Result<Self, FaultsError> {
        let faults: Faults = serde_json::from_str(text)
            .map_err(|e| FaultsError(format!("invalid fault configuration: {e}")))?;
        faults.validate()?;
        Ok(faults)
    }

    /// Checks every value is within its range.
    pub fn validate(&self) -> Result<(), FaultsError> {
        for (name, rate) in [
            ("error_5xx_rate", self.error_5xx_rate),
            (
                "error_5xx_after_forward_rate",
                self.error_5xx_after_forward_rate,
            ),
            ("reset_rate", self.reset_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(FaultsError(format!(
                    "{name} must be a fraction between 0 and 1, got {rate}"
                )));
            }
        }
        for (op, quota) in &self.quota_per_second {
            if op.is_empty() {
                return Err(FaultsError(
                    "quota_per_second has an empty operation name".to_string(),
                ));
            }
            if !quota.is_finite() || *quota < 0.0 {
                return Err(FaultsError(format!(
                    "quota_per_second.{op} must be a number of requests per second >= 0, got {quota}"
                )));
            }
        }
        if self.delay_ms.min > self.delay_ms.max {
            return Err(FaultsError(format!(
                "delay_ms.min ({}) is greater than delay_ms.max ({})",
                self.delay_ms.min, self.delay_ms.max
            )));
        }
        if self.delay_ms.max > MAX_DELAY_MS {
            return Err(FaultsError(format!(
                "delay_ms.max must be at most {MAX_DELAY_MS}, got {}",
                self.delay_ms.max
            )));
        }
        if self.black_hole.iter().any(String::is_empty) {
            return Err(FaultsError(
                "black_hole lists an empty operation name (use \"*\" for every operation)"
                    .to_string(),
            ));
        }
        if self.hold.iter().any(String::is_empty) {
            return Err(FaultsError(
                "hold lists an empty operation name (use \"*\" for every operation)".to_string(),
            ));
        }
        for rule in &self.deny {
            if rule.operation.is_empty() || rule.secret.is_empty() {
                return Err(FaultsError(
                    "a deny rule needs a non-empty operation and secret (use \"*\" for any)"
                        .to_string(),
                ));
            }
        }
        Ok(())
    }

    /// Whether requests of `operation` wait at the gate.
    pub fn holds(&self, operation: &str) -> bool {
        self.hold.iter().any(|o| o == "*" || o == operation)
    }

    fn quota_for(&self, target: Option<&str>, operation: &str) -> Option<f64> {
        target
            .and_then(|t| self.quota_per_second.get(t))
            .or_else(|| self.quota_per_second.get(operation))
            .or_else(|| self.quota_per_second.get("*"))
            .copied()
    }
}

/// A fault decided before forwarding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Before {
    Throttle,
    /// Access denied, with the resource named in the message.
    Deny(String),
    Reset,
    Error5xx,
    /// Never answered.
    BlackHole,
}

/// A fault applied after the upstream answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum After {
    Reset,
    Error5xx,
}

/// What happens to one request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Plan {
    pub delay: Duration,
    pub before: Option<Before>,
    pub after: Option<After>,
}

struct Bucket {
    rate: f64,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn new(rate: f64, now: Instant) -> Self {
        Bucket {
            rate,
            tokens: capacity(rate),
            last: now,
        }
    }

    fn take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(capacity(self.rate));
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

fn capacity(rate: f64) -> f64 {
    if rate <= 0.0 {
        0.0
    } else {
        rate.max(1.0)
    }
}

/// The live configuration with its generator and token buckets.
pub(crate) struct FaultState {
    faults: Faults,
    rng: SplitMix64,
    buckets: HashMap<String, Bucket>,
}

impl FaultState {
    pub fn new(faults: Faults) -> Self {
        let rng = SplitMix64::new(faults.seed.unwrap_or_else(clock_seed));
        FaultState {
            faults,
            rng,
            buckets: HashMap::new(),
        }
    }

    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Decides the fate of one AWS operation. Every call draws the same number of values, so
    /// with a fixed seed the n-th request meets the same fate whatever else is configured.
    pub fn plan(
        &mut self,
        service: Option<&str>,
        target: Option<&str>,
        operation: &str,
        secret: Option<&str>,
        now: Instant,
    ) -> Plan {
        let r_delay = self.rng.next_f64();
        let r_reset = self.rng.next_f64();
        let r_5xx = self.rng.next_f64();
        let r_5xx_after = self.rng.next_f64();
        let f = &self.faults;

        let DelayMs { min, max } = f.delay_ms;
        let span = max - min;
        let extra = ((r_delay * (span as f64 + 1.0)) as u64).min(span);
        let delay = Duration::from_millis(min + extra);

        let mut before = None;
        if f.refuse_connections {
            before = Some(Before::Reset);
        } else if f.black_hole.iter().any(|o| o == "*" || o == operation) {
            before = Some(Before::BlackHole);
        }
        if let Some(rate) = f.quota_for(target, operation).filter(|_| before.is_none()) {
            let key = target.unwrap_or(operation).to_string();
            let bucket = self
                .buckets
                .entry(key)
                .or_insert_with(|| Bucket::new(rate, now));
            if !bucket.take(now) {
                before = Some(Before::Throttle);
            }
        }
        if before.is_none() && f.deny.iter().any(|r| r.matches(operation, secret)) {
            let action = match service {
                Some(s) => format!("{s}:{operation}"),
                None => operation.to_string(),
            };
            before = Some(Before::Deny(format!(
                "User is not authorized to perform {action} on resource {}",
                secret.unwrap_or("*")
            )));
        }
        let reset = r_reset < f.reset_rate;
        if before.is_none() && reset && !f.reset_after_forward {
            before = Some(Before::Reset);
        }
        if before.is_none() && r_5xx < f.error_5xx_rate {
            before = Some(Before::Error5xx);
        }
        let after = if before.is_some() {
            None
        } else if reset && f.reset_after_forward {
            Some(After::Reset)
        } else if r_5xx_after < f.error_5xx_after_forward_rate {
            Some(After::Error5xx)
        } else {
            None
        };
        Plan {
            delay,
            before,
            after,
        }
    }
}

fn clock_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0x5eed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_format() {
        let f = Faults::from_json(
            r#"{
             "quota_per_second": {"CreateSecret": 50, "DeleteSecret": 50},
             "error_5xx_rate": 0.05,
             "error_5xx_after_forward_rate": 0.01,
             "reset_rate": 0.01,
             "reset_after_forward": true,
             "delay_ms": {"min": 1, "max": 5},
             "deny": [{"operation": "CreateSecret", "secret": "name"}, {"operation": "*", "secret": "x"}],
             "seed": 42
            }"#,
        )
        .unwrap();
        assert_eq!(f.quota_per_second["CreateSecret"], 50.0);
        assert_eq!(f.error_5xx_rate, 0.05);
        assert!(f.reset_after_forward);
        assert_eq!(f.delay_ms, DelayMs { min: 1, max: 5 });
        assert_eq!(f.deny[1], DenyRule::new("*", "x"));
        assert_eq!(f.seed, Some(42));
        // Round trip through the GET form.
        let again = Faults::from_json(&serde_json::to_string(&f).unwrap()).unwrap();
        assert_eq!(again, f);
        assert_eq!(Faults::from_json("{}").unwrap(), Faults::default());
    }

    #[test]
    fn refuses_bad_values_and_unknown_fields() {
        for bad in [
            r#"{"error_5xx_rate": 1.5}"#,
            r#"{"reset_rate": -0.1}"#,
            r#"{"quota_per_second": {"CreateSecret": -1}}"#,
            r#"{"delay_ms": {"min": 5, "max": 1}}"#,
            r#"{"delay_ms": {"min": 0, "max": 99999999}}"#,
            r#"{"deny": [{"operation": "", "secret": "x"}]}"#,
            r#"{"error_rate": 0.1}"#,
            r#"{"seed": "abc"}"#,
            "not json",
        ] {
            assert!(Faults::from_json(bad).is_err(), "accepted {bad}");
        }
    }

    #[test]
    fn token_bucket_allows_burst_then_the_rate() {
        let t0 = Instant::now();
        let mut b = Bucket::new(10.0, t0);
        let ok = (0..50).filter(|_| b.take(t0)).count();
        assert_eq!(ok, 10);
        // 0.5 s later, five more tokens.
        let t1 = t0 + Duration::from_millis(500);
        let ok = (0..50).filter(|_| b.take(t1)).count();
        assert_eq!(ok, 5);
        // Never more than the burst, however long the pause.
        let t2 = t1 + Duration::from_secs(100);
        assert_eq!((0..50).filter(|_| b.take(t2)).count(), 10);
        // A zero quota throttles everything; a fractional one still lets one call through.
        let mut zero = Bucket::new(0.0, t0);
        assert!(!zero.take(t0 + Duration::from_secs(10)));
        let mut half = Bucket::new(0.5, t0);
        assert!(half.take(t0));
        assert!(!half.take(t0 + Duration::from_millis(1500)));
        assert!(half.take(t0 + Duration::from_millis(2100)));
    }

    #[test]
    fn quota_lookup_prefers_target_then_operation_then_star() {
        let f = Faults {
            quota_per_second: [
                ("secretsmanager.CreateSecret".to_string(), 1.0),
                ("CreateSecret".to_string(), 2.0),
                ("*".to_string(), 3.0),
            ]
            .into_iter()
            .collect(),
            ..Faults::default()
        };
        assert_eq!(
            f.quota_for(Some("secretsmanager.CreateSecret"), "CreateSecret"),
            Some(1.0)
        );
        assert_eq!(
            f.quota_for(Some("other.CreateSecret"), "CreateSecret"),
            Some(2.0)
        );
        assert_eq!(f.quota_for(None, "DeleteSecret"), Some(3.0));
        assert_eq!(Faults::default().quota_for(None, "DeleteSecret"), None);
    }

    #[test]
    fn deny_rules_match_names_arns_and_stars() {
        let r = DenyRule::new("CreateSecret", "app/db");
        assert!(r.matches("CreateSecret", Some("app/db")));
        assert!(!r.matches("CreateSecret", Some("app/db2")));
        assert!(!r.matches("DeleteSecret", Some("app/db")));
        assert!(!r.matches("CreateSecret", None));
        assert!(r.matches(
            "CreateSecret",
            Some("arn:aws:secretsmanager:us-east-1:000000000000:secret:app/db-AbC123")
        ));
        assert!(!r.matches(
            "CreateSecret",
            Some("arn:aws:secretsmanager:us-east-1:000000000000:secret:app/db-extra-AbC123")
        ));
        let any_op = DenyRule::new("*", "app/db");
        assert!(any_op.matches("DescribeSecret", Some("app/db")));
        let any_secret = DenyRule::new("ListSecrets", "*");
        assert!(any_secret.matches("ListSecrets", None));
        assert!(!any_secret.matches("CreateSecret", None));
    }

    #[test]
    fn plans_are_reproducible_for_a_seed() {
        let faults = Faults {
            error_5xx_rate: 0.3,
            reset_rate: 0.1,
            delay_ms: DelayMs { min: 2, max: 9 },
            seed: Some(7),
            ..Faults::default()
        };
        let now = Instant::now();
        let run = |faults: Faults| {
            let mut s = FaultState::new(faults);
            (0..200)
                .map(|_| s.plan(Some("secretsmanager"), None, "CreateSecret", None, now))
                .collect::<Vec<_>>()
        };
        let a = run(faults.clone());
        assert_eq!(a, run(faults.clone()));
        assert_ne!(
            a,
            run(Faults {
                seed: Some(8),
                ..faults.clone()
            })
        );
        let errors = a
            .iter()
            .filter(|p| p.before == Some(Before::Error5xx))
            .count();
        let resets = a.iter().filter(|p| p.before == Some(Before::Reset)).count();
        assert!((35..=85).contains(&errors), "{errors} errors of 200");
        assert!((5..=40).contains(&resets), "{resets} resets of 200");
        assert!(a
            .iter()
            .all(|p| (2..=9).contains(&(p.delay.as_millis() as u64))));
        assert!(a.iter().any(|p| p.delay.as_millis() == 2));
        assert!(a.iter().any(|p| p.delay.as_millis() == 9));
    }

    #[test]
    fn after_forward_faults() {
        let now = Instant::now();
        let mut s = FaultState::new(Faults {
            reset_rate: 1.0,
            reset_after_forward: true,
            ..Faults::default()
        });
        let p = s.plan(None, None, "CreateSecret", None, now);
        assert_eq!((p.before, p.after), (None, Some(After::Reset)));
        let mut s = FaultState::new(Faults {
            error_5xx_after_forward_rate: 1.0,
            ..Faults::default()
        });
        let p = s.plan(None, None, "CreateSecret", None, now);
        assert_eq!((p.before, p.after), (None, Some(After::Error5xx)));
        // Nothing configured, nothing injected.
        let mut s = FaultState::new(Faults::default());
        assert_eq!(s.plan(None, None, "X", Some("y"), now), Plan::default());
    }

    #[test]
    fn deny_message_names_action_and_resource() {
        let mut s = FaultState::new(Faults {
            deny: vec![DenyRule::new("CreateSecret", "app/db")],
            ..Faults::default()
        });
        let p = s.plan(
            Some("secretsmanager"),
            Some("secretsmanager.CreateSecret"),
            "CreateSecret",
            Some("app/db"),
            Instant::now(),
        );
        assert_eq!(
            p.before,
            Some(Before::Deny(
                "User is not authorized to perform secretsmanager:CreateSecret on resource app/db"
                    .to_string()
            ))
        );
    }
}
