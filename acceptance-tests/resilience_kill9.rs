//! `kill -9` of Terraform during the first apply of three hundred names.
//! Terraform writes no state and cannot stop its provider; the provider
//! must notice its parent is gone and exit by itself. The random id that
//! proved the killed run's ownership died with it, so the next apply
//! adopts nothing: it stops before any write with one error listing the
//! orphaned names and a ready-to-run `terraform import`. That import and
//! one apply converge: the apply re-tags what was imported and creates the
//! rest. Nothing is orphaned, nothing deleted.

use std::collections::BTreeSet;
use std::time::Duration;

use aws_fault_proxy::{DelayMs, Faults};

use crate::harness::proxy::count_except_leases;
use crate::harness::resilience::{
    assert_state_is_true, count, describe_group, kill9, provider_processes, recorded_secrets,
    secrets_of, server_secrets, summarize, wait_gone, HeavyRun, RunningTf,
};
use crate::harness::terraform::report;
use crate::harness::{for_each_terraform, require_localstack};

const NAMES: usize = 300;
const KILL_AFTER: usize = 100;
/// How soon the orphaned provider must be gone.
const PROVIDER_GONE_WITHIN: Duration = Duration::from_secs(3);

#[test]
fn kill_9_of_terraform_mid_apply_then_the_documented_import_converges() {
    let ls = require_localstack();
    for_each_terraform("resilience_kill9", |tf| {
        let HeavyRun {
            guard: _guard,
            prefix,
            proxy,
            names,
            wd,
        } = HeavyRun::start(tf, &ls.endpoint, "res-kill9", NAMES);

        proxy.set_faults(Faults {
            delay_ms: DelayMs { min: 40, max: 80 },
            seed: Some(0x5eed_0004),
            ..Faults::default()
        });
        proxy.clear();
        let mut running = RunningTf::spawn(
            &wd,
            &["apply", "-auto-approve", "-input=false", "-no-color"],
        );
        let reached = proxy.wait_for("CreateSecret", KILL_AFTER, Duration::from_secs(120));
        assert!(
            reached && !running.has_exited(),
            "the apply ended or stalled before {KILL_AFTER} CreateSecret requests ({})",
            summarize(&proxy.operations())
        );
        let found = provider_processes(running.pid());
        let group_before = describe_group(running.pid());
        assert!(
            !found.is_empty(),
            "no provider process under terraform ({}): {group_before:?}",
            running.pid()
        );
        // Kill the Terraform process that started the provider (with
        // Terraform 1.0 the inner one of its two processes: killing only the
        // outer one would leave the apply running).
        let providers: Vec<libc::pid_t> = found.iter().map(|(p, _)| *p).collect();
        let parents: BTreeSet<libc::pid_t> = found.iter().map(|(_, parent)| *parent).collect();
        for parent in &parents {
            kill9(*parent);
        }
        let gone = wait_gone(&providers, PROVIDER_GONE_WITHIN);
        let out = running.wait(Duration::from_secs(30));
        let gone_after = gone.unwrap_or_else(|still| {
            panic!(
                "provider process(es) {still:?} still running {PROVIDER_GONE_WITHIN:?} after \
                 their Terraform was killed"
            )
        });
        assert!(
            !out.leftover_processes,
            "processes of the killed Terraform's group outlived it (before the kill: \
             {group_before:?}): {}",
            out.describe()
        );
        // Requests the provider had already sent may still land upstream.
        std::thread::sleep(Duration::from_millis(500));
        let killed_ops = proxy.operations();

        // A user would now run `terraform force-unlock`; a local backend's
        // lock dies with the process, but its info file may stay.
        let lock_info = wd.path().join(".terraform.tfstate.lock.info");
        let lock_left = lock_info.exists();
        if lock_left {
            std::fs::remove_file(&lock_info).expect("removing the stale lock info");
        }

        let state = recorded_secrets(&wd);
        let server = server_secrets(&ls.endpoint, &prefix);
        let made = assert_state_is_true("after kill -9", state.as_ref(), &server);
        let owners: BTreeSet<Option<&str>> = server.values().map(|s| s.owner()).collect();
        assert!(
            owners.len() == 1 && !owners.contains(&None),
            "everything the killed run made must carry one resource id: {owners:?}"
        );
        report(&format!(
            "acceptance: resilience_kill9 ({}): killed after {} CreateSecret; the \
             provider exited {:.2}s after its Terraform; {} secrets made, {} in state; stale \
             lock info left: {lock_left}",
            tf.name(),
            count(&killed_ops, "CreateSecret"),
            gone_after.as_secs_f64(),
            server.len(),
            state.as_ref().map_or(0, |s| s.arns.len()),
        ));
        assert!(
            !server.is_empty() && server.len() < NAMES,
            "the kill should land mid-apply ({} made)",
            server.len()
        );

        let made_arns: BTreeSet<String> = made.iter().map(|n| server[n].arn.clone()).collect();

        // The next apply stops before any write, naming the import.
        proxy.clear_faults();
        proxy.clear();
        let failed = wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
        failed.assert_failure();
        let ops = proxy.operations();
        for op in [
            "CreateSecret",
            "DeleteSecret",
            "RestoreSecret",
            "TagResource",
            "UntagResource",
        ] {
            assert_eq!(count(&ops, op), 0, "{op} sent: {}", summarize(&ops));
        }
        let stderr = failed
            .stderr
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let errors = stderr.matches("Error: ").count();
        assert_eq!(errors, 1, "one error expected: {}", failed.describe());
        let import_id = stderr
            .split("terraform import <ADDRESS> '")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .unwrap_or_else(|| panic!("no import command: {}", failed.describe()));
        let listed: BTreeSet<String> = import_id.split(',').map(str::to_owned).collect();
        assert_eq!(listed, made, "the import lists exactly the orphaned names");
        assert!(
            stderr.contains(&format!("id = \"{import_id}\"")),
            "no import block: {}",
            failed.describe()
        );

        // The documented recovery: import, then apply.
        proxy.clear();
        let import = wd.run(&[
            "import",
            "-input=false",
            "-no-color",
            "planton_aws_secrets.many",
            import_id,
        ]);
        import.assert_success();
        let converge = wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
        let ops = proxy.operations();
        converge.assert_success();
        // The import moves the killed run's group, so its first apply takes
        // the group's lease (a CreateSecret) and schedules it once the move
        // is done (a DeleteSecret): neither touches the group's secrets.
        for op in ["DeleteSecret", "RestoreSecret", "UntagResource"] {
            assert_eq!(
                count_except_leases(&ops, op),
                0,
                "{op} sent: {}",
                summarize(&ops)
            );
        }
        assert_eq!(
            secrets_of(&ops, "CreateSecret")
                .into_iter()
                .filter(|s| !s.contains("planton.ai/lease/"))
                .collect::<BTreeSet<_>>(),
            names
                .iter()
                .filter(|n| !made.contains(*n))
                .cloned()
                .collect::<BTreeSet<_>>(),
            "the apply creates exactly the missing names"
        );
        assert_eq!(
            secrets_of(&ops, "TagResource"),
            made_arns,
            "the imported secrets move to the importer's id"
        );
        let state = recorded_secrets(&wd).expect("state after converging");
        assert!(!state.tainted);
        let server = server_secrets(&ls.endpoint, &prefix);
        let orphans = assert_state_is_true("after converging", Some(&state), &server);
        assert!(orphans.is_empty(), "orphans: {orphans:?}");
        let wanted: BTreeSet<String> = names.iter().cloned().collect();
        assert_eq!(state.secret_names, wanted);
        assert_eq!(server.keys().cloned().collect::<BTreeSet<_>>(), wanted);
        for (name, secret) in &server {
            assert_eq!(
                secret.owner(),
                Some(state.id.as_str()),
                "{name} is not tagged with the resource id"
            );
        }
        report(&format!(
            "acceptance: resilience_kill9 ({}): {NAMES} names, {} orphaned: the failing \
             apply took {:.1}s, the import {:.1}s and the converging apply {:.1}s (recovery \
             {:.1}s in all; {})",
            tf.name(),
            made.len(),
            failed.elapsed.as_secs_f64(),
            import.elapsed.as_secs_f64(),
            converge.elapsed.as_secs_f64(),
            failed.elapsed.as_secs_f64()
                + import.elapsed.as_secs_f64()
                + converge.elapsed.as_secs_f64(),
            summarize(&ops)
        ));
        wd.run(&["plan", "-no-color", "-input=false", "-detailed-exitcode"])
            .assert_code(0);
    });
}
