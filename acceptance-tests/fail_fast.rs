//! Faults fail fast, never hang, and never report "No changes" unchecked.
//!
//! Through the fault proxy: STS black-holed at configure; Secrets Manager
//! black-holed at refresh, create and delete (and Ctrl-C while a call is
//! black-holed); an endpoint refusing connections on the refresh of a few
//! hundred names; the endpoint dying mid-apply of a few hundred names; and
//! SIGTERM to Terraform's process group mid-apply. After each step the
//! test checks Terraform's answer, how long it took (generous bounds: the
//! machine is shared) and the server's truth against the state. Then the
//! input cases that used to pass plan and fail at apply.

use std::time::{Duration, Instant};

use aws_fault_proxy::{DelayMs, Faults};

use crate::harness::resilience::{
    assert_state_is_true, count, error_blocks, heavy_load_lock, numbered_names, recorded_secrets,
    secrets_config, server_secrets, summarize, FaultProxy, PurgeOnDrop, RunningTf,
};
use crate::harness::terraform::report;
use crate::harness::{
    for_each_terraform, require_localstack, required_providers_block, secrets_resource,
    unique_prefix, LocalStack, Scenario, Terraform, TfOutput, Workdir,
};

/// A dead endpoint must be reported well within this (the documented
/// bounds are 20 s per request and 25 s for STS; the rest is Terraform and
/// a loaded machine).
const FAIL_WITHIN: Duration = Duration::from_secs(60);
/// Terraform's answer after Ctrl-C or SIGTERM (the documented grace is 3 s).
const STOP_WITHIN: Duration = Duration::from_secs(15);
/// Names in the many-names cases.
const MANY: usize = 300;

fn apply_args() -> [&'static str; 4] {
    ["apply", "-auto-approve", "-input=false", "-no-color"]
}

fn plan_args() -> [&'static str; 4] {
    ["plan", "-detailed-exitcode", "-input=false", "-no-color"]
}

/// Asserts a failed run within `bound`, without panics or leftover
/// providers, with at most `max_errors` error diagnostics; returns the
/// error texts.
fn assert_fails_fast(what: &str, out: &TfOutput, bound: Duration, max_errors: usize) -> String {
    let errors = error_blocks(out);
    report(&format!(
        "acceptance: fail_fast/{what} ({}): exit {:?} after {:.1}s with {} error \
         diagnostic(s): {:?}",
        out.version,
        out.code(),
        out.elapsed.as_secs_f64(),
        errors.len(),
        errors
            .iter()
            .map(|e| e.summary.as_str())
            .collect::<Vec<_>>()
    ));
    assert_eq!(out.code(), Some(1), "{what}: {}", out.describe());
    assert!(
        !out.timed_out && out.elapsed < bound,
        "{what}: took {:?} (bound {bound:?}): {}",
        out.elapsed,
        out.describe()
    );
    assert!(
        !errors.is_empty() && errors.len() <= max_errors,
        "{what}: {} error diagnostics: {}",
        errors.len(),
        out.describe()
    );
    assert!(!out.combined().contains("panicked"), "{}", out.describe());
    assert!(!out.leftover_processes, "{}", out.describe());
    assert!(
        !out.stdout.contains("No changes"),
        "{what}: claimed No changes: {}",
        out.describe()
    );
    errors
        .iter()
        .map(|e| e.text.clone())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The state is exactly what the server holds for this resource.
fn assert_truth(context: &str, wd: &Workdir, ls: &LocalStack, prefix: &str) {
    let state = recorded_secrets(wd);
    let server = server_secrets(&ls.endpoint, prefix);
    let unrecorded = assert_state_is_true(context, state.as_ref(), &server);
    let live_unrecorded: Vec<_> = unrecorded
        .iter()
        .filter(|n| !server[*n].scheduled_for_deletion)
        .collect();
    let id = state.as_ref().map(|s| s.id.clone());
    for name in live_unrecorded {
        assert_eq!(
            server[name].owner(),
            id.as_deref(),
            "{context}: {name} exists, is not in state and is not tagged for adoption"
        );
    }
}

/// One resource's world: names under a fresh prefix (purged when dropped),
/// a fault proxy in front of LocalStack and a workdir whose main.tf holds
/// the names, initialised and applied.
struct Applied {
    prefix: String,
    proxy: FaultProxy,
    wd: Workdir,
    names: Vec<String>,
    _purge: PurgeOnDrop,
}

impl Applied {
    fn new(tf: &Terraform, ls: &LocalStack, label: &str, names: fn(&str) -> Vec<String>) -> Self {
        let prefix = unique_prefix(label);
        let _purge = PurgeOnDrop {
            endpoint: ls.endpoint.clone(),
            prefix: prefix.clone(),
        };
        let proxy = FaultProxy::start(&ls.endpoint);
        let wd = Workdir::new(tf);
        let names = names(&prefix);
        wd.write("main.tf", &secrets_config(&proxy.endpoint(), "", &names));
        wd.init().assert_success();
        wd.run(&apply_args()).assert_success();
        Applied {
            prefix,
            proxy,
            wd,
            names,
            _purge,
        }
    }
}

fn black_hole(operations: &[&str]) -> Faults {
    Faults {
        black_hole: operations.iter().map(|o| o.to_string()).collect(),
        ..Faults::default()
    }
}

#[test]
fn sts_black_holed_at_configure_fails_within_the_bound() {
    let ls = require_localstack();
    for_each_terraform("fail_fast_sts_black_hole", |tf| {
        let prefix = unique_prefix("ff-sts");
        let proxy = FaultProxy::start(&ls.endpoint);
        proxy.set_faults(black_hole(&["GetCallerIdentity"]));
        let endpoint = proxy.endpoint();
        let wd = Workdir::new(tf);
        wd.write(
            "main.tf",
            &format!(
                "{}\nprovider \"planton\" {{\n  region = \"us-east-1\"\n  endpoints {{\n    \
                 secretsmanager = \"{endpoint}\"\n    sts            = \"{endpoint}\"\n  }}\n}}\n\n{}",
                required_providers_block(),
                secrets_resource("x", &[&format!("{prefix}a")])
            ),
        );
        wd.init().assert_success();
        let out = wd.run(&plan_args());
        let errors = assert_fails_fast("sts-black-hole/plan", &out, FAIL_WITHIN, 1);
        assert!(errors.contains("Cannot reach AWS STS"), "{errors}");
        assert!(errors.contains("endpoints.sts"), "{errors}");
        assert!(!errors.contains("sts_endpoint"), "{errors}");
        assert!(count(&proxy.operations(), "GetCallerIdentity") >= 1);
        assert_eq!(count(&proxy.operations(), "CreateSecret"), 0);
        assert!(server_secrets(&ls.endpoint, &prefix).is_empty());
    });
}

fn secrets_manager_black_holed(tf: &Terraform, ls: &LocalStack) {
    let mut world = Applied::new(tf, ls, "ff-hole", |p| numbered_names(p, 3));
    let (prefix, proxy, wd, names) = (&world.prefix, &world.proxy, &world.wd, &mut world.names);

    // Refresh: DescribeSecret never answers.
    proxy.set_faults(black_hole(&["DescribeSecret"]));
    let out = wd.run(&plan_args());
    let errors = assert_fails_fast("black-hole/refresh", &out, FAIL_WITHIN, 1);
    assert!(errors.contains("Cannot refresh 3 secret(s)"), "{errors}");
    assert!(errors.contains(&proxy.endpoint()), "{errors}");
    assert_truth("after a black-holed refresh", wd, ls, prefix);

    // Create: CreateSecret never answers.
    proxy.set_faults(black_hole(&["CreateSecret"]));
    names.push(format!("{prefix}added"));
    wd.write("main.tf", &secrets_config(&proxy.endpoint(), "", names));
    let out = wd.run(&apply_args());
    let errors = assert_fails_fast("black-hole/create", &out, FAIL_WITHIN, 2);
    assert!(errors.contains("unreachable"), "{errors}");
    assert_truth("after a black-holed create", wd, ls, prefix);
    assert_eq!(recorded_secrets(wd).map(|s| s.arns.len()), Some(3));

    // Delete: DeleteSecret never answers.
    proxy.clear_faults();
    wd.run(&apply_args()).assert_success();
    proxy.set_faults(black_hole(&["DeleteSecret"]));
    let out = wd.run(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    let errors = assert_fails_fast("black-hole/delete", &out, FAIL_WITHIN, 2);
    assert!(errors.contains("unreachable"), "{errors}");
    assert_truth("after a black-holed delete", wd, ls, prefix);
    assert_eq!(recorded_secrets(wd).map(|s| s.arns.len()), Some(4));

    // Ctrl-C while DeleteSecret is black-holed: Terraform answers at once.
    proxy.clear();
    let running = RunningTf::spawn(
        wd,
        &["destroy", "-auto-approve", "-input=false", "-no-color"],
    );
    assert!(
        proxy.wait_for("DeleteSecret", 1, Duration::from_secs(60)),
        "no DeleteSecret was sent: {}",
        summarize(&proxy.operations())
    );
    let interrupted = Instant::now();
    running.interrupt();
    let out = running.wait(Duration::from_secs(120));
    let after = interrupted.elapsed();
    report(&format!(
        "acceptance: fail_fast/black-hole/ctrl-c ({}): exit {:?} {:.1}s after SIGINT",
        tf.name(),
        out.code(),
        after.as_secs_f64()
    ));
    assert!(
        !out.success() && !out.timed_out && after < STOP_WITHIN,
        "Ctrl-C took {after:?}: {}",
        out.describe()
    );
    assert!(!out.leftover_processes, "{}", out.describe());
    assert_truth("after Ctrl-C of a black-holed delete", wd, ls, prefix);

    // Once the endpoint answers, everything converges.
    proxy.clear_faults();
    wd.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .assert_success();
    assert!(recorded_secrets(wd).is_none_or(|s| s.arns.is_empty()));
    let server = server_secrets(&ls.endpoint, prefix);
    assert!(
        server.values().all(|s| s.scheduled_for_deletion),
        "{server:?}"
    );
}

#[test]
fn secrets_manager_black_holed_at_refresh_create_and_delete_fails_within_the_bound() {
    let ls = require_localstack();
    for_each_terraform("fail_fast_black_hole", |tf| {
        secrets_manager_black_holed(tf, &ls)
    });
}

/// A closed local port: connections to it are refused.
fn refused_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("its address").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

fn refused_refresh_of_many(tf: &Terraform, ls: &LocalStack) {
    let _heavy = heavy_load_lock();
    let mut world = Applied::new(tf, ls, "ff-refused", |p| numbered_names(p, MANY));
    let (prefix, proxy, wd, names) = (&world.prefix, &world.proxy, &world.wd, &mut world.names);

    let dead = refused_endpoint();
    wd.write("main.tf", &secrets_config(&dead, "", names));
    let out = wd.run(&plan_args());
    let errors = assert_fails_fast("refused/refresh", &out, FAIL_WITHIN, 1);
    assert!(
        errors.contains(&format!("Cannot refresh {MANY} secret(s)")),
        "{errors}"
    );
    assert!(errors.contains(&dead), "{errors}");
    assert_truth("after a refused refresh", wd, ls, prefix);
    assert_eq!(recorded_secrets(wd).map(|s| s.arns.len()), Some(MANY));

    // Back on a live endpoint, the plan is verified and empty.
    wd.write("main.tf", &secrets_config(&proxy.endpoint(), "", names));
    wd.run(&plan_args()).assert_code(0);
}

#[test]
fn a_refused_endpoint_fails_the_refresh_of_many_names_with_one_error() {
    let ls = require_localstack();
    for_each_terraform("fail_fast_refused_refresh", |tf| {
        refused_refresh_of_many(tf, &ls)
    });
}

/// How the apply of many names is cut short.
#[derive(Clone, Copy, Debug)]
enum Cut {
    /// The endpoint dies: every connection is reset from then on.
    EndpointDies,
    /// CI cancels the job: SIGTERM to Terraform's whole process group.
    Sigterm,
}

fn apply_of_many_cut_short(tf: &Terraform, ls: &LocalStack, cut: Cut) {
    let _heavy = heavy_load_lock();
    let what = match cut {
        Cut::EndpointDies => "endpoint-dies",
        Cut::Sigterm => "sigterm",
    };
    let mut world = Applied::new(tf, ls, &format!("ff-{what}"), |p| vec![format!("{p}base")]);
    let (prefix, proxy, wd, names) = (&world.prefix, &world.proxy, &world.wd, &mut world.names);
    let id = recorded_secrets(wd).map(|s| s.id);

    names.extend(numbered_names(prefix, MANY));
    wd.write("main.tf", &secrets_config(&proxy.endpoint(), "", names));
    proxy.set_faults(Faults {
        delay_ms: DelayMs { min: 40, max: 80 },
        seed: Some(0x0fa1_1fa5),
        ..Faults::default()
    });
    proxy.clear();
    let running = RunningTf::spawn(wd, &apply_args());
    assert!(
        proxy.wait_for("CreateSecret", MANY / 5, Duration::from_secs(120)),
        "the apply stalled: {}",
        summarize(&proxy.operations())
    );
    let cut_at = Instant::now();
    match cut {
        Cut::EndpointDies => proxy.set_faults(Faults {
            refuse_connections: true,
            ..Faults::default()
        }),
        Cut::Sigterm => running.terminate(),
    }
    let out = running.wait(Duration::from_secs(180));
    let after = cut_at.elapsed();
    let errors = error_blocks(&out);
    report(&format!(
        "acceptance: fail_fast/{what} ({}): exit {:?} {:.1}s after the cut, {} error \
         diagnostic(s) {:?}; {}",
        tf.name(),
        out.code(),
        after.as_secs_f64(),
        errors.len(),
        errors
            .iter()
            .map(|e| e.summary.as_str())
            .collect::<Vec<_>>(),
        summarize(&proxy.operations())
    ));
    let bound = match cut {
        Cut::EndpointDies => FAIL_WITHIN,
        Cut::Sigterm => STOP_WITHIN,
    };
    assert!(
        !out.success() && !out.timed_out && after < bound,
        "{what}: took {after:?}: {}",
        out.describe()
    );
    assert!(errors.len() <= 4, "{what}: {}", out.describe());
    assert!(!out.leftover_processes, "{}", out.describe());
    assert!(!out.combined().contains("panicked"), "{}", out.describe());
    if let Cut::EndpointDies = cut {
        let text: String = errors.iter().map(|e| e.text.as_str()).collect();
        assert!(text.contains("unreachable"), "{}", out.describe());
    }
    if recorded_secrets(wd).is_none() {
        // Terraform itself cancelled hard (seen with 1.0.3 on SIGTERM:
        // "operation canceled", exit at once) and wrote a state without the
        // resource, as after a kill -9. The provider's part: every secret it
        // made carries the resource's id, and the documented import recovers.
        let id = id
            .as_deref()
            .expect("the resource had an id before the cut");
        let server = server_secrets(&ls.endpoint, prefix);
        for (name, secret) in &server {
            assert_eq!(secret.owner(), Some(id), "{name} is not the resource's");
            assert!(!secret.scheduled_for_deletion, "{name} was deleted");
        }
        report(&format!(
            "acceptance: fail_fast/{what} ({}): Terraform cancelled hard and dropped \
             the resource from its state; recovering {} secrets by the documented import",
            tf.name(),
            server.len()
        ));
        import_what_the_refused_apply_names(wd, &server.keys().cloned().collect::<Vec<_>>());
    } else {
        assert_truth(&format!("after {what}"), wd, ls, prefix);
        let state = recorded_secrets(wd).expect("the resource stays in state");
        assert_eq!(Some(&state.id), id.as_ref(), "the id never changes");
        assert!(!state.tainted, "a cut update must not taint the resource");
        // Terraform 1.0.3 has also answered a single SIGTERM with "Two
        // interrupts received" (its hard cancel, which keeps the state from
        // before the apply); then the made secrets are tagged with the id in
        // state (checked above) and the next apply adopts them.
        let kept_old_state = out.combined().contains("Two interrupts received");
        assert!(
            kept_old_state || state.arns.len() > 1,
            "what was created before the cut is recorded ({} names): {}",
            state.arns.len(),
            out.describe()
        );
    }

    // The next apply converges: nothing deleted, server == state == config.
    proxy.clear_faults();
    proxy.clear();
    let converge = wd.run(&apply_args());
    converge.assert_success();
    assert_eq!(count(&proxy.operations(), "DeleteSecret"), 0);
    let state = recorded_secrets(wd).expect("state after converging");
    let server = server_secrets(&ls.endpoint, prefix);
    assert!(assert_state_is_true("after converging", Some(&state), &server).is_empty());
    assert_eq!(state.arns.len(), names.len());
    report(&format!(
        "acceptance: fail_fast/{what} ({}): converged in {:.1}s",
        tf.name(),
        converge.elapsed.as_secs_f64()
    ));
}

/// After Terraform lost the resource from its state: the next apply stops
/// before any write and names exactly the `existing` secrets to import;
/// that import succeeds.
fn import_what_the_refused_apply_names(wd: &Workdir, existing: &[String]) {
    let refused = wd.run(&apply_args());
    refused.assert_failure();
    let stderr = refused
        .stderr
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let import_id = stderr
        .split("terraform import <ADDRESS> '")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_else(|| panic!("no import command: {}", refused.describe()));
    let mut listed: Vec<&str> = import_id.split(',').collect();
    listed.sort_unstable();
    let mut expected: Vec<&str> = existing.iter().map(String::as_str).collect();
    expected.sort_unstable();
    assert_eq!(listed, expected, "the import lists exactly what exists");
    wd.run(&[
        "import",
        "-input=false",
        "-no-color",
        "planton_aws_secrets.many",
        import_id,
    ])
    .assert_success();
}

#[test]
fn the_endpoint_dying_mid_apply_of_many_names_fails_fast_and_converges() {
    let ls = require_localstack();
    for_each_terraform("fail_fast_endpoint_dies", |tf| {
        apply_of_many_cut_short(tf, &ls, Cut::EndpointDies)
    });
}

#[test]
fn sigterm_to_the_process_group_mid_apply_records_the_truth() {
    let ls = require_localstack();
    for_each_terraform("fail_fast_sigterm", |tf| {
        apply_of_many_cut_short(tf, &ls, Cut::Sigterm)
    });
}

/// What passed plan and failed at apply now fails at validate or plan,
/// naming the attribute, before any Secrets Manager request.
#[test]
fn inputs_that_would_fail_at_apply_fail_at_validate_or_plan() {
    for_each_terraform("fail_fast_inputs", |tf| {
        let mut sc = Scenario::new(tf, "ff-inputs");
        let name = sc.name("a");
        sc.write_main(
            "",
            &format!(
                "resource \"planton_aws_secrets\" \"x\" {{\n  secret_names = [\"{name}\", null]\n}}\n"
            ),
        );
        sc.init();
        let out = sc.tf(&["validate", "-no-color"]);
        out.assert_code(1);
        let all = out.combined();
        assert!(all.contains("Null secret name"), "{}", out.describe());
        assert!(all.contains("secret_names"), "{}", out.describe());

        // Whitespace in an endpoint: at validate, on the attribute.
        let body = secrets_resource("x", &[&name]);
        sc.wd.write(
            "main.tf",
            &format!(
                "{}\nprovider \"planton\" {{\n  region = \"us-east-1\"\n  endpoints {{\n    \
                 secretsmanager = \"{} \"\n  }}\n  skip_credentials_validation = true\n  \
                 skip_requesting_account_id = true\n}}\n\n{body}",
                required_providers_block(),
                sc.proxy.endpoint()
            ),
        );
        let out = sc.tf(&["validate", "-no-color"]);
        out.assert_code(1);
        let all = out
            .combined()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(all.contains("contains whitespace"), "{}", out.describe());
        assert!(
            all.contains("endpoints.secretsmanager"),
            "{}",
            out.describe()
        );
        assert!(!all.contains("HttpRequest"), "{}", out.describe());

        // Whitespace in AWS_REGION: at plan (configure), naming region.
        let endpoint = sc.proxy.endpoint();
        sc.wd.write(
            "main.tf",
            &format!(
                "{}\nprovider \"planton\" {{\n  endpoints {{\n    secretsmanager = \"{endpoint}\"\n    \
                 sts = \"{endpoint}\"\n  }}\n  skip_credentials_validation = true\n  \
                 skip_requesting_account_id = true\n}}\n\n{body}",
                required_providers_block(),
            ),
        );
        sc.wd.env("AWS_REGION", "us-east-1 ");
        let out = sc.tf(&plan_args());
        out.assert_code(1);
        let all = out.combined();
        assert!(all.contains("Invalid AWS region"), "{}", out.describe());
        assert!(all.contains("\"us-east-1 \""), "{}", out.describe());
        sc.wd.env("AWS_REGION", "us-east-1");
        assert_eq!(sc.proxy.operations(), vec![], "nothing may reach AWS");

        // The ARN-suffix warning: once per name per plan.
        let suffixed = sc.name("db-abc123");
        sc.write_main("", &secrets_resource("x", &[&suffixed]));
        let out = sc.plan_code(2);
        let warnings = out.combined().matches("ends like an ARN suffix").count();
        assert_eq!(warnings, 1, "{}", out.describe());
    });
}
