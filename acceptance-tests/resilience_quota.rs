//! A thousand names through a Secrets Manager that throttles, fails and
//! drops connections: the apply succeeds with no error, state is exactly
//! the server, and creation runs close to the quota.
//!
//! The fault proxy enforces AWS's write quota (50 requests/s on CreateSecret
//! and the other write operations, answering ThrottlingException past it),
//! answers 5% of requests 500 without forwarding them, forwards 2% and then
//! answers 500 anyway (the secret was created but the provider never heard:
//! its retry must adopt it, not fail on ResourceExists), and resets 1% of
//! connections after the request was forwarded (same thing, without even an
//! answer).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use aws_fault_proxy::{Faults, Injected};

use crate::harness::resilience::{
    assert_state_is_true, count, recorded_secrets, server_secrets, span_ms, summarize,
    write_quotas, HeavyRun, OWNER_TAG,
};
use crate::harness::terraform::report;
use crate::harness::{for_each_terraform, require_localstack};

const NAMES: usize = 1000;
const QUOTA: f64 = 50.0;
/// Creation must reach this share of the quota.
const MIN_SHARE: f64 = 0.8;

#[test]
fn a_thousand_names_under_quota_5xx_and_resets_apply_cleanly_near_the_quota() {
    let ls = require_localstack();
    for_each_terraform("resilience_quota", |tf| {
        let HeavyRun {
            guard: _guard,
            prefix,
            proxy,
            names,
            wd,
        } = HeavyRun::start(tf, &ls.endpoint, "res-quota", NAMES);

        let seed = 0x5eed_0001;
        proxy.set_faults(Faults {
            quota_per_second: write_quotas(QUOTA),
            error_5xx_rate: 0.05,
            error_5xx_after_forward_rate: 0.02,
            reset_rate: 0.01,
            reset_after_forward: true,
            seed: Some(seed),
            ..Faults::default()
        });
        proxy.clear();

        let apply = wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
        let ops = proxy.operations();
        assert!(
            apply.success(),
            "apply under faults failed ({}): {}",
            summarize(&ops),
            apply.describe()
        );
        // The only diagnostic: read_policy_json for this many names is over
        // IAM's limit, which the plan says before the secrets exist.
        let said = apply.combined();
        assert!(
            !said.contains("Error:")
                && said.matches("Warning:").count()
                    == said
                        .matches("Warning: read_policy_json is larger than IAM accepts")
                        .count(),
            "apply printed diagnostics: {}",
            apply.describe()
        );

        // The faults really happened, on the operation under quota too.
        let injected = |kind: Injected| {
            ops.iter()
                .filter(|o| o.operation.as_deref() == Some("CreateSecret"))
                .filter(|o| o.injected == Some(kind))
                .count()
        };
        let throttles = injected(Injected::Throttle);
        let (errors_5xx, resets) = (injected(Injected::Error5xx), injected(Injected::Reset));
        let lost_answers = ops
            .iter()
            .filter(|o| o.operation.as_deref() == Some("CreateSecret"))
            .filter(|o| o.injected.is_some() && o.upstream_status == Some(200))
            .count();
        assert!(
            errors_5xx > 0 && resets + lost_answers > 0,
            "the faults were not exercised: {}",
            summarize(&ops)
        );

        // Nothing was done that need not be: no deletion, no restore, no
        // re-tagging (a create whose answer was lost is adopted as it is).
        for op in [
            "DeleteSecret",
            "RestoreSecret",
            "TagResource",
            "UntagResource",
        ] {
            assert_eq!(count(&ops, op), 0, "{op} sent: {}", summarize(&ops));
        }

        // State is the server: every name once, with this resource's id, and
        // no stray secret under the prefix.
        let state = recorded_secrets(&wd).expect("state records the resource");
        assert!(!state.tainted, "state is tainted after a successful apply");
        let server = server_secrets(&ls.endpoint, &prefix);
        let unrecorded = assert_state_is_true("after apply", Some(&state), &server);
        assert!(
            unrecorded.is_empty(),
            "{} secrets under the prefix are not in state, e.g. {:?}",
            unrecorded.len(),
            unrecorded.iter().take(5).collect::<Vec<_>>()
        );
        let expected: BTreeSet<String> = names.iter().cloned().collect();
        assert_eq!(state.secret_names, expected, "state's names");
        assert_eq!(server.len(), NAMES, "secrets on the server");
        for (name, secret) in &server {
            assert_eq!(secret.owner(), Some(state.id.as_str()), "{name}");
            assert_eq!(
                secret.tags.get("planton.ai/resource").map(String::as_str),
                Some("true"),
                "{name}: {:?}",
                secret.tags
            );
            assert!(secret.tags.contains_key(OWNER_TAG));
        }

        // Throughput: names created per second between the first and the
        // last CreateSecret the proxy saw.
        let span = span_ms(&ops, "CreateSecret").expect("CreateSecret was sent");
        let throughput = NAMES as f64 / (span.max(1) as f64 / 1000.0);
        report(&format!(
            "acceptance: resilience_quota ({}): apply of {NAMES} names {:.1}s; \
             CreateSecret span {:.1}s = {throughput:.1} names/s ({:.0}% of the {QUOTA}/s quota); \
             CreateSecret throttled {throttles}, 5xx {errors_5xx}, reset {resets}, \
             answer lost after the side effect {lost_answers}; all: {}",
            tf.name(),
            apply.elapsed.as_secs_f64(),
            span as f64 / 1000.0,
            100.0 * throughput / QUOTA,
            summarize(&ops)
        ));
        assert!(
            throughput >= MIN_SHARE * QUOTA,
            "{throughput:.1} names/s is below {:.0}% of the {QUOTA}/s quota",
            MIN_SHARE * 100.0
        );

        // The next plan, still through the faults, is empty and sends no
        // write.
        proxy.clear();
        let started = Instant::now();
        let plan = wd.run(&["plan", "-no-color", "-input=false", "-detailed-exitcode"]);
        let plan_time = started.elapsed();
        let ops = proxy.operations();
        plan.assert_code(0);
        for op in crate::harness::resilience::WRITE_OPERATIONS {
            assert_eq!(count(&ops, op), 0, "plan sent {op}: {}", summarize(&ops));
        }
        report(&format!(
            "acceptance: resilience_quota ({}): no-change plan of {NAMES} names \
             through the faults {:.1}s ({})",
            tf.name(),
            plan_time.as_secs_f64(),
            summarize(&ops)
        ));
        assert!(
            plan_time < Duration::from_secs(60),
            "plan took {plan_time:?}"
        );
    });
}
