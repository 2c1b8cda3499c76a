//! The project's recording proxy (tools/aws-fault-proxy), run in-process in
//! front of LocalStack, so a test sees every AWS operation the provider sent.

use std::collections::{BTreeMap, BTreeSet};
use std::thread;
use std::time::{Duration, Instant};

use aws_fault_proxy::{start_blocking, Faults, Operation, ProxyConfig, ProxyHandle};

/// The only operations the provider may ever send. (GetResourcePolicy
/// answers with the policy, never a value: it proves a secret is clean
/// before it is adopted or restored.)
pub const ALLOWED_OPERATIONS: [&str; 11] = [
    "CreateSecret",
    "DescribeSecret",
    "DeleteSecret",
    "RestoreSecret",
    "TagResource",
    "UntagResource",
    "ListSecrets",
    "GetCallerIdentity",
    "GetResourcePolicy",
    // Role assumption (assume_role, web identity): STS, never a secret.
    "AssumeRole",
    "AssumeRoleWithWebIdentity",
];

/// Operations that carry or reveal a secret value: never sent.
pub const VALUE_OPERATIONS: [&str; 5] = [
    "GetSecretValue",
    "BatchGetSecretValue",
    "PutSecretValue",
    "UpdateSecret",
    "UpdateSecretVersionStage",
];

/// A recording proxy in front of an upstream (LocalStack). Stops when
/// dropped.
pub struct RecordingProxy {
    handle: ProxyHandle,
}

impl RecordingProxy {
    /// Starts a proxy on a free loopback port, forwarding to `upstream`.
    pub fn start(upstream: &str) -> RecordingProxy {
        let handle = start_blocking(ProxyConfig::new(upstream))
            .unwrap_or_else(|e| panic!("starting the recording proxy in front of {upstream}: {e}"));
        RecordingProxy { handle }
    }

    /// `http://127.0.0.1:PORT`, for the provider's `endpoints`.
    pub fn endpoint(&self) -> String {
        self.handle.endpoint()
    }

    /// Every operation recorded since the start or the last [`clear`](Self::clear).
    pub fn operations(&self) -> Vec<Operation> {
        self.handle.operations()
    }

    /// The operation names recorded (null names as `"(none)"`).
    pub fn operation_names(&self) -> Vec<String> {
        self.operations()
            .iter()
            .map(|op| op.operation.clone().unwrap_or_else(|| "(none)".into()))
            .collect()
    }

    /// How many of each operation were recorded, by name, such as
    /// `{"CreateSecret": 5, "DescribeSecret": 10}`.
    pub fn calls_by_type(&self) -> BTreeMap<String, usize> {
        let mut calls = BTreeMap::new();
        for name in self.operation_names() {
            *calls.entry(name).or_default() += 1;
        }
        calls
    }

    /// Injects `faults` from now on (the proxy is the project's fault
    /// proxy; it records either way).
    pub fn set_faults(&self, faults: Faults) {
        self.handle.set_faults(faults);
    }

    /// Injects nothing from now on.
    pub fn clear_faults(&self) {
        self.handle.set_faults(Faults::default());
    }

    /// Waits until at least `n` `operation` requests were recorded, or
    /// `timeout` passed; true if they were.
    pub fn wait_for(&self, operation: &str, n: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while self.count(operation) < n {
            if Instant::now() >= deadline {
                return false;
            }
            thread::sleep(Duration::from_millis(10));
        }
        true
    }

    /// The distinct operation names recorded.
    pub fn operation_set(&self) -> BTreeSet<String> {
        self.operation_names().into_iter().collect()
    }

    /// How many `operation` requests were recorded.
    pub fn count(&self, operation: &str) -> usize {
        self.operations()
            .iter()
            .filter(|op| op.operation.as_deref() == Some(operation))
            .count()
    }

    /// How many `operation` requests were recorded for the group's own
    /// secrets, leaving out the lease secrets (`planton.ai/lease/...`) the
    /// first apply after an import makes and schedules.
    pub fn count_except_leases(&self, operation: &str) -> usize {
        count_except_leases(&self.operations(), operation)
    }

    /// Forgets what was recorded; returns how many operations that was.
    pub fn clear(&self) -> usize {
        self.handle.clear_operations()
    }

    /// Asserts that everything recorded is an allowed operation, that no
    /// value operation was ever sent and that no DeleteSecret skipped the
    /// recovery window.
    pub fn assert_no_value_ever(&self, context: &str) {
        let ops = self.operations();
        let listing = || {
            ops.iter()
                .map(|op| {
                    format!(
                        "{} {}{}",
                        op.operation.as_deref().unwrap_or("(none)"),
                        op.secret.as_deref().unwrap_or("-"),
                        if op.force_delete { " FORCE" } else { "" }
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        for op in &ops {
            let name = op.operation.as_deref().unwrap_or("(none)");
            assert!(
                !VALUE_OPERATIONS.contains(&name),
                "{context}: the provider sent {name}, which carries a secret value:\n{}",
                listing()
            );
            assert!(
                ALLOWED_OPERATIONS.contains(&name),
                "{context}: the provider sent {name}, which is not one of {ALLOWED_OPERATIONS:?}:\n{}",
                listing()
            );
            assert!(
                !op.force_delete,
                "{context}: the provider sent DeleteSecret with ForceDeleteWithoutRecovery for {:?}:\n{}",
                op.secret,
                listing()
            );
        }
    }
}

/// How many `operation` requests in `ops` name anything but a lease secret.
pub fn count_except_leases(ops: &[Operation], operation: &str) -> usize {
    ops.iter()
        .filter(|op| op.operation.as_deref() == Some(operation))
        .filter(|op| {
            !op.secret
                .as_deref()
                .is_some_and(|s| s.contains("planton.ai/lease/"))
        })
        .count()
}
