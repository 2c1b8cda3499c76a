//! One name that AWS always refuses (AccessDeniedException on every
//! operation naming it): the apply fails naming that name and AWS's error,
//! everything else is made and recorded, the next plan only adds the
//! missing name, and once the refusal is lifted an apply converges.
//!
//! Two paths: names added to a resource that exists (the refusal meets an
//! update) and a resource's first apply (the refusal meets a create).
//! Terraform marks an object *tainted* when a create returns an error
//! together with a state, and plans to replace a tainted object. For this
//! resource the replacement hands the secrets over: its destroy half writes
//! nothing and its create half continues the old object (same id, same
//! ARNs), so a plain retry of the same apply, with nobody running
//! `untaint`, never deletes or restores a secret.

use std::collections::BTreeSet;

use aws_fault_proxy::{DenyRule, Faults, Operation};

use crate::harness::resilience::{
    assert_state_is_true, count, error_blocks, json_strings, numbered_names, planned_change,
    recorded_secrets, secrets_config, secrets_of, server_secrets, summarize, FaultProxy,
    PurgeOnDrop, WRITE_OPERATIONS,
};
use crate::harness::{for_each_terraform, require_localstack, unique_prefix, TfOutput, Workdir};

fn deny(name: &str) -> Faults {
    Faults {
        deny: vec![DenyRule::new("*", name)],
        ..Faults::default()
    }
}

fn apply(wd: &Workdir) -> TfOutput {
    wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
}

/// The failed apply: exit code 1, one error, naming `denied` and AWS's error
/// code, and no error about any other name.
fn assert_fails_on_denied_only(out: &TfOutput, denied: &str, prefix: &str) {
    assert_eq!(out.code(), Some(1), "{}", out.describe());
    let errors = error_blocks(out);
    let naming_denied: Vec<_> = errors
        .iter()
        .filter(|e| e.summary.contains(denied))
        .collect();
    assert!(
        naming_denied
            .iter()
            .any(|e| e.text.contains("AccessDeniedException")),
        "no error names {denied} with AccessDeniedException: {errors:#?}\n{}",
        out.describe()
    );
    let others: Vec<_> = errors
        .iter()
        .filter(|e| !e.summary.contains(denied) && e.summary.contains(prefix))
        .collect();
    assert!(others.is_empty(), "errors about other names: {others:#?}");
    assert_eq!(errors.len(), 1, "one error expected: {errors:#?}");
}

#[test]
fn a_denied_name_added_to_a_resource_fails_alone_and_converges_once_allowed() {
    let ls = require_localstack();
    for_each_terraform("resilience_denied_update", |tf| {
        let prefix = unique_prefix("res-denied-upd");
        let _purge = PurgeOnDrop {
            endpoint: ls.endpoint.clone(),
            prefix: prefix.clone(),
        };
        let proxy = FaultProxy::start(&ls.endpoint);
        let mut all_ops: Vec<Operation> = Vec::new();
        let wd = Workdir::new(tf);

        let base = numbered_names(&prefix, 10);
        wd.write("main.tf", &secrets_config(&proxy.endpoint(), "", &base));
        wd.init();
        apply(&wd).assert_success();
        let before = recorded_secrets(&wd).expect("state after the first apply");

        // Ten more names, one of which AWS refuses.
        let denied = format!("{prefix}denied");
        let mut wanted = numbered_names(&prefix, 20);
        wanted.push(denied.clone());
        wd.write("main.tf", &secrets_config(&proxy.endpoint(), "", &wanted));
        proxy.set_faults(deny(&denied));
        let failed = apply(&wd);
        all_ops.extend(proxy.operations());
        assert_fails_on_denied_only(&failed, &denied, &prefix);

        // State records exactly the others, as the server has them.
        let state = recorded_secrets(&wd).expect("state after the failed apply");
        assert!(!state.tainted, "an update must not taint the resource");
        assert_eq!(state.id, before.id, "the id never changes");
        let server = server_secrets(&ls.endpoint, &prefix);
        let unrecorded = assert_state_is_true("after the failed apply", Some(&state), &server);
        assert!(unrecorded.is_empty(), "not in state: {unrecorded:?}");
        let others: BTreeSet<String> = wanted.iter().filter(|n| **n != denied).cloned().collect();
        assert_eq!(state.secret_names, others);
        assert!(
            !server.contains_key(&denied),
            "{denied} exists on the server"
        );
        for (name, arn) in &before.arns {
            assert_eq!(state.arns.get(name), Some(arn), "ARN of {name} changed");
        }

        // The next plan adds only the denied name, in place.
        let (change, plan) = planned_change(&wd);
        plan.assert_code(2);
        let change = change.expect("a change is planned");
        assert_eq!(
            change["change"]["actions"],
            serde_json::json!(["update"]),
            "{change}"
        );
        let was = json_strings(&change["change"]["before"]["secret_names"]);
        let will = json_strings(&change["change"]["after"]["secret_names"]);
        assert!(was.is_subset(&will), "{change}");
        assert_eq!(
            will.difference(&was).cloned().collect::<Vec<_>>(),
            vec![denied.clone()],
            "{change}"
        );
        for (name, arn) in &state.arns {
            assert_eq!(
                change["change"]["after"]["secret_arn_map"][name].as_str(),
                Some(arn.as_str()),
                "the ARN of {name}, which stays, must be known in the plan: {change}"
            );
        }
        assert!(
            plan.stdout.contains("0 to add, 1 to change, 0 to destroy")
                && !plan.stdout.contains("must be replaced"),
            "{}",
            plan.describe()
        );

        // The refusal is lifted: the apply creates just that name.
        proxy.clear_faults();
        proxy.clear();
        apply(&wd).assert_success();
        let converge = proxy.operations();
        all_ops.extend(converge.iter().cloned());
        assert_eq!(
            secrets_of(&converge, "CreateSecret"),
            BTreeSet::from([denied.clone()]),
            "{}",
            summarize(&converge)
        );
        let state = recorded_secrets(&wd).expect("state after converging");
        let server = server_secrets(&ls.endpoint, &prefix);
        let unrecorded = assert_state_is_true("after converging", Some(&state), &server);
        assert!(unrecorded.is_empty(), "not in state: {unrecorded:?}");
        assert_eq!(
            state.secret_names,
            wanted.iter().cloned().collect::<BTreeSet<_>>()
        );
        wd.run(&["plan", "-no-color", "-input=false", "-detailed-exitcode"])
            .assert_code(0);
        assert_eq!(
            count(&all_ops, "DeleteSecret"),
            0,
            "nothing may be deleted: {}",
            summarize(&all_ops)
        );
    });
}

/// Terraform itself marks a resource whose create reported errors as
/// tainted and replaces it on the next apply. The provider records exactly
/// what it made and says that the replacement costs nothing: a plain retry
/// (the same command, no `untaint`) fails again with the same one error and
/// no write while the name is still refused, and converges once it is not,
/// keeping the id and every ARN and deleting or restoring nothing.
#[test]
fn a_denied_name_in_a_first_apply_records_what_exists_and_a_plain_retry_keeps_it() {
    let ls = require_localstack();
    for_each_terraform("resilience_denied_create", |tf| {
        let prefix = unique_prefix("res-denied-new");
        let _purge = PurgeOnDrop {
            endpoint: ls.endpoint.clone(),
            prefix: prefix.clone(),
        };
        let proxy = FaultProxy::start(&ls.endpoint);
        let wd = Workdir::new(tf);
        let denied = format!("{prefix}denied");
        let mut wanted = numbered_names(&prefix, 10);
        wanted.push(denied.clone());
        wd.write("main.tf", &secrets_config(&proxy.endpoint(), "", &wanted));
        wd.init();

        proxy.set_faults(deny(&denied));
        let failed = apply(&wd);
        assert_fails_on_denied_only(&failed, &denied, &prefix);
        let said = failed
            .combined()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            said.contains("Resource partly created")
                && said.contains("a replacement deletes nothing: the next apply (the same command) hands these secrets, with their ARNs, to the replacement"),
            "the failure should say that a plain retry keeps what was made: {}",
            failed.describe()
        );
        assert!(!said.contains("untaint"), "{}", failed.describe());

        // State records exactly what exists.
        let state = recorded_secrets(&wd).expect("the created secrets are recorded");
        let server = server_secrets(&ls.endpoint, &prefix);
        let unrecorded = assert_state_is_true("after the failed apply", Some(&state), &server);
        assert!(unrecorded.is_empty(), "not in state: {unrecorded:?}");
        assert!(
            !server.contains_key(&denied),
            "{denied} exists on the server"
        );
        assert_eq!(
            state.arns.len(),
            wanted.len() - 1,
            "the others are recorded"
        );
        assert!(
            state.tainted,
            "Terraform taints a create that reported errors"
        );

        // A plain retry while the name is still refused: the same one
        // error, no write but the handover mark of the replacement and its
        // removal, the object kept as it was (tainted again).
        proxy.clear();
        let retried = apply(&wd);
        let ops = proxy.operations();
        assert_fails_on_denied_only(&retried, &denied, &prefix);
        for op in WRITE_OPERATIONS {
            let most = usize::from(op == "TagResource" || op == "UntagResource");
            assert!(
                count(&ops, op) <= most,
                "{op} sent by the retry: {}",
                summarize(&ops)
            );
        }
        let after_retry = recorded_secrets(&wd).expect("the object stays in state");
        assert_eq!(
            after_retry.id, state.id,
            "the retry continues the same object"
        );
        assert_eq!(after_retry.arns, state.arns);
        assert!(after_retry.tainted);
        let server = server_secrets(&ls.endpoint, &prefix);
        let unrecorded =
            assert_state_is_true("after the refused retry", Some(&after_retry), &server);
        assert!(unrecorded.is_empty(), "not in state: {unrecorded:?}");

        // The refusal is lifted: the next plan replaces the tainted object,
        // and the same apply converges by creating just that name.
        proxy.clear_faults();
        let (change, plan) = planned_change(&wd);
        plan.assert_code(2);
        let actions = change.map(|c| c["change"]["actions"].clone());
        assert_eq!(
            actions,
            Some(serde_json::json!(["delete", "create"])),
            "{}",
            plan.describe()
        );
        proxy.clear();
        apply(&wd).assert_success();
        let converge = proxy.operations();
        // The replacement marks one secret for its create half and removes
        // the mark again: at most one TagResource and one UntagResource.
        for op in ["TagResource", "UntagResource"] {
            assert!(count(&converge, op) <= 1, "{op}: {}", summarize(&converge));
        }
        for op in ["DeleteSecret", "RestoreSecret"] {
            assert_eq!(
                count(&converge, op),
                0,
                "{op} sent: {}",
                summarize(&converge)
            );
        }
        assert_eq!(
            secrets_of(&converge, "CreateSecret"),
            BTreeSet::from([denied.clone()]),
            "{}",
            summarize(&converge)
        );
        assert_eq!(
            count(&converge, "CreateSecret"),
            1,
            "{}",
            summarize(&converge)
        );
        let converged = recorded_secrets(&wd).expect("state after converging");
        assert!(!converged.tainted);
        assert_eq!(converged.id, state.id, "the replacement keeps the id");
        for (name, arn) in &state.arns {
            assert_eq!(converged.arns.get(name), Some(arn), "{name} kept its ARN");
        }
        let server = server_secrets(&ls.endpoint, &prefix);
        let unrecorded = assert_state_is_true("after converging", Some(&converged), &server);
        assert!(unrecorded.is_empty(), "not in state: {unrecorded:?}");
        assert!(server.values().all(|s| !s.scheduled_for_deletion));
        assert_eq!(
            converged.secret_names,
            wanted.iter().cloned().collect::<BTreeSet<_>>()
        );
        wd.run(&["plan", "-no-color", "-input=false", "-detailed-exitcode"])
            .assert_code(0);
    });
}
