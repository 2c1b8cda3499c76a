//! The project's recording proxy (tools/aws-fault-proxy), run in-process in
//! front of LocalStack, so a test sees every AWS operation the provider sent.

use std::collections::BTreeSet;

use aws_fault_proxy::{start_blocking, Operation, ProxyConfig, ProxyHandle};

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
