//! Ctrl-C during an apply of a thousand names: SIGINT reaches Terraform and
//! the provider (a terminal signals the whole process group), Terraform
//! calls StopProvider, and the provider stops starting work and answers
//! with what it did. Terraform exits within seconds, state tells the truth,
//! and the next apply converges with no orphan, no duplicate and no
//! deletion.
//!
//! The fault proxy adds 40-80 ms to every answer so that the apply takes
//! several seconds and the interrupt lands in the middle of it. Two paths:
//! the resource's first apply (a create) and a thousand names added to an
//! existing resource (an update).

use std::collections::BTreeSet;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_fault_proxy::{DelayMs, Faults};

use crate::harness::resilience::{
    assert_state_is_true, count, error_blocks, heavy_load_lock, numbered_names, recorded_secrets,
    secrets_config, secrets_of, server_secrets, summarize, FaultProxy, PurgeOnDrop, RunningTf,
};
use crate::harness::terraform::report;
use crate::harness::{
    for_each_terraform, require_localstack, unique_prefix, LocalStack, Terraform,
};
use crate::harness::{TfOutput, Workdir};

const NAMES: usize = 1000;
/// CreateSecret requests seen before the interrupt is sent.
const INTERRUPT_AFTER: usize = 300;
/// How long Terraform may take to exit after Ctrl-C.
const EXIT_WITHIN: Duration = Duration::from_secs(15);

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

fn apply(wd: &Workdir) -> TfOutput {
    wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
}

fn interrupted_apply_converges(tf: &Terraform, ls: &LocalStack, existing_resource: bool) {
    let _heavy = heavy_load_lock();
    let test = if existing_resource {
        "res-int-update"
    } else {
        "res-int-create"
    };
    let prefix = unique_prefix(test);
    let _purge = PurgeOnDrop {
        endpoint: ls.endpoint.clone(),
        prefix: prefix.clone(),
    };
    let proxy = FaultProxy::start(&ls.endpoint);
    let wd = Workdir::new(tf);
    let mut wanted = Vec::new();
    if existing_resource {
        wanted.push(format!("{prefix}base"));
        wd.write("main.tf", &secrets_config(&proxy.endpoint(), "", &wanted));
        wd.init();
        apply(&wd).assert_success();
    }
    let first_id = recorded_secrets(&wd).map(|s| s.id);
    wanted.extend(numbered_names(&prefix, NAMES));
    wd.write("main.tf", &secrets_config(&proxy.endpoint(), "", &wanted));
    if !existing_resource {
        wd.init();
    }

    proxy.set_faults(Faults {
        delay_ms: DelayMs { min: 40, max: 80 },
        seed: Some(0x5eed_0003),
        ..Faults::default()
    });
    proxy.clear();
    let mut running = RunningTf::spawn(
        &wd,
        &["apply", "-auto-approve", "-input=false", "-no-color"],
    );
    let reached = proxy.wait_for("CreateSecret", INTERRUPT_AFTER, Duration::from_secs(120));
    assert!(
        reached && !running.has_exited(),
        "the apply ended or stalled before {INTERRUPT_AFTER} CreateSecret requests ({})",
        summarize(&proxy.operations())
    );
    let interrupted_at = Instant::now();
    let interrupted_ms = now_ms();
    running.interrupt();
    let out = running.wait(Duration::from_secs(120));
    let exit_after = interrupted_at.elapsed();
    let ops = proxy.operations();
    let creates = count(&ops, "CreateSecret");
    let late_creates = ops
        .iter()
        .filter(|o| o.operation.as_deref() == Some("CreateSecret"))
        .filter(|o| o.ts_ms > interrupted_ms + 1000)
        .count();
    let errors = error_blocks(&out);
    report(&format!(
        "acceptance: resilience_interrupt/{test} ({}): SIGINT after {INTERRUPT_AFTER} \
         CreateSecret; Terraform exited {:.2}s later with {:?}; CreateSecret sent in all {creates}, \
         more than 1 s after the interrupt {late_creates}; Terraform printed {} error \
         diagnostic(s), {} bytes",
        tf.name(),
        exit_after.as_secs_f64(),
        out.code(),
        errors.len(),
        out.stdout.len() + out.stderr.len(),
    ));
    assert!(
        !out.timed_out && exit_after < EXIT_WITHIN,
        "Terraform took {exit_after:?} to exit after Ctrl-C: {}",
        out.describe()
    );
    assert!(
        !out.success(),
        "an interrupted apply must fail: {}",
        out.describe()
    );
    assert!(
        creates < wanted.len(),
        "the interrupt came too late to stop anything ({creates} CreateSecret)"
    );
    assert_eq!(
        late_creates,
        0,
        "CreateSecret requests kept coming after the stop: {}",
        summarize(&ops)
    );
    assert!(
        !out.leftover_processes,
        "a provider outlived Terraform: {}",
        out.describe()
    );
    assert!(
        !out.combined().contains("panicked"),
        "a panic: {}",
        out.describe()
    );
    assert!(
        !wd.path().join(".terraform.tfstate.lock.info").exists(),
        "Terraform left its state lock behind after Ctrl-C"
    );

    // State tells the truth; what it leaves out carries this resource's id.
    let state = recorded_secrets(&wd);
    let server = server_secrets(&ls.endpoint, &prefix);
    let unrecorded = assert_state_is_true("after Ctrl-C", state.as_ref(), &server);
    let id = state.as_ref().map(|s| s.id.clone()).or(first_id.clone());
    for name in &unrecorded {
        let owner = server[name].owner();
        assert!(
            owner.is_some() && (id.is_none() || owner == id.as_deref()),
            "{name} is on the server, not in state, and not tagged for adoption ({owner:?}, \
             resource id {id:?})"
        );
    }
    if existing_resource {
        let state = state.as_ref().expect("the resource stays in state");
        assert_eq!(Some(&state.id), first_id.as_ref(), "the id never changes");
        assert!(
            !state.tainted,
            "an interrupted update must not taint the resource"
        );
    }
    report(&format!(
        "acceptance: resilience_interrupt/{test} ({}): after Ctrl-C the server has {} \
         names, state records {} (tainted: {})",
        tf.name(),
        server.len(),
        state.as_ref().map_or(0, |s| s.arns.len()),
        state.as_ref().is_some_and(|s| s.tainted)
    ));

    // The next apply (the same command) converges without manual steps and
    // deletes or restores nothing. An interrupted create is tainted by
    // Terraform, which replaces it: the replacement continues the old
    // object (same id, same ARNs) and only adds the missing names.
    let before = state;
    proxy.clear_faults();
    proxy.clear();
    let converge = apply(&wd);
    let ops = proxy.operations();
    converge.assert_success();
    // The replacement marks one secret for its create half and removes
    // the mark again: at most one TagResource and one UntagResource.
    for op in ["TagResource", "UntagResource"] {
        assert!(count(&ops, op) <= 1, "{op}: {}", summarize(&ops));
    }
    for op in ["DeleteSecret", "RestoreSecret"] {
        assert_eq!(
            count(&ops, op),
            0,
            "converging after Ctrl-C sent {op}: {}",
            summarize(&ops)
        );
    }
    let state = recorded_secrets(&wd).expect("state after converging");
    assert!(!state.tainted, "the converged object is not tainted");
    if let Some(before) = &before {
        assert_eq!(state.id, before.id, "the retry continues the same object");
        let recreated: Vec<String> = secrets_of(&ops, "CreateSecret")
            .into_iter()
            .filter(|n| before.arns.contains_key(n))
            .collect();
        assert!(recreated.is_empty(), "created again: {recreated:?}");
    }
    for (name, arn) in before.iter().flat_map(|s| s.arns.iter()) {
        assert_eq!(state.arns.get(name), Some(arn), "{name} kept its ARN");
    }
    let server = server_secrets(&ls.endpoint, &prefix);
    let unrecorded = assert_state_is_true("after converging", Some(&state), &server);
    assert!(unrecorded.is_empty(), "orphans: {unrecorded:?}");
    let wanted: BTreeSet<String> = wanted.into_iter().collect();
    assert_eq!(state.secret_names, wanted, "state == config");
    assert_eq!(
        server.keys().cloned().collect::<BTreeSet<_>>(),
        wanted,
        "server == config"
    );
    report(&format!(
        "acceptance: resilience_interrupt/{test} ({}): converged in {:.1}s ({})",
        tf.name(),
        converge.elapsed.as_secs_f64(),
        summarize(&ops)
    ));
    wd.run(&["plan", "-no-color", "-input=false", "-detailed-exitcode"])
        .assert_code(0);
}

#[test]
fn ctrl_c_during_the_first_apply_of_a_thousand_names_stops_fast_and_converges() {
    let ls = require_localstack();
    for_each_terraform("resilience_interrupt_create", |tf| {
        interrupted_apply_converges(tf, &ls, false)
    });
}

#[test]
fn ctrl_c_while_adding_a_thousand_names_stops_fast_and_converges() {
    let ls = require_localstack();
    for_each_terraform("resilience_interrupt_update", |tf| {
        interrupted_apply_converges(tf, &ls, true)
    });
}
