//! When retries run out: with `max_retries = 2` and a Secrets Manager that
//! answers every request 500 (or throttles every request), the apply fails
//! in bounded time with exactly one clear diagnostic per name, saying how
//! many attempts were made, and nothing panics or hangs. The proxy sees
//! exactly three attempts per name of the call that fails: the create's
//! DescribeSecret (which checks who owns each name before anything is
//! written) when everything answers 500, CreateSecret when only it is
//! throttled.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_fault_proxy::Faults;

use crate::harness::resilience::{
    count, error_blocks, numbered_names, recorded_secrets, secrets_config, server_secrets,
    summarize, FaultProxy, PurgeOnDrop,
};
use crate::harness::terraform::report;
use crate::harness::{for_each_terraform, require_localstack, unique_prefix, Workdir};

const MAX_RETRIES: u32 = 2;
const FAIL_WITHIN: Duration = Duration::from_secs(60);

fn exhausted(test: &str, faults: Faults, aws_code: &str, failing: &str) {
    let ls = require_localstack();
    for_each_terraform(test, |tf| {
        let prefix = unique_prefix(test);
        let _purge = PurgeOnDrop {
            endpoint: ls.endpoint.clone(),
            prefix: prefix.clone(),
        };
        let proxy = FaultProxy::start(&ls.endpoint);
        let names = numbered_names(&prefix, 3);
        let wd = Workdir::new(tf);
        wd.write(
            "main.tf",
            &secrets_config(
                &proxy.endpoint(),
                &format!("  max_retries = {MAX_RETRIES}"),
                &names,
            ),
        );
        wd.init();
        proxy.set_faults(faults.clone());
        proxy.clear();

        let out = wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
        let ops = proxy.operations();
        report(&format!(
            "acceptance: {test} ({}): apply failed in {:.2}s with {:?} ({})",
            tf.name(),
            out.elapsed.as_secs_f64(),
            out.code(),
            summarize(&ops)
        ));
        assert!(!out.timed_out, "{}", out.describe());
        assert!(
            out.elapsed < FAIL_WITHIN,
            "took {:?}: {}",
            out.elapsed,
            out.describe()
        );
        assert_eq!(out.code(), Some(1), "{}", out.describe());
        assert!(
            !out.combined().contains("panicked"),
            "a panic: {}",
            out.describe()
        );

        // One error per name, naming it, AWS's code and the attempts made.
        let errors = error_blocks(&out);
        assert_eq!(
            errors.len(),
            names.len(),
            "one error per name: {errors:#?}\n{}",
            out.describe()
        );
        for name in &names {
            let about: Vec<_> = errors
                .iter()
                .filter(|e| e.summary.contains(name.as_str()))
                .collect();
            assert_eq!(about.len(), 1, "{name}: {errors:#?}");
            let attempts = format!("gave up after {} attempts", MAX_RETRIES + 1);
            assert!(
                about[0].text.contains(&attempts) && about[0].text.contains(aws_code),
                "the error for {name} should say `{attempts}` and `{aws_code}`: {}",
                about[0].text
            );
        }

        // Exactly max_retries + 1 attempts per name, after one successful
        // DescribeSecret when it is not the failing call, and nothing else.
        let mut per_name: BTreeMap<String, usize> = BTreeMap::new();
        for op in &ops {
            if op.operation.as_deref() == Some(failing) {
                *per_name
                    .entry(op.secret.clone().unwrap_or_default())
                    .or_default() += 1;
            }
        }
        let expected: BTreeMap<String, usize> = names
            .iter()
            .map(|n| (n.clone(), MAX_RETRIES as usize + 1))
            .collect();
        assert_eq!(per_name, expected, "{}", summarize(&ops));
        let checks = if failing == "DescribeSecret" {
            0
        } else {
            assert_eq!(
                count(&ops, "DescribeSecret"),
                names.len(),
                "{}",
                summarize(&ops)
            );
            names.len()
        };
        assert_eq!(
            ops.len(),
            count(&ops, failing) + checks,
            "only {failing} (and one DescribeSecret per name before it): {}",
            summarize(&ops)
        );

        // Nothing was made, and state says so.
        assert!(server_secrets(&ls.endpoint, &prefix).is_empty());
        let state = recorded_secrets(&wd);
        assert!(
            state.as_ref().is_none_or(|s| s.arns.is_empty()),
            "state records secrets that were never made: {state:?}"
        );
    });
}

#[test]
fn every_request_failing_with_500_gives_up_after_max_retries_with_a_diagnostic_per_name() {
    exhausted(
        "resilience_retries_5xx",
        Faults {
            error_5xx_rate: 1.0,
            seed: Some(5),
            ..Faults::default()
        },
        "InternalFailure",
        "DescribeSecret",
    );
}

#[test]
fn every_request_throttled_gives_up_after_max_retries_with_a_diagnostic_per_name() {
    exhausted(
        "resilience_retries_throttled",
        Faults {
            quota_per_second: BTreeMap::from([("CreateSecret".to_string(), 0.0)]),
            seed: Some(6),
            ..Faults::default()
        },
        "ThrottlingException",
        "CreateSecret",
    );
}
