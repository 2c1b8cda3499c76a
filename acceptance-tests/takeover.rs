//! Two workspaces import one group (a lost state's secrets) and apply:
//!
//! - A stale plan: both save an import plan, D applies, then C applies its
//!   older plan. C writes nothing to the group and fails naming D's id.
//! - At the same moment: both apply at once. One takes the whole group,
//!   the other fails naming the winner and keeps none of it in state.
//!
//! Either way every secret ends with one owner, live, and the loser's state
//! records none of them (the concurrent case with identity clients only). Each side's AWS calls are recorded by type (its
//! own recording proxy) and reported. Identity imports where the client
//! has them (Terraform 1.12 and later), else import blocks by names, else
//! `terraform import` by names.

use std::time::Duration;

use crate::harness::resilience::{server_secrets, RunningTf};
use crate::harness::terraform::report;
use crate::harness::{
    for_each_terraform, require_localstack, secrets_resource, Scenario, SecretsResource, Terraform,
    TfOutput,
};

const ADDRESS: &str = "planton_aws_secrets.x";

/// A group of secrets applied as `planton_aws_secrets.g`, then removed from
/// state (as after a lost state): its names and what state recorded.
fn forgotten_group<const N: usize>(
    sc: &Scenario,
    labels: [&str; N],
) -> ([String; N], SecretsResource) {
    let names = labels.map(|s| sc.name(s));
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    sc.write_main("", &secrets_resource("g", &refs));
    sc.init();
    sc.apply();
    let group = sc.secrets("planton_aws_secrets.g");
    sc.tf(&["state", "rm", "-no-color", "planton_aws_secrets.g"])
        .assert_success();
    (names, group)
}

/// How one side imports `names` (group `id`): the configuration's import
/// block, or `None` when the client has to run `terraform import`.
fn import_block(tf: &Terraform, id: &str, names: &[&str]) -> Option<String> {
    if tf.supports_identity() {
        Some(format!(
            "import {{\n  to = {ADDRESS}\n  identity = {{\n    id = \"{id}\"\n  }}\n}}\n"
        ))
    } else if tf.supports_import_blocks() {
        Some(format!(
            "import {{\n  to = {ADDRESS}\n  id = \"{}\"\n}}\n",
            names.join(",")
        ))
    } else {
        None
    }
}

/// Writes the side's configuration over an empty state and saves its plan.
fn plan_import(side: &Scenario, tf: &Terraform, id: &str, names: &[&str]) {
    let _ = std::fs::remove_file(side.wd.path().join("terraform.tfstate"));
    let _ = std::fs::remove_file(side.wd.path().join("tfplan"));
    let block = import_block(tf, id, names);
    let body = format!(
        "{}\n{}",
        secrets_resource("x", names),
        block.as_deref().unwrap_or("")
    );
    side.write_main("", &body);
    if block.is_none() {
        side.tf(&["import", "-no-color", ADDRESS, &names.join(",")])
            .assert_success();
    }
    let plan = side.tf(&["plan", "-no-color", "-input=false", "-out=tfplan"]);
    plan.assert_success();
}

fn apply_args() -> [&'static str; 4] {
    ["apply", "-input=false", "-no-color", "tfplan"]
}

/// "ok" or the first error line, for the report.
fn outcome(out: &TfOutput) -> String {
    if out.success() {
        return "ok".to_owned();
    }
    let text = out.combined();
    let error = text
        .lines()
        .find(|l| l.contains("Error:"))
        .unwrap_or("failed")
        .trim();
    format!("failed: {error}")
}

#[test]
fn two_workspaces_importing_one_group_leave_it_whole_with_one_owner() {
    let ls = require_localstack();
    for_each_terraform(
        "two_workspaces_importing_one_group_leave_it_whole_with_one_owner",
        |tf| {
            let owner = Scenario::new(tf, "takeover");
            let c = Scenario::new(tf, "takeover-c");
            let d = Scenario::new(tf, "takeover-d");
            let mut initialised = false;
            let mut failures = Vec::new();
            // Both cases run the same apply whatever the import route; the
            // concurrent one (the slower) runs with identity clients only.
            let cases: &[(&str, usize)] = match tf.supports_identity() {
                true => &[("stale", 3), ("concurrent", 40)],
                false => &[("stale", 3)],
            };
            for &(case, count) in cases {
                let started = std::time::Instant::now();
                let names: Vec<String> = (0..count)
                    .map(|i| owner.name(&format!("{case}/{i:02}")))
                    .collect();
                let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                owner.write_main("", &secrets_resource("g", &refs));
                if !initialised {
                    owner.init();
                }
                owner.apply();
                let group = owner.secrets("planton_aws_secrets.g");
                owner
                    .tf(&["state", "rm", "-no-color", "planton_aws_secrets.g"])
                    .assert_success();
                for side in [&c, &d] {
                    if !initialised {
                        side.write_main("", "");
                        side.init();
                    }
                    plan_import(side, tf, &group.id, &refs);
                    side.proxy.clear();
                }
                initialised = true;

                let (c_out, d_out) = if case == "stale" {
                    let d_out = d.tf(&apply_args());
                    (c.tf(&apply_args()), d_out)
                } else {
                    let c_run = RunningTf::spawn(&c.wd, &apply_args());
                    let d_run = RunningTf::spawn(&d.wd, &apply_args());
                    let timeout = Duration::from_secs(120);
                    (c.finish(c_run, timeout), d.finish(d_run, timeout))
                };
                report(&format!(
                    "acceptance: takeover ({}) {case}, {count} secrets, {:.1}s: C {:?} {}; D {:?} {}",
                    tf.name(),
                    started.elapsed().as_secs_f64(),
                    c.proxy.calls_by_type(),
                    outcome(&c_out),
                    d.proxy.calls_by_type(),
                    outcome(&d_out),
                ));

                let problems = judge(
                    case,
                    count,
                    &group,
                    &ls.endpoint,
                    &owner,
                    (&c, &c_out),
                    (&d, &d_out),
                );
                if !problems.is_empty() {
                    failures.push(format!("{case}: {}", problems.join("; ")));
                }
            }
            assert!(failures.is_empty(), "{}", failures.join("\n"));
        },
    );
}

/// What is wrong with the outcome of one case (nothing when one side took
/// the whole group and the other failed naming it, keeping none).
fn judge(
    case: &str,
    count: usize,
    group: &crate::harness::SecretsResource,
    endpoint: &str,
    owner: &Scenario,
    (c, c_out): (&Scenario, &TfOutput),
    (d, d_out): (&Scenario, &TfOutput),
) -> Vec<String> {
    let mut problems = Vec::new();
    let server = server_secrets(endpoint, &owner.name(&format!("{case}/")));
    let owners: std::collections::BTreeMap<Option<&str>, usize> =
        server.values().fold(Default::default(), |mut m, s| {
            *m.entry(s.owner()).or_default() += 1;
            m
        });
    report(&format!(
        "acceptance: takeover {case}: owners on the server {owners:?}"
    ));
    // One side took the whole group; the other failed, naming it.
    let (winner, loser, loser_out) = match (c_out.success(), d_out.success()) {
        (true, false) => (c, d, d_out),
        (false, true) => (d, c, c_out),
        _ => {
            problems.push(format!(
                "exactly one side should succeed (C {}, D {})",
                outcome(c_out),
                outcome(d_out)
            ));
            return problems;
        }
    };
    if case == "stale" && !d_out.success() {
        problems.push("the fresh plan should win".to_owned());
    }
    if case == "stale" && c.proxy.count("TagResource") + c.proxy.count("RestoreSecret") > 0 {
        problems.push(format!(
            "the stale plan wrote to the group: {:?}",
            c.proxy.operation_names()
        ));
    }
    let won = winner.secrets(ADDRESS);
    if won.arns != group.arns {
        problems.push(format!(
            "the winner's state is not the whole group: {:?}",
            won.arns
        ));
    }
    if server.len() != count
        || server
            .values()
            .any(|s| s.scheduled_for_deletion || s.owner() != Some(won.id.as_str()))
    {
        problems.push(format!(
            "the server's secrets are not all live and the winner's: {owners:?}"
        ));
    }
    let kept = loser
        .state()
        .secrets(ADDRESS)
        .map(|s| s.arns.len())
        .unwrap_or(0);
    if kept != 0 {
        problems.push(format!("the loser keeps {kept} in state"));
    }
    if !one_line(&loser_out.combined()).contains(&won.id) {
        problems.push(format!(
            "the loser's error does not name the winner: {}",
            loser_out.describe()
        ));
    }
    if problems.is_empty() {
        winner.assert_empty_plan();
    }
    problems
}

/// Terraform's error text with its line wrapping undone.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An import plan whose configuration leaves out a secret of the imported
/// group is refused, naming it, before any write; by names with every
/// client (`terraform import` where there are no import blocks).
#[test]
fn an_import_plan_that_leaves_out_a_secret_of_the_group_is_refused() {
    for_each_terraform(
        "an_import_plan_that_leaves_out_a_secret_of_the_group_is_refused",
        |tf| {
            let sc = Scenario::new(tf, "takeover-whole");
            let (names, group) = forgotten_group(&sc, ["a", "b", "c"]);
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            let import = match tf.supports_import_blocks() {
                true => format!(
                    "import {{\n  to = {ADDRESS}\n  id = \"{}\"\n}}\n",
                    refs.join(",")
                ),
                false => String::new(),
            };
            sc.write_main(
                "",
                &format!("{}\n{import}", secrets_resource("x", &refs[..2])),
            );
            if import.is_empty() {
                sc.tf(&["import", "-no-color", ADDRESS, &refs.join(",")])
                    .assert_success();
            }
            sc.proxy.clear();
            let plan = sc.tf(&["plan", "-no-color", "-input=false"]);
            plan.assert_failure();
            let text = one_line(&plan.combined());
            assert!(
                text.contains(&format!(
                    "The import of {} leaves out 1 of its secret(s)",
                    group.id
                )) && text.contains(&format!("\"{}\"", names[2])),
                "{}",
                plan.describe()
            );
            sc.assert_no_writes("a refused import plan");
            for name in &names {
                let info = sc.describe(name);
                assert!(!info.scheduled_for_deletion);
                assert_eq!(info.tags["planton.ai/resource-id"], group.id);
            }
        },
    );
}

/// Identity imports (Terraform 1.12 and later): two of one id in one
/// configuration are a plan error naming it; one restores the group's
/// secrets scheduled outside Terraform, with their ARNs.
#[test]
fn an_identity_import_restores_its_scheduled_secrets_and_two_of_one_id_are_refused() {
    for_each_terraform(
        "an_identity_import_restores_its_scheduled_secrets_and_two_of_one_id_are_refused",
        |tf| {
            if !tf.supports_identity() {
                report(&format!(
                    "acceptance: takeover identity ({}): no import by identity in this client",
                    tf.name()
                ));
                return;
            }
            let sc = Scenario::new(tf, "takeover-identity");
            let (names, group) = forgotten_group(&sc, ["a", "b"]);
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            // Scheduled by a plain delete-secret: no release tag.
            for name in &names {
                sc.oob.schedule_deletion(name, 7);
            }
            let block = |to: &str| {
                format!(
                    "import {{\n  to = {to}\n  identity = {{\n    id = \"{}\"\n  }}\n}}\n",
                    group.id
                )
            };
            sc.write_main(
                "",
                &format!(
                    "{}{}{}{}",
                    secrets_resource("x", &refs),
                    block(ADDRESS),
                    secrets_resource("y", &[&sc.name("other")]),
                    block("planton_aws_secrets.y")
                ),
            );
            sc.proxy.clear();
            let plan = sc.tf(&["plan", "-no-color", "-input=false"]);
            plan.assert_failure();
            assert!(
                one_line(&plan.combined())
                    .contains(&format!("Group {} is imported by two resources", group.id)),
                "{}",
                plan.describe()
            );
            sc.assert_no_writes("two imports of one id");

            sc.write_main(
                "",
                &format!("{}{}", secrets_resource("x", &refs), block(ADDRESS)),
            );
            let apply = sc.apply();
            assert!(
                one_line(&apply.stdout)
                    .contains("the next apply of this resource restores each one"),
                "{}",
                apply.describe()
            );
            assert_eq!(
                sc.proxy.count("RestoreSecret"),
                2,
                "{:?}",
                sc.proxy.operation_names()
            );
            assert_eq!(
                sc.proxy.count("DeleteSecret"),
                1,
                "the lease only: {:?}",
                sc.proxy.operation_names()
            );
            let x = sc.secrets(ADDRESS);
            assert_eq!(x.arns, group.arns, "restored with the same ARNs");
            sc.assert_server_matches(&x, &Default::default());
            sc.assert_empty_plan();
        },
    );
}
