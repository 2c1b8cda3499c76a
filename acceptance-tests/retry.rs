//! A retried apply never costs a secret. After a failed or partial create
//! (a lost race between two workspaces, exhausted quota, a dead endpoint,
//! Ctrl-C or SIGTERM), running the same apply again, as a CI retry does
//! (nobody runs `untaint`), never schedules, deletes or restores a secret
//! the failed attempt made: Terraform replaces the tainted object, and the
//! replacement continues it (same id, same ARNs). It converges once the
//! cause is gone and otherwise stops with one error and no write. Only the
//! owner restores a secret scheduled outside Terraform; `destroy` then
//! `apply`, `-replace` and taint keep every ARN; ownership tags removed
//! outside Terraform are put back only on the secret the resource made.
//!
//! Every step checks Terraform's answer and the server's truth (the probe,
//! ListSecrets, and each side's recording proxy). The proxies' `hold` gate
//! makes the interleavings that matter happen on every run: both
//! workspaces check their names before either creates one, and a cut
//! lands while creates are in flight.

use std::collections::{BTreeMap, BTreeSet};
use std::thread;
use std::time::{Duration, Instant};

use aws_fault_proxy::{DelayMs, Faults};

use crate::harness::registry::one_line;
use crate::harness::resilience::{
    error_blocks, secrets_of, server_secrets, RunningTf, ServerSecret,
};
use crate::harness::scenario::RELEASED_TAG;
use crate::harness::terraform::report;
use crate::harness::{
    for_each_terraform, name_set, ownership_tags, require_localstack, secrets_resource, Scenario,
    SecretsResource, Terraform, TfOutput,
};

const X: &str = "planton_aws_secrets.x";
/// How long a backgrounded apply may take.
const RUN_TIMEOUT: Duration = Duration::from_secs(180);
/// How long the provider may take to check its names.
const CHECKS_WITHIN: Duration = Duration::from_secs(120);

/// Reports how long one client's run of a test took, when dropped.
struct Timer {
    test: &'static str,
    client: String,
    started: Instant,
}

impl Timer {
    fn start(test: &'static str, tf: &Terraform) -> Timer {
        Timer {
            test,
            client: tf.name(),
            started: Instant::now(),
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        report(&format!(
            "acceptance: {} ({}): {} in {:.1}s",
            self.test,
            self.client,
            if thread::panicking() {
                "failed"
            } else {
                "passed"
            },
            self.started.elapsed().as_secs_f64()
        ));
    }
}

fn no_extra_tags() -> BTreeMap<String, String> {
    BTreeMap::new()
}

/// `<prefix>s00`, `<prefix>s01`, ...: names `from..to` of `sc`.
fn numbered(sc: &Scenario, from: usize, to: usize) -> Vec<String> {
    (from..to).map(|i| sc.name(&format!("s{i:02}"))).collect()
}

/// Writes main.tf of `sc`: `planton_aws_secrets.x` holding `names`, and
/// `provider_extra` in the provider block.
fn configure(sc: &Scenario, provider_extra: &str, names: &[String]) {
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    sc.write_main(provider_extra, &secrets_resource("x", &refs));
}

/// Holds every CreateSecret at the proxy until the faults change.
fn hold_creates() -> Faults {
    Faults {
        hold: vec!["CreateSecret".into()],
        ..Faults::default()
    }
}

/// Every request waits `ms` at the proxy before it is forwarded.
fn delay(ms: u64) -> Faults {
    Faults {
        delay_ms: DelayMs { min: ms, max: ms },
        ..Faults::default()
    }
}

/// Every secret under `sc`'s prefix, straight from LocalStack.
fn server(sc: &Scenario) -> BTreeMap<String, ServerSecret> {
    server_secrets(&require_localstack().endpoint, &sc.prefix)
}

/// Asserts that nothing under `sc`'s prefix is scheduled for deletion.
fn assert_nothing_scheduled(sc: &Scenario, context: &str) {
    let scheduled: Vec<String> = server(sc)
        .into_iter()
        .filter(|(_, s)| s.scheduled_for_deletion)
        .map(|(n, _)| n)
        .collect();
    assert!(
        scheduled.is_empty(),
        "{context}: scheduled for deletion: {scheduled:?}"
    );
}

/// Asserts that the recording proxy of `sc` saw none of the calls that
/// delete or bring back a secret.
fn assert_no_delete_or_restore(sc: &Scenario, context: &str) {
    for op in ["DeleteSecret", "RestoreSecret"] {
        assert_eq!(
            sc.proxy.count(op),
            0,
            "{context}: {op} sent: {:?}",
            sc.proxy.calls_by_type()
        );
    }
}

/// How many `operation` requests the server carried out (answered 2xx).
fn succeeded(sc: &Scenario, operation: &str) -> usize {
    sc.proxy
        .operations()
        .iter()
        .filter(|op| op.operation.as_deref() == Some(operation))
        .filter(|op| op.status.is_some_and(|s| s < 300))
        .count()
}

/// `{"CreateSecret": 5, ...}` as `CreateSecret 5, DescribeSecret 10`.
fn calls(sc: &Scenario) -> String {
    let listed: Vec<String> = sc
        .proxy
        .calls_by_type()
        .into_iter()
        .map(|(op, n)| format!("{op} {n}"))
        .collect();
    if listed.is_empty() {
        "no AWS call".into()
    } else {
        listed.join(", ")
    }
}

/// Asserts the output says every one of `phrases`, Terraform's line
/// wrapping undone.
fn assert_says(out: &TfOutput, phrases: &[&str]) {
    let text = one_line(&out.combined());
    for phrase in phrases {
        assert!(
            text.contains(phrase),
            "expected {phrase:?} in: {}",
            out.describe()
        );
    }
}

/// Asserts `out` failed with exactly one error diagnostic; returns its text.
fn one_error(out: &TfOutput, context: &str) -> String {
    out.assert_failure();
    let errors = error_blocks(out);
    assert_eq!(
        errors.len(),
        1,
        "{context}: one error expected: {errors:#?}\n{}",
        out.describe()
    );
    errors[0].text.clone()
}

// ---------------------------------------------------------------------------
// Racing workspaces

/// One of two workspaces racing for overlapping names.
struct Side {
    label: &'static str,
    sc: Scenario,
    names: Vec<String>,
}

impl Side {
    fn recorded(&self) -> Option<SecretsResource> {
        self.sc.state().secrets(X)
    }

    fn id(&self) -> String {
        self.sc.secrets(X).id
    }
}

/// Asserts that what both sides record is what the server has: every
/// secret under the prefix is live and recorded by exactly one side, with
/// its ARN and that side's id.
fn assert_sides_are_the_server(sides: &[&Side], all: &[String], context: &str) {
    let mut recorded: BTreeMap<String, &str> = BTreeMap::new();
    for side in sides {
        if let Some(resource) = side.recorded() {
            side.sc.assert_server_matches(&resource, &no_extra_tags());
            for name in resource.secret_names {
                let other = recorded.insert(name.clone(), side.label);
                assert!(
                    other.is_none(),
                    "{context}: {name} is recorded by {} and {}",
                    side.label,
                    other.unwrap_or_default()
                );
            }
        }
    }
    let on_server: BTreeSet<String> = server(&sides[0].sc).into_keys().collect();
    assert_eq!(
        on_server,
        recorded.keys().cloned().collect::<BTreeSet<_>>(),
        "{context}: the server has exactly what the two states record"
    );
    assert_eq!(
        on_server,
        name_set(all),
        "{context}: every name exists once"
    );
    assert_nothing_scheduled(&sides[0].sc, context);
}

/// A side's plain retry while names it lists belong to `other`: one error
/// naming the other's id and the names, no write, and the object kept as
/// it was (tainted again).
fn retry_refused(side: &Side, other: &Side, context: &str) {
    let before = side
        .recorded()
        .expect("the loser's partial object is recorded");
    let lost: Vec<String> = side
        .names
        .iter()
        .filter(|n| !before.secret_names.contains(*n))
        .cloned()
        .collect();
    side.sc.proxy.clear();
    let out = side.sc.try_apply();
    let error = one_error(&out, context);
    let other_id = other.id();
    for phrase in [
        format!(
            "{} secret name(s) already exist and are not this resource's",
            lost.len()
        ),
        "Nothing was created or changed".to_string(),
        format!("belong to another planton_aws_secrets resource ({other_id})"),
    ] {
        assert!(error.contains(&phrase), "{context}: {phrase:?} in {error}");
    }
    for name in &lost {
        assert!(
            error.contains(&format!(
                "\"{name}\": it exists and belongs to another planton_aws_secrets resource (id {other_id})"
            )),
            "{context}: {name} in {error}"
        );
    }
    side.sc.assert_no_writes_but_the_mark(context);
    let after = side.recorded().expect("the object stays in state");
    assert_eq!(after.id, before.id, "{context}: the same object");
    assert_eq!(after.arns, before.arns, "{context}: the same secrets");
    assert!(after.tainted, "{context}: Terraform taints it again");
}

#[test]
fn racing_workspaces_and_their_plain_retries_never_schedule_a_secret() {
    for_each_terraform("retry_race", |tf| {
        let _timer = Timer::start("retry_race", tf);
        let a = Scenario::new(tf, "retry-race");
        let all = numbered(&a, 0, 15);
        let b = Scenario::new(tf, "retry-race-b");
        let a = Side {
            label: "A",
            sc: a,
            names: all[..10].to_vec(),
        };
        let b = Side {
            label: "B",
            sc: b,
            names: all[5..].to_vec(),
        };
        let shared = name_set(&all[5..10]);
        let sides = [&a, &b];
        for side in sides {
            configure(&side.sc, "", &side.names);
            side.sc.init();
        }

        // Both apply at once. The gate holds their creates until both have
        // checked every name, so both find the shared names free and race
        // for them, name by name.
        for side in sides {
            side.sc.proxy.set_faults(hold_creates());
            side.sc.proxy.clear();
        }
        let running = [a.sc.spawn_apply(), b.sc.spawn_apply()];
        for side in sides {
            assert!(
                side.sc
                    .proxy
                    .wait_for("DescribeSecret", side.names.len(), CHECKS_WITHIN),
                "{} never checked its names: {}",
                side.label,
                calls(&side.sc)
            );
        }
        for side in sides {
            side.sc.proxy.clear_faults();
        }
        let [run_a, run_b] = running;
        let outs = [
            a.sc.finish(run_a, RUN_TIMEOUT),
            b.sc.finish(run_b, RUN_TIMEOUT),
        ];
        let mut log = vec![format!(
            "race: A {{{}}}, B {{{}}}",
            calls(&a.sc),
            calls(&b.sc)
        )];
        for side in sides {
            assert_no_delete_or_restore(&side.sc, "the race");
        }
        assert!(
            outs.iter().any(|o| !o.success()),
            "both won every shared name: {}\n{}",
            outs[0].describe(),
            outs[1].describe()
        );

        // Each side made its own names; each shared name has one owner. A
        // side that lost shared names is recorded with what it made
        // (tainted) and names each lost one with the winner's id.
        let made: [SecretsResource; 2] = [&a, &b].map(|side| {
            side.recorded()
                .unwrap_or_else(|| panic!("{} made its own names", side.label))
        });
        for (i, (side, out)) in sides.iter().zip(&outs).enumerate() {
            let other = sides[1 - i];
            let recorded = &made[i];
            let lost: BTreeSet<String> = name_set(&side.names)
                .difference(&recorded.secret_names)
                .cloned()
                .collect();
            assert!(lost.is_subset(&shared), "{}: lost {lost:?}", side.label);
            assert_eq!(out.success(), lost.is_empty(), "{}", out.describe());
            assert_eq!(recorded.tainted, !lost.is_empty(), "{}", side.label);
            let errors = error_blocks(out);
            assert_eq!(
                errors.len(),
                usize::from(!lost.is_empty()),
                "{}: one error for every lost name: {errors:#?}",
                side.label
            );
            for name in &lost {
                let text = &errors[0].text;
                assert!(
                    text.contains(&format!(
                        "{name:?}: it exists and belongs to another planton_aws_secrets resource (id {})",
                        made[1 - i].id
                    )),
                    "{}: the error about {name} names {}'s id: {text}",
                    side.label,
                    other.label,
                );
            }
        }
        assert_sides_are_the_server(&sides, &all, "after the race");

        // The loser retries the same apply: one error while the shared
        // names stay the other's, and not one write.
        let loser = if outs[0].success() { 1 } else { 0 };
        let (l, w) = (sides[loser], sides[1 - loser]);
        retry_refused(l, w, "the loser's retry");
        log.push(format!("{}'s retry {{{}}}", l.label, calls(&l.sc)));
        assert_sides_are_the_server(&sides, &all, "after the loser's retry");

        // Both retry in turn: a side that holds all its names has nothing
        // to do; one that lost names is refused again, writing nothing.
        for (i, side) in sides.iter().enumerate() {
            let context = format!("{}'s retry in turn", side.label);
            if outs[i].success() {
                side.sc.proxy.clear();
                let out = side.sc.apply();
                assert!(out.stdout.contains("No changes."), "{}", out.describe());
                side.sc.assert_no_writes(&context);
            } else {
                retry_refused(side, sides[1 - i], &context);
            }
            log.push(format!("{} {{{}}}", context, calls(&side.sc)));
            assert_sides_are_the_server(&sides, &all, &context);
        }

        // A drops the shared names: its apply releases and schedules the
        // shared secrets it had won, and B's apply restores them (same
        // ARNs) and takes the rest over from nobody. Both converge.
        let a_won: BTreeSet<String> = made[0]
            .secret_names
            .intersection(&shared)
            .cloned()
            .collect();
        let a_unique = all[..5].to_vec();
        configure(&a.sc, "", &a_unique);
        a.sc.proxy.clear();
        a.sc.apply();
        log.push(format!("A without the shared names {{{}}}", calls(&a.sc)));
        let a_ops = a.sc.proxy.operations();
        assert_eq!(secrets_of(&a_ops, "DeleteSecret").len(), a_won.len());
        assert_eq!(a.sc.proxy.count("DeleteSecret"), a_won.len());
        for op in ["CreateSecret", "RestoreSecret"] {
            assert_eq!(a.sc.proxy.count(op), 0, "{op}: {}", calls(&a.sc));
        }
        // A that lost names is tainted and replaced: its mark goes.
        assert!(a.sc.proxy.count("UntagResource") <= 1, "{}", calls(&a.sc));
        let a_final = a.sc.secrets(X);
        assert_eq!(a_final.id, made[0].id, "A keeps its id");
        assert!(!a_final.tainted);
        assert_eq!(a_final.secret_names, name_set(&a_unique));
        for name in &a_won {
            let info = a.sc.describe(name);
            assert!(info.scheduled_for_deletion, "{name} was released by A");
            assert_eq!(
                info.tags.get(RELEASED_TAG).map(String::as_str),
                Some("true")
            );
        }

        b.sc.proxy.clear();
        b.sc.apply();
        log.push(format!("B after A let go {{{}}}", calls(&b.sc)));
        assert_eq!(b.sc.proxy.count("RestoreSecret"), a_won.len());
        for op in ["CreateSecret", "DeleteSecret"] {
            assert_eq!(b.sc.proxy.count(op), 0, "{op}: {}", calls(&b.sc));
        }
        let b_final = b.sc.secrets(X);
        assert_eq!(b_final.id, made[1].id, "B keeps its id");
        assert!(!b_final.tainted);
        assert_eq!(b_final.secret_names, name_set(&b.names));

        // Every secret kept the ARN of whoever made it.
        let mut first_arns: BTreeMap<String, String> = made[0].arns.clone();
        first_arns.extend(made[1].arns.clone());
        for resource in [&a_final, &b_final] {
            for (name, arn) in &resource.arns {
                assert_eq!(Some(arn), first_arns.get(name), "{name} kept its ARN");
            }
        }
        for name in &b.names {
            assert!(!b.sc.describe(name).tags.contains_key(RELEASED_TAG));
        }
        assert_sides_are_the_server(&sides, &all, "after converging");
        for side in sides {
            side.sc.assert_empty_plan();
        }
        report(&format!(
            "acceptance: retry_race ({}): A won {} and B won {} of the {} shared names; calls \
             by type: {}",
            tf.name(),
            a_won.len(),
            shared.len() - a_won.len(),
            shared.len(),
            log.join("; ")
        ));
    });
}

// ---------------------------------------------------------------------------
// Partial creates

/// After a failed first apply of `names` (run by the caller): state is
/// tainted and records exactly what the server has, which is a part of
/// `names`; returns what it records.
fn assert_partial(sc: &Scenario, names: &[String], context: &str) -> SecretsResource {
    let partial = sc.secrets(X);
    assert!(
        partial.tainted,
        "{context}: a create with errors is tainted"
    );
    sc.assert_server_matches(&partial, &no_extra_tags());
    let on_server: BTreeSet<String> = server(sc).into_keys().collect();
    assert_eq!(
        on_server, partial.secret_names,
        "{context}: state == server"
    );
    assert!(
        !partial.secret_names.is_empty() && partial.secret_names.len() < names.len(),
        "{context}: not a partial create ({} of {} made)",
        partial.secret_names.len(),
        names.len()
    );
    assert_nothing_scheduled(sc, context);
    partial
}

/// The plain retry once the fault is gone: the same apply converges,
/// creating exactly the missing names and deleting or restoring nothing;
/// the object keeps its id and every ARN.
fn assert_plain_retry_converges(
    sc: &Scenario,
    partial: &SecretsResource,
    names: &[String],
    context: &str,
) {
    sc.proxy.clear_faults();
    sc.proxy.clear();
    let out = sc.apply();
    assert_says(&out, &["1 added, 0 changed, 1 destroyed"]);
    let ops = sc.proxy.operations();
    for op in ["DeleteSecret", "RestoreSecret"] {
        assert_eq!(sc.proxy.count(op), 0, "{context}: {op}: {}", calls(sc));
    }
    // The only tag writes: the destroy half marks one secret, the create
    // half removes the mark first.
    let marked = secrets_of(&ops, "TagResource");
    assert_eq!(marked.len(), 1, "{context}: {}", calls(sc));
    assert_eq!(secrets_of(&ops, "UntagResource"), marked, "{context}");
    assert_eq!(sc.proxy.count("TagResource"), 1, "{context}: {}", calls(sc));
    assert_eq!(
        sc.proxy.count("UntagResource"),
        1,
        "{context}: {}",
        calls(sc)
    );
    let missing: BTreeSet<String> = name_set(names)
        .difference(&partial.secret_names)
        .cloned()
        .collect();
    assert_eq!(secrets_of(&ops, "CreateSecret"), missing, "{context}");
    assert_eq!(sc.proxy.count("CreateSecret"), missing.len(), "{context}");
    let converged = sc.secrets(X);
    assert!(!converged.tainted);
    assert_eq!(converged.id, partial.id, "{context}: the same object");
    for (name, arn) in &partial.arns {
        assert_eq!(converged.arns.get(name), Some(arn), "{context}: {name}");
    }
    assert_eq!(converged.secret_names, name_set(names));
    sc.assert_server_matches(&converged, &no_extra_tags());
    assert_nothing_scheduled(sc, context);
    sc.assert_empty_plan();
}

/// Starts the first apply of `names` (more than the sixteen the provider
/// sends at once) with every CreateSecret held at the proxy's gate; returns
/// once the provider has checked every name and its first creates wait at
/// the gate. Open it with other faults.
fn first_apply_held_at_the_gate(sc: &Scenario, names: &[String]) -> RunningTf {
    configure(sc, "", names);
    sc.init();
    sc.proxy.set_faults(hold_creates());
    sc.proxy.clear();
    let running = sc.spawn_apply();
    assert!(
        sc.proxy
            .wait_for("DescribeSecret", names.len(), CHECKS_WITHIN),
        "the provider never checked its names: {}",
        calls(sc)
    );
    // The creates follow the checks at once.
    thread::sleep(Duration::from_millis(300));
    running
}

#[test]
fn a_create_cut_short_by_quota_exhaustion_converges_on_a_plain_retry() {
    for_each_terraform("retry_quota", |tf| {
        let _timer = Timer::start("retry_quota", tf);
        let sc = Scenario::new(tf, "retry-quota");
        let names = numbered(&sc, 0, 10);
        // No retries: the calls over the quota fail at once, while those
        // within its burst succeed.
        configure(&sc, "  max_retries = 0", &names);
        sc.init();
        sc.proxy.set_faults(Faults {
            quota_per_second: BTreeMap::from([("CreateSecret".to_string(), 3.0)]),
            ..Faults::default()
        });
        sc.proxy.clear();
        let out = sc.try_apply();
        out.assert_failure();
        let first = calls(&sc);
        let partial = assert_partial(&sc, &names, "after the throttled create");
        let errors = error_blocks(&out);
        let failed: Vec<&String> = names
            .iter()
            .filter(|n| !partial.secret_names.contains(*n))
            .collect();
        assert_eq!(errors.len(), failed.len(), "{errors:#?}");
        for name in failed {
            assert!(
                errors
                    .iter()
                    .any(|e| e.summary.contains(&format!("{name:?}"))
                        && e.text.contains("ThrottlingException")),
                "{name}: {errors:#?}"
            );
        }
        assert_says(
            &out,
            &["a replacement deletes nothing: the next apply (the same command) hands these secrets"],
        );
        assert_plain_retry_converges(&sc, &partial, &names, "after the quota");
        report(&format!(
            "acceptance: retry_quota ({}): {} of {} made under the quota {{{first}}}; the plain \
             retry {{{}}}",
            tf.name(),
            partial.secret_names.len(),
            names.len(),
            calls(&sc)
        ));
    });
}

#[test]
fn a_create_cut_short_by_endpoint_death_converges_on_a_plain_retry() {
    for_each_terraform("retry_endpoint_death", |tf| {
        let _timer = Timer::start("retry_endpoint_death", tf);
        let sc = Scenario::new(tf, "retry-dies");
        // More names than the provider sends at once (16): the first wave
        // is under way when the endpoint dies, the rest never get through.
        let names = numbered(&sc, 0, 20);
        let running = first_apply_held_at_the_gate(&sc, &names);
        // Let the first creates through slowly, then the endpoint dies for
        // everything sent after them.
        sc.proxy.set_faults(delay(1000));
        thread::sleep(Duration::from_millis(100));
        sc.proxy.set_faults(Faults {
            refuse_connections: true,
            ..Faults::default()
        });
        let out = sc.finish(running, RUN_TIMEOUT);
        out.assert_failure();
        assert_says(&out, &["AWS Secrets Manager is unreachable"]);
        let first = calls(&sc);
        let partial = assert_partial(&sc, &names, "after the endpoint died");
        assert_plain_retry_converges(&sc, &partial, &names, "after the endpoint came back");
        report(&format!(
            "acceptance: retry_endpoint_death ({}): {} of {} made before the endpoint died \
             {{{first}}}; the plain retry {{{}}}",
            tf.name(),
            partial.secret_names.len(),
            names.len(),
            calls(&sc)
        ));
    });
}

// ---------------------------------------------------------------------------
// Interrupts

#[derive(Clone, Copy, Debug)]
enum Signal {
    /// Ctrl-C in a terminal: SIGINT to the process group.
    Interrupt,
    /// CI cancelling the job: SIGTERM to the process group.
    Terminate,
}

fn signalled_create_then_plain_retry(tf: &Terraform, signal: Signal) {
    let (label, test) = match signal {
        Signal::Interrupt => ("sigint", "retry_sigint"),
        Signal::Terminate => ("sigterm", "retry_sigterm"),
    };
    let _timer = Timer::start(test, tf);
    let sc = Scenario::new(tf, &format!("retry-{label}"));
    let names = numbered(&sc, 0, 20);
    let running = first_apply_held_at_the_gate(&sc, &names);
    // The creates at the gate go on, slowly, and the signal lands while
    // they are in flight and the last four not started.
    sc.proxy.set_faults(delay(1500));
    let gate_opened = Instant::now();
    thread::sleep(Duration::from_millis(200));
    let signalled_at = Instant::now();
    match signal {
        Signal::Interrupt => running.interrupt(),
        Signal::Terminate => running.terminate(),
    }
    let out = sc.finish(running, Duration::from_secs(60));
    let stopped_after = signalled_at.elapsed();
    assert!(!out.success(), "{}", out.describe());
    assert!(
        stopped_after < Duration::from_secs(15),
        "took {stopped_after:?}: {}",
        out.describe()
    );
    assert!(!out.combined().contains("panicked"), "{}", out.describe());
    // Whatever the proxy still held when Terraform exited has reached the
    // server, or never will, once the delay has passed.
    thread::sleep(Duration::from_millis(2500).saturating_sub(gate_opened.elapsed()));
    let first = calls(&sc);
    let on_server = server(&sc);
    assert_nothing_scheduled(&sc, "after the signal");
    let recorded = sc.state().secrets(X);
    let outcome = match &recorded {
        Some(_) => {
            // The provider answered with what it made: recorded, tainted.
            let partial = assert_partial(&sc, &names, "after the signal");
            assert_plain_retry_converges(&sc, &partial, &names, "after the signal");
            format!(
                "{} of {} made and recorded (tainted: {})",
                partial.secret_names.len(),
                names.len(),
                partial.tainted
            )
        }
        None if on_server.is_empty() => {
            // Terraform cancelled hard (seen with Terraform 1.0.3 on
            // SIGTERM) and ended the provider before any create reached
            // the server: nothing exists, nothing is recorded, and the
            // plain retry simply creates everything.
            sc.proxy.clear_faults();
            sc.proxy.clear();
            sc.apply();
            assert_no_delete_or_restore(&sc, "the plain retry after a hard cancel");
            assert_eq!(
                secrets_of(&sc.proxy.operations(), "CreateSecret"),
                name_set(&names)
            );
            let created = sc.secrets(X);
            assert_eq!(created.secret_names, name_set(&names));
            sc.assert_server_matches(&created, &no_extra_tags());
            sc.assert_empty_plan();
            "Terraform cancelled hard before any create reached the server; nothing made"
                .to_string()
        }
        None => {
            // Terraform cancelled hard and saved no object (seen with
            // Terraform 1.0.3): what was made carries one id no state
            // records, so the plain retry stops before any write with the
            // import that takes it back, and import + apply converge.
            let owners: BTreeSet<Option<&str>> =
                on_server.values().map(ServerSecret::owner).collect();
            assert_eq!(owners.len(), 1, "one id on what was made: {owners:?}");
            assert!(!owners.contains(&None));
            let made: BTreeSet<String> = on_server.keys().cloned().collect();
            sc.proxy.clear_faults();
            sc.proxy.clear();
            let retry = sc.try_apply();
            let error = one_error(&retry, "the plain retry after a hard cancel");
            sc.assert_no_writes("the plain retry after a hard cancel");
            let import_id = error
                .split("terraform import <ADDRESS> '")
                .nth(1)
                .and_then(|rest| rest.split('\'').next())
                .unwrap_or_else(|| panic!("no import command: {}", retry.describe()));
            assert_eq!(
                import_id
                    .split(',')
                    .map(str::to_owned)
                    .collect::<BTreeSet<_>>(),
                made
            );
            sc.tf(&["import", "-input=false", "-no-color", X, import_id])
                .assert_success();
            sc.proxy.clear();
            sc.apply();
            assert_no_delete_or_restore(&sc, "the apply after the import");
            let converged = sc.secrets(X);
            for name in &made {
                assert_eq!(converged.arns[name], on_server[name].arn, "{name}");
            }
            assert_eq!(converged.secret_names, name_set(&names));
            sc.assert_server_matches(&converged, &no_extra_tags());
            sc.assert_empty_plan();
            format!(
                "Terraform cancelled hard and saved no object; {} made, recovered by the import",
                made.len()
            )
        }
    };
    report(&format!(
        "acceptance: retry_{label} ({}): exit {:?} {:.1}s after the signal; {outcome} \
         {{{first}}}; then {{{}}}",
        tf.name(),
        out.code(),
        stopped_after.as_secs_f64(),
        calls(&sc)
    ));
}

#[test]
fn ctrl_c_mid_create_then_a_plain_retry_keeps_every_secret() {
    for_each_terraform("retry_sigint", |tf| {
        signalled_create_then_plain_retry(tf, Signal::Interrupt)
    });
}

#[test]
fn sigterm_mid_create_then_a_plain_retry_keeps_every_secret() {
    for_each_terraform("retry_sigterm", |tf| {
        signalled_create_then_plain_retry(tf, Signal::Terminate)
    });
}

// ---------------------------------------------------------------------------
// Restores and replacements

#[test]
fn a_secret_scheduled_out_of_band_is_restored_only_by_its_owner() {
    for_each_terraform("retry_owner_restores", |tf| {
        let _timer = Timer::start("retry_owner_restores", tf);
        let owner = Scenario::new(tf, "retry-owner");
        let [x, y] = ["X", "Y"].map(|s| owner.name(s));
        configure(&owner, "", &[x.clone(), y.clone()]);
        owner.init();
        owner.apply();
        let made = owner.secrets(X);
        // An operator schedules x by mistake; x never was released.
        owner.oob.schedule_deletion(&x, 7);
        let scheduled = owner.describe(&x);
        assert!(!scheduled.tags.contains_key(RELEASED_TAG));

        // Another workspace listing x does not bring it back.
        let other = Scenario::new(tf, "retry-owner-other");
        let z = other.name("Z");
        configure(&other, "", &[x.clone(), z.clone()]);
        other.init();
        other.proxy.clear();
        let out = other.try_apply();
        let error = one_error(&out, "another workspace");
        for phrase in [
            format!(
                "\"{x}\": it is scheduled for deletion but still belongs to planton_aws_secrets resource {}, which did not release it",
                made.id
            ),
            format!(
                "\"{x}\" were scheduled for deletion outside Terraform while resource {} still owns them, and only that resource restores them",
                made.id
            ),
        ] {
            assert!(error.contains(&phrase), "{phrase:?} in {error}");
        }
        assert!(!error.contains("terraform import"), "{error}");
        other.assert_no_writes("another workspace");
        assert!(other.state().addresses().is_empty());
        assert_eq!(other.probe.describe(&z), None, "{z} must not be created");
        assert_eq!(owner.describe(&x), scheduled, "{x} is untouched");

        // The owner's refresh drops it, and its next apply restores it.
        owner.proxy.clear();
        owner.apply();
        assert_eq!(owner.proxy.count("RestoreSecret"), 1, "{}", calls(&owner));
        assert_eq!(owner.proxy.count("DeleteSecret"), 0, "{}", calls(&owner));
        // An update tries CreateSecret first; the server refuses it (the
        // name is taken), and the provider then restores its own secret.
        assert_eq!(succeeded(&owner, "CreateSecret"), 0, "{}", calls(&owner));
        let restored = owner.secrets(X);
        assert_eq!(restored.id, made.id);
        assert_eq!(restored.arns, made.arns, "the same ARNs");
        owner.assert_server_matches(&restored, &no_extra_tags());
        owner.assert_empty_plan();

        // Now live and the owner's: the other workspace is still refused.
        other.proxy.clear();
        let out = other.try_apply();
        let error = one_error(&out, "another workspace, again");
        assert!(
            error.contains(&format!(
                "\"{x}\": it exists and belongs to another planton_aws_secrets resource (id {})",
                made.id
            )),
            "{error}"
        );
        other.assert_no_writes("another workspace, again");
        assert_eq!(other.probe.describe(&z), None);
    });
}

#[test]
fn destroy_then_apply_replace_and_taint_keep_every_arn() {
    for_each_terraform("retry_replacements", |tf| {
        let _timer = Timer::start("retry_replacements", tf);
        let sc = Scenario::new(tf, "retry-repl");
        let names = numbered(&sc, 0, 6);
        configure(&sc, "", &names);
        sc.init();
        sc.apply();
        let made = sc.secrets(X);

        // destroy, then apply: every secret was released, so the new
        // object restores them all, same ARNs.
        sc.proxy.clear();
        sc.destroy();
        assert_eq!(sc.proxy.count("DeleteSecret"), names.len());
        for name in &names {
            let info = sc.describe(name);
            assert!(info.scheduled_for_deletion);
            assert_eq!(
                info.tags.get(RELEASED_TAG).map(String::as_str),
                Some("true")
            );
        }
        sc.proxy.clear();
        sc.apply();
        assert_eq!(sc.proxy.count("RestoreSecret"), names.len());
        for op in ["CreateSecret", "DeleteSecret"] {
            assert_eq!(sc.proxy.count(op), 0, "{op}: {}", calls(&sc));
        }
        let restored = sc.secrets(X);
        assert_eq!(
            restored.arns, made.arns,
            "destroy then apply keeps the ARNs"
        );
        assert_ne!(restored.id, made.id, "a new object has a new id");
        for name in &names {
            assert!(!sc.describe(name).tags.contains_key(RELEASED_TAG));
        }
        sc.assert_server_matches(&restored, &no_extra_tags());
        sc.assert_empty_plan();

        // -replace: the replacement continues the object; the only writes
        // are the handover mark and its removal.
        sc.proxy.clear();
        let out = sc.try_apply_with(&[&format!("-replace={X}")]);
        out.assert_success();
        assert_says(&out, &["1 added, 0 changed, 1 destroyed"]);
        sc.assert_no_writes_but_the_mark("-replace");
        let replaced = sc.secrets(X);
        assert_eq!(replaced.id, restored.id, "-replace keeps the id");
        assert_eq!(replaced.arns, restored.arns, "-replace keeps the ARNs");
        sc.assert_server_matches(&replaced, &no_extra_tags());
        sc.assert_empty_plan();

        // taint, then apply: the same.
        sc.tf(&["taint", "-no-color", X]).assert_success();
        assert!(sc.secrets(X).tainted);
        sc.proxy.clear();
        let out = sc.apply();
        assert_says(&out, &["1 added, 0 changed, 1 destroyed"]);
        sc.assert_no_writes_but_the_mark("taint");
        let untainted = sc.secrets(X);
        assert!(!untainted.tainted);
        assert_eq!(untainted.id, replaced.id);
        assert_eq!(untainted.arns, replaced.arns, "taint keeps the ARNs");
        sc.assert_empty_plan();

        // taint with a name dropped and one added: the replacement releases
        // and schedules only the dropped one and creates only the new one.
        sc.tf(&["taint", "-no-color", X]).assert_success();
        let mut changed = names[1..].to_vec();
        changed.push(sc.name("s99"));
        configure(&sc, "", &changed);
        sc.proxy.clear();
        sc.apply();
        let ops = sc.proxy.operations();
        assert_eq!(
            secrets_of(&ops, "DeleteSecret"),
            BTreeSet::from([untainted.arns[&names[0]].clone()])
        );
        assert_eq!(sc.proxy.count("DeleteSecret"), 1);
        assert_eq!(
            secrets_of(&ops, "CreateSecret"),
            BTreeSet::from([sc.name("s99")])
        );
        assert_eq!(sc.proxy.count("RestoreSecret"), 0);
        let last = sc.secrets(X);
        assert_eq!(last.id, untainted.id);
        for name in &names[1..] {
            assert_eq!(last.arns[name], untainted.arns[name], "{name}");
        }
        let dropped = sc.describe(&names[0]);
        assert!(dropped.scheduled_for_deletion);
        assert_eq!(
            dropped.tags.get(RELEASED_TAG).map(String::as_str),
            Some("true")
        );
        sc.assert_server_matches(&last, &no_extra_tags());
        sc.assert_empty_plan();
    });
}

// ---------------------------------------------------------------------------
// Ownership tags changed outside Terraform

#[test]
fn ownership_tags_removed_out_of_band_are_put_back_only_on_the_same_secret() {
    for_each_terraform("retry_tag_repair", |tf| {
        let _timer = Timer::start("retry_tag_repair", tf);
        let sc = Scenario::new(tf, "retry-tags");
        let [a, b, c, d] = ["A", "B", "C", "D"].map(|s| sc.name(s));
        let names = vec![a.clone(), b.clone(), c.clone(), d.clone()];
        configure(&sc, "", &names);
        sc.init();
        sc.apply();
        let made = sc.secrets(X);

        // a loses its id tag, b every ownership tag: the same secrets, so
        // the refresh warns naming them and the apply tags them again.
        sc.oob.untag(&a, &["planton.ai/resource-id"]);
        sc.oob.untag(
            &b,
            &[
                "planton.ai/resource",
                "planton.ai/resource-kind",
                "planton.ai/resource-id",
            ],
        );
        sc.proxy.clear();
        let plan = sc.plan_code(2);
        let lost_tags = [
            "2 secret(s) will be tagged as this resource's",
            &format!("\"{a}\", \"{b}\""),
            &format!(
                "recorded by planton_aws_secrets {} with the same ARNs",
                made.id
            ),
            "The next apply tags them.",
        ];
        assert_says(&plan, &lost_tags);
        sc.assert_no_writes("the plan");
        sc.proxy.clear();
        let out = sc.apply();
        assert_says(&out, &lost_tags);
        // Tags are brought in line on the secrets state records, by ARN,
        // and written only where they are missing: the two repaired.
        let ops = sc.proxy.operations();
        assert_eq!(
            secrets_of(&ops, "TagResource"),
            BTreeSet::from([made.arns[&a].clone(), made.arns[&b].clone()]),
            "only the recorded ARNs that lost tags are tagged: {}",
            calls(&sc)
        );
        for op in [
            "CreateSecret",
            "DeleteSecret",
            "RestoreSecret",
            "UntagResource",
        ] {
            assert_eq!(sc.proxy.count(op), 0, "{op}: {}", calls(&sc));
        }
        let repaired = sc.secrets(X);
        assert_eq!(repaired.arns, made.arns, "the same secrets");
        assert_eq!(sc.describe(&a).tags, ownership_tags(&made.id));
        assert_eq!(sc.describe(&b).tags, ownership_tags(&made.id));
        sc.assert_server_matches(&repaired, &no_extra_tags());
        let plan = sc.assert_empty_plan();
        assert!(
            !plan.combined().contains("ownership tags"),
            "{}",
            plan.describe()
        );

        // c is deleted for good and someone makes another secret named c;
        // d is tagged with another resource's id.
        sc.oob.force_delete(&c);
        let theirs = BTreeMap::from([("owner".to_string(), "someone-else".to_string())]);
        let new_c = sc.oob.create(&c, &theirs);
        assert_ne!(new_c, made.arns[&c]);
        let foreign_id = "asm-ffffffffffffffffffffffffffffffff";
        sc.oob.tag(
            &d,
            &BTreeMap::from([("planton.ai/resource-id".to_string(), foreign_id.to_string())]),
        );
        let (c_before, d_before) = (sc.describe(&c), sc.describe(&d));
        sc.proxy.clear();
        let out = sc.try_apply_with(&["-refresh-only"]);
        out.assert_success();
        assert_says(
            &out,
            &[
                "1 secret(s) were replaced by other secrets of the same name",
                &format!("\"{c}\""),
                "1 secret(s) now belong to another planton_aws_secrets resource",
                &format!("now carry the planton.ai/resource-id of another resource ({foreign_id})"),
                &format!("\"{d}\""),
            ],
        );
        assert!(!one_line(&out.combined()).contains("took them over"));
        sc.assert_no_writes("the refresh");
        let refreshed = sc.secrets(X);
        assert_eq!(refreshed.secret_names, name_set(&[&a, &b]));

        // The apply that still lists them takes neither: c is not this
        // provider's, d is another resource's; nothing is written to them.
        sc.proxy.clear();
        let out = sc.try_apply();
        out.assert_failure();
        assert_says(
            &out,
            &[
                &format!(
                    "\"{c}\": it exists and was not created by this provider"
                ),
                &format!(
                    "\"{d}\": it exists and belongs to another planton_aws_secrets resource (id {foreign_id})"
                ),
            ],
        );
        assert_no_delete_or_restore(&sc, "the apply");
        for op in ["TagResource", "UntagResource"] {
            assert_eq!(sc.proxy.count(op), 0, "{op}: {}", calls(&sc));
        }
        assert_eq!(sc.describe(&c), c_before);
        assert_eq!(sc.describe(&d), d_before);

        // destroy deletes only what state proves is its own: a and b.
        sc.proxy.clear();
        sc.destroy();
        let ops = sc.proxy.operations();
        let own = BTreeSet::from([made.arns[&a].clone(), made.arns[&b].clone()]);
        assert_eq!(secrets_of(&ops, "DeleteSecret"), own);
        assert_eq!(sc.proxy.count("DeleteSecret"), 2);
        assert_eq!(secrets_of(&ops, "TagResource"), own, "released first");
        for name in [&a, &b] {
            assert!(sc.describe(name).scheduled_for_deletion);
        }
        assert_eq!(sc.describe(&c), c_before, "the other c is never touched");
        assert_eq!(sc.describe(&d), d_before, "d is never touched");
        assert!(sc.state().addresses().is_empty());
    });
}

// ---------------------------------------------------------------------------
// A replacement whose create half Terraform skips

const Y: &str = "planton_aws_secrets.y";
/// The mark the destroy half of a replacement leaves on one secret it hands
/// over, for a create half that runs in a later apply.
const HANDOVER_TAG: &str = "planton.ai/handover";

/// main.tf: `y` holding `y_names`, and `x` holding `x_names` and depending
/// on `y`, so that a failed change of `y` makes Terraform skip `x`'s create.
fn configure_pair(sc: &Scenario, x_names: &[String], y_names: &[String]) {
    fn refs(names: &[String]) -> Vec<&str> {
        names.iter().map(String::as_str).collect()
    }
    let x = secrets_resource("x", &refs(x_names))
        .replace("\n}\n", "\n  depends_on = [planton_aws_secrets.y]\n}\n");
    sc.write_main("", &format!("{}{x}", secrets_resource("y", &refs(y_names))));
}

/// The names under `sc`'s prefix whose secret carries the handover mark.
fn marked(sc: &Scenario) -> BTreeSet<String> {
    server(sc)
        .into_iter()
        .filter(|(_, s)| s.tags.contains_key(HANDOVER_TAG))
        .map(|(n, _)| n)
        .collect()
}

/// Every AWS call `sc`'s proxy saw, and only writes to `arns` among them
/// are `allowed` ("TagResource", ...): asserts no other write touched them.
fn assert_writes_to(
    sc: &Scenario,
    arns: &BTreeMap<String, String>,
    allowed: &[&str],
    context: &str,
) {
    let ours: BTreeSet<&String> = arns.keys().chain(arns.values()).collect();
    for op in sc.proxy.operations() {
        let (Some(name), Some(secret)) = (op.operation.as_deref(), op.secret.as_ref()) else {
            continue;
        };
        if crate::harness::scenario::WRITES.contains(&name) && ours.contains(secret) {
            assert!(
                allowed.contains(&name),
                "{context}: {name} {secret} sent: {}",
                calls(sc)
            );
        }
    }
}

#[test]
fn a_replacement_whose_create_half_is_skipped_continues_on_the_next_plain_apply() {
    for_each_terraform("retry_skipped_create", |tf| {
        let _timer = Timer::start("retry_skipped_create", tf);
        let sc = Scenario::new(tf, "retry-skip");
        let names = numbered(&sc, 0, 3);
        let [y0, y1] = ["Y0", "Y1"].map(|s| sc.name(s));
        configure_pair(&sc, &names, std::slice::from_ref(&y0));
        sc.init();
        sc.proxy.clear();
        sc.apply();
        let mut log = vec![format!("create {{{}}}", calls(&sc))];
        let made = sc.secrets(X);
        sc.assert_server_matches(&made, &no_extra_tags());

        // x is replaced while y's change fails: y adds a name it may not
        // create. Terraform runs x's destroy half, then skips its create.
        configure_pair(&sc, &names, &[y0.clone(), y1.clone()]);
        let denied = Faults {
            deny: vec![aws_fault_proxy::DenyRule {
                operation: "CreateSecret".into(),
                secret: y1.clone(),
            }],
            ..Faults::default()
        };
        sc.proxy.set_faults(denied.clone());
        sc.proxy.clear();
        let out = sc.try_apply_with(&[&format!("-replace={X}")]);
        let error = one_error(&out, "the replacement");
        assert!(error.contains("AccessDeniedException"), "{error}");
        log.push(format!("-replace while y fails {{{}}}", calls(&sc)));
        assert!(
            sc.state().secrets(X).is_none(),
            "x left state: {}",
            out.describe()
        );
        assert_eq!(sc.secrets(Y).secret_names, name_set(&[&y0]));
        assert_no_delete_or_restore(&sc, "the replacement");
        assert_writes_to(&sc, &made.arns, &["TagResource"], "the replacement");
        // Its secrets stay live, with their id; one carries the mark.
        let on_server = server(&sc);
        for name in &names {
            assert_eq!(on_server[name].arn, made.arns[name]);
            assert_eq!(on_server[name].owner(), Some(made.id.as_str()));
        }
        assert_eq!(marked(&sc).len(), 1, "{on_server:?}");
        assert_nothing_scheduled(&sc, "after the replacement");

        // The same apply again, y still failing: x is skipped again and its
        // secrets are not touched; the mark stays.
        sc.proxy.clear();
        let out = sc.try_apply();
        one_error(&out, "the retry while y fails");
        log.push(format!("retry while y fails {{{}}}", calls(&sc)));
        assert!(sc.state().secrets(X).is_none());
        assert_writes_to(&sc, &made.arns, &[], "the retry while y fails");
        assert_eq!(marked(&sc).len(), 1);

        // The cause is gone: the plain retry continues x (same id, same
        // ARNs), removing the mark and creating nothing of x's.
        sc.proxy.clear_faults();
        sc.proxy.clear();
        let out = sc.apply();
        log.push(format!("retry once y can change {{{}}}", calls(&sc)));
        assert_says(&out, &["1 added, 1 changed, 0 destroyed"]);
        let continued = sc.secrets(X);
        assert_eq!(continued.id, made.id, "the same object");
        assert_eq!(continued.arns, made.arns, "the same secrets");
        assert!(!continued.tainted);
        assert_no_delete_or_restore(&sc, "the retry");
        assert_writes_to(&sc, &made.arns, &["UntagResource"], "the retry");
        assert_eq!(sc.proxy.count("UntagResource"), 1, "{}", calls(&sc));
        assert_eq!(
            secrets_of(&sc.proxy.operations(), "CreateSecret"),
            BTreeSet::from([y1.clone()])
        );
        assert!(marked(&sc).is_empty(), "single use");
        sc.assert_server_matches(&continued, &no_extra_tags());
        sc.assert_server_matches(&sc.secrets(Y), &no_extra_tags());
        assert_nothing_scheduled(&sc, "after the retry");
        sc.assert_empty_plan();
        report(&format!(
            "acceptance: retry_skipped_create ({}): calls by type: {}",
            tf.name(),
            log.join("; ")
        ));
    });
}

// ---------------------------------------------------------------------------
// Release tags never outlive the release

#[test]
fn a_failed_delete_leaves_no_release_tag_and_a_leftover_one_is_removed() {
    for_each_terraform("retry_release_tag", |tf| {
        let _timer = Timer::start("retry_release_tag", tf);
        let sc = Scenario::new(tf, "retry-released");
        let [a, b] = ["A", "B"].map(|s| sc.name(s));
        configure(&sc, "", &[a.clone(), b.clone()]);
        sc.init();
        sc.apply();
        let made = sc.secrets(X);

        // b is dropped, but its DeleteSecret is denied: b stays, live, in
        // state, and not released.
        configure(&sc, "", std::slice::from_ref(&a));
        sc.proxy.set_faults(Faults {
            deny: vec![aws_fault_proxy::DenyRule {
                operation: "DeleteSecret".into(),
                secret: b.clone(),
            }],
            ..Faults::default()
        });
        sc.proxy.clear();
        let out = sc.try_apply();
        let error = one_error(&out, "the denied delete");
        assert!(error.contains("AccessDeniedException"), "{error}");
        let mut log = vec![format!("denied delete {{{}}}", calls(&sc))];
        let kept = sc.secrets(X);
        assert_eq!(kept.secret_names, name_set(&[&a, &b]));
        assert_eq!(kept.arns, made.arns);
        sc.assert_server_matches(&kept, &no_extra_tags());
        assert!(
            !sc.describe(&b).tags.contains_key(RELEASED_TAG),
            "a secret that stays is not released"
        );
        assert_eq!(sc.proxy.count("UntagResource"), 1, "{}", calls(&sc));

        // A release tag left on a kept secret anyway (a failed untag, an
        // older release): the refresh shows it in tags_all, the plan
        // repairs it, and the apply removes it.
        sc.proxy.clear_faults();
        configure(&sc, "", &[a.clone(), b.clone()]);
        sc.oob.tag(
            &a,
            &BTreeMap::from([(RELEASED_TAG.to_string(), "true".to_string())]),
        );
        sc.proxy.clear();
        let plan = sc.plan_code(2);
        assert_says(&plan, &[RELEASED_TAG, "1 to change"]);
        sc.assert_no_writes("the plan");
        sc.proxy.clear();
        sc.apply();
        log.push(format!("repair {{{}}}", calls(&sc)));
        for op in [
            "CreateSecret",
            "DeleteSecret",
            "RestoreSecret",
            "TagResource",
        ] {
            assert_eq!(sc.proxy.count(op), 0, "{op}: {}", calls(&sc));
        }
        // Removed only where it is: a.
        assert_eq!(
            secrets_of(&sc.proxy.operations(), "UntagResource"),
            BTreeSet::from([made.arns[&a].clone()]),
            "{}",
            calls(&sc)
        );
        for name in [&a, &b] {
            assert!(!sc.describe(name).tags.contains_key(RELEASED_TAG), "{name}");
        }
        let repaired = sc.secrets(X);
        assert_eq!(repaired.arns, made.arns);
        assert!(!repaired.tags_all.contains_key(RELEASED_TAG));
        sc.assert_server_matches(&repaired, &no_extra_tags());
        sc.assert_empty_plan();
        report(&format!(
            "acceptance: retry_release_tag ({}): calls by type: {}",
            tf.name(),
            log.join("; ")
        ));
    });
}
