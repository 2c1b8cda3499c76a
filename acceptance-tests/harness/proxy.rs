//! The project's recording proxy (tools/aws-fault-proxy), run in-process in
//! front of LocalStack, so a test sees every AWS operation the provider sent.
//!
//! Every proxy the harness starts ([`RecordingProxy`], and the fault
//! proxy of `resilience`) runs in strict-AWS mode: it answers as AWS's API
//! reference documents where LocalStack is more lenient (50 tags per secret,
//! tag lengths and characters, the `aws:` prefix, only DescribeSecret,
//! RestoreSecret, ListSecrets and ListSecretVersionIds on a secret scheduled
//! for deletion, ListSecrets hiding secrets younger than
//! [`SUITE_LIST_LAG_SECONDS`]). What passes here works on AWS. The tests that
//! bypass a rule are listed, with the reason, in [`BYPASSES`], and each
//! prints that line when it runs.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::thread;
use std::time::{Duration, Instant};

use aws_fault_proxy::{start_blocking, Faults, Operation, ProxyConfig, ProxyHandle, StrictAws};

/// How long ListSecrets hides a new secret behind the suite's proxies:
/// AWS's API reference says a listing "might not reflect changes from the
/// last five minutes" (API_ListSecrets), and no test lasts that long after
/// its first create, so no test sees its own secrets in a listing.
pub const SUITE_LIST_LAG_SECONDS: u64 = 300;

/// A strict-AWS rule a test may bypass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bypass {
    /// ListSecrets shows new secrets at once (the lag is 0).
    ListLag,
}

/// Every test that bypasses a strict-AWS rule (by its `for_each_terraform`
/// name), the rule, and why. Each prints its line when it runs.
pub const BYPASSES: &[(&str, Bypass, &str)] = &[
    (
        "lost_state_is_rebuilt_by_query_and_one_apply_with_the_same_arns",
        Bypass::ListLag,
        LISTING_UNDER_TEST,
    ),
    (
        "import_by_identity_moves_a_group_to_a_new_address_and_refuses_bad_identities",
        Bypass::ListLag,
        LISTING_UNDER_TEST,
    ),
    (
        "a_killed_first_apply_is_found_by_query_and_recovered_by_identity",
        Bypass::ListLag,
        LISTING_UNDER_TEST,
    ),
    (
        "hand_made_secrets_migrate_by_an_import_block_and_identity_follows_the_client",
        Bypass::ListLag,
        LISTING_UNDER_TEST,
    ),
    (
        "a_lost_group_with_a_scheduled_secret_is_recovered_whole_with_include_scheduled",
        Bypass::ListLag,
        LISTING_UNDER_TEST,
    ),
    (
        "a_denied_listing_fails_fast_with_one_error_and_a_throttled_one_is_paced",
        Bypass::ListLag,
        LISTING_UNDER_TEST,
    ),
    (
        "resilience_kill9",
        Bypass::ListLag,
        "it asserts that the apply after a kill -9 refuses before any write, naming the \
         orphans; a create of more than 32 names finds existing names by ListSecrets, which \
         shows the killed run's secrets only minutes later on AWS: a retry within that time \
         creates the other names first, then refuses the orphans (the resource's notes say \
         so). Every other rule applies",
    ),
    (
        "two_workspaces_importing_one_group_leave_it_whole_with_one_owner",
        Bypass::ListLag,
        "the identity import lists a group made seconds before; on AWS such an import \
         follows a lost state, long after the group's writes",
    ),
    (
        "an_identity_import_restores_its_scheduled_secrets_and_two_of_one_id_are_refused",
        Bypass::ListLag,
        "the identity import lists a group made seconds before; on AWS such an import \
         follows a lost state, long after the group's writes",
    ),
];

/// Why the tests of `terraform query` and identity imports bypass the lag.
const LISTING_UNDER_TEST: &str = "what it tests is a listing (terraform query, identity \
     import) of secrets it made seconds before, which AWS may answer up to five minutes late; \
     waiting that long per client is beyond CI's budget. Every other rule applies";

thread_local! {
    /// The test `for_each_terraform` is running on this thread.
    static CURRENT_TEST: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Marks `test` as the one running on this thread, for [`suite_strict`],
/// and returns the lines saying what it bypasses.
pub fn enter_test(test: &str) -> Vec<String> {
    CURRENT_TEST.with(|t| *t.borrow_mut() = Some(test.to_string()));
    BYPASSES
        .iter()
        .filter(|(name, _, _)| *name == test)
        .map(|(_, rule, why)| format!("acceptance: {test}: bypasses strict-AWS {rule:?}: {why}"))
        .collect()
}

fn bypasses(rule: Bypass) -> bool {
    CURRENT_TEST.with(|t| {
        t.borrow().as_deref().is_some_and(|test| {
            BYPASSES
                .iter()
                .any(|(name, r, _)| *name == test && *r == rule)
        })
    })
}

/// The strict-AWS mode of the proxies the current test starts. Only
/// `PLANTON_STRICT_AWS=off` turns it off, to measure what it costs.
pub fn suite_strict() -> Option<StrictAws> {
    if std::env::var("PLANTON_STRICT_AWS").is_ok_and(|v| v == "off") {
        return None;
    }
    let lag = if bypasses(Bypass::ListLag) {
        0
    } else {
        SUITE_LIST_LAG_SECONDS
    };
    Some(StrictAws {
        list_lag_seconds: lag,
    })
}

/// Starts the project's proxy in front of `upstream` in the suite's
/// strict-AWS mode; `what` names it in a failure.
pub fn start_proxy(upstream: &str, what: &str) -> ProxyHandle {
    let mut config = ProxyConfig::new(upstream);
    config.strict = suite_strict();
    start_blocking(config)
        .unwrap_or_else(|e| panic!("starting the {what} in front of {upstream}: {e}"))
}

/// The only operations the provider may ever send. (GetResourcePolicy
/// answers with the policy, never a value: it proves a secret is clean
/// before it is adopted or restored.)
pub const ALLOWED_OPERATIONS: [&str; 13] = [
    "CreateSecret",
    // Only its KmsKeyId (a change of key): a value in it is refused below.
    "UpdateSecret",
    // KMS, to resolve a key alias: key metadata only.
    "DescribeKey",
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
        RecordingProxy {
            handle: start_proxy(upstream, "recording proxy"),
        }
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
                !op.carries_value && (name == "UpdateSecret" || !VALUE_OPERATIONS.contains(&name)),
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
