//! Recovering and migrating secrets: resource identity, the list resource
//! behind `terraform query`, import by identity and `import {}` blocks.
//!
//! - Lost state: three resources (50, 200 and 500 names) lose their state
//!   file; `terraform query -generate-config-out` and one apply rebuild it
//!   with the same ARNs and no CreateSecret, DeleteSecret or RestoreSecret;
//!   the next plan is empty (Terraform 1.14 and later).
//! - Import by identity into a new address, and the identities refused:
//!   another account or region (before any Secrets Manager call), an id
//!   nobody carries, a malformed id (Terraform 1.12 and later).
//! - A lost group with a secret scheduled for deletion, found with
//!   `include_scheduled = true`: the generated configuration lists it and
//!   the apply restores it with its ARN (Terraform 1.14 and later).
//! - The orphans of a killed first apply: the refusal names the identity
//!   route, `terraform query` finds them as their own group and an
//!   identity import plus one apply converge (Terraform 1.14 and later).
//! - ListSecrets denied: `terraform query` and an identity import fail at
//!   once with one error each; throttled to one page a second: paced,
//!   retried and complete (Terraform 1.14 and later).
//! - Hand-made secrets taken in by an `import {}` block (or `terraform
//!   import` where the client has no import blocks), with a list block in
//!   the directory that clients without list resources ignore; the state
//!   records an identity exactly for clients that have them.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use aws_fault_proxy::{DelayMs, DenyRule, Faults};

use crate::harness::out_of_band::OutOfBand;
use crate::harness::proxy::count_except_leases;
use crate::harness::resilience::{
    count, error_blocks, kill9, provider_processes, recorded_secrets, secrets_of, server_secrets,
    summarize, wait_gone, FaultProxy, HeavyRun, PurgeOnDrop, RunningTf,
};
use crate::harness::terraform::report;
use crate::harness::{
    for_each_terraform, ownership_tags, require_localstack, required_providers_block,
    secrets_resource, unique_prefix, Scenario, SecretsResource, Terraform, TfOutput, Workdir,
};

/// Error text with Terraform's line wrapping undone.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A list block finding every planton group (under `name_prefix`, if any).
fn list_block(name: &str, name_prefix: Option<&str>) -> String {
    let config = match name_prefix {
        Some(prefix) => format!("  config {{\n    name_prefix = \"{prefix}\"\n  }}\n"),
        None => String::new(),
    };
    format!("list \"planton_aws_secrets\" \"{name}\" {{\n  provider = planton\n{config}}}\n")
}

/// The identities `terraform query -json` reported, with display names.
fn query_results(out: &TfOutput) -> Vec<(serde_json::Value, String)> {
    out.json_lines()
        .into_iter()
        .filter(|line| line["type"] == "list_resource_found")
        .map(|line| {
            let found = &line["list_resource_found"];
            (
                found["identity"].clone(),
                found["display_name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect()
}

/// A client without `terraform query`: the command does not exist, so a
/// list block can only ever be ignored by it.
fn assert_no_query_command(sc: &Scenario, tf: &Terraform) {
    let out = sc.tf(&["query", "-no-color"]);
    out.assert_failure();
    assert!(
        out.combined().contains("no command named \"query\""),
        "{} should not have a query command: {}",
        tf.name(),
        out.describe()
    );
}

/// The recording proxy saw no CreateSecret, DeleteSecret or RestoreSecret
/// since it was last cleared, but for the import's lease: existing secrets
/// were taken in as they are.
fn assert_nothing_made_or_deleted(sc: &Scenario) {
    for op in ["CreateSecret", "DeleteSecret", "RestoreSecret"] {
        let sent = sc.proxy.count_except_leases(op);
        assert_eq!(sent, 0, "{op} sent: {:?}", sc.proxy.operation_names());
    }
}

const GROUPS: [(&str, usize); 3] = [("small", 50), ("medium", 200), ("large", 500)];

#[test]
fn lost_state_is_rebuilt_by_query_and_one_apply_with_the_same_arns() {
    for_each_terraform(
        "lost_state_is_rebuilt_by_query_and_one_apply_with_the_same_arns",
        |tf| {
            // An account of its own: the query finds every group in it.
            let sc = Scenario::isolated(tf, "recovery");
            if !tf.supports_query() {
                assert_no_query_command(&sc, tf);
                report(&format!(
                    "acceptance: recovery ({}): no terraform query in this client; the \
                     recovery by names is in import.rs and resilience_kill9.rs",
                    tf.name()
                ));
                return;
            }
            let _heavy = crate::harness::resilience::heavy_load_lock();
            let body: String = GROUPS
                .iter()
                .map(|(label, n)| {
                    let names: Vec<String> = (0..*n)
                        .map(|i| sc.name(&format!("{label}/{i:03}")))
                        .collect();
                    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                    secrets_resource(label, &refs)
                })
                .collect();
            sc.write_main("", &body);
            sc.init();
            sc.apply();
            let before: Vec<SecretsResource> = GROUPS
                .iter()
                .map(|(label, _)| sc.secrets(&format!("planton_aws_secrets.{label}")))
                .collect();

            // The state file and the resource blocks are gone.
            for file in ["terraform.tfstate", "terraform.tfstate.backup"] {
                let _ = std::fs::remove_file(sc.wd.path().join(file));
            }
            sc.write_main("", "");
            // The documented list blocks, as written ("all" finds everything).
            sc.wd.write(
                "recover.tfquery.hcl",
                &read_example("list-resources/planton_aws_secrets/list-resource.tfquery.hcl"),
            );

            sc.proxy.clear();
            let query = sc.tf(&["query", "-no-color", "-generate-config-out=recovered.tf"]);
            query.assert_success();
            let listed = sc.proxy.count("ListSecrets");
            let total: usize = GROUPS.iter().map(|(_, n)| n).sum();
            // ceil(N / 100) pages for "all"; one empty page for "prod",
            // which finds nothing in this account.
            assert!(
                (2..=total.div_ceil(100) + 1).contains(&listed),
                "{listed} ListSecrets pages for {total} secrets"
            );
            sc.assert_no_writes("terraform query");
            let generated = sc.wd.read("recovered.tf");
            assert_eq!(generated.matches("identity = {").count(), 3, "{generated}");
            for resource in &before {
                assert!(
                    generated.contains(&resource.id),
                    "{} missing: {generated}",
                    resource.id
                );
            }

            sc.proxy.clear();
            let apply = sc.apply();
            assert_nothing_made_or_deleted(&sc);
            assert_eq!(sc.proxy.count("UntagResource"), 0);
            assert_eq!(
                sc.proxy.count("TagResource"),
                total,
                "each secret moves to its new id"
            );
            let state = sc.state();
            let mut addresses = state.addresses();
            addresses.sort();
            assert_eq!(
                addresses,
                [
                    "planton_aws_secrets.all_0",
                    "planton_aws_secrets.all_1",
                    "planton_aws_secrets.all_2"
                ]
            );
            for address in &addresses {
                let now = sc.secrets(address);
                let was = before
                    .iter()
                    .find(|b| b.arns == now.arns)
                    .unwrap_or_else(|| {
                        panic!("{address} holds no lost resource's secrets: {now:?}")
                    });
                assert_ne!(now.id, was.id, "an import mints its own id");
                assert_eq!(now.secret_names, was.secret_names);
                sc.assert_server_matches(&now, &BTreeMap::new());
                let identity = state.identity(address).expect("an identity in state");
                assert_eq!(identity["id"], now.id.as_str(), "{identity}");
                assert_eq!(identity["account_id"], sc.access_key.as_str(), "{identity}");
            }
            sc.assert_empty_plan();
            report(&format!(
                "acceptance: recovery ({}): {total} secrets in 3 groups: terraform query \
                 -generate-config-out {:.1}s ({listed} ListSecrets pages, one of them for the \
                 empty \"prod\" list), terraform apply \
                 {:.1}s (3 imports, {total} TagResource, no create, delete or restore)",
                tf.name(),
                query.elapsed.as_secs_f64(),
                apply.elapsed.as_secs_f64(),
            ));
        },
    );
}

/// `main.tf` whose provider learns its account (GetCallerIdentity), so an
/// identity naming another account is refused before any Secrets Manager
/// call.
fn main_with_account(sc: &Scenario, body: &str) {
    let endpoint = sc.proxy.endpoint();
    sc.wd.write(
        "main.tf",
        &format!(
            "{}\nprovider \"planton\" {{\n  region = \"us-east-1\"\n  endpoints {{\n    secretsmanager = \"{endpoint}\"\n    sts            = \"{endpoint}\"\n  }}\n}}\n\n{body}",
            required_providers_block()
        ),
    );
}

fn identity_import(to: &str, account: &str, region: &str, id: &str) -> String {
    format!(
        "import {{\n  to = {to}\n  identity = {{\n    account_id = \"{account}\"\n    region     = \"{region}\"\n    id         = \"{id}\"\n  }}\n}}\n"
    )
}

/// The id in the documented import block.
const EXAMPLE_ID: &str = "asm-0123456789abcdef0123456789abcdef";

fn read_example(path: &str) -> String {
    let path = crate::harness::repo_root().join("examples").join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// LocalStack's account for the access key `test`.
const ACCOUNT: &str = "000000000000";

#[test]
fn import_by_identity_moves_a_group_to_a_new_address_and_refuses_bad_identities() {
    for_each_terraform(
        "import_by_identity_moves_a_group_to_a_new_address_and_refuses_bad_identities",
        |tf| {
            let sc = Scenario::new(tf, "identity");
            if !tf.supports_identity() {
                report(&format!(
                    "acceptance: identity ({}): no import by identity in this client",
                    tf.name()
                ));
                return;
            }
            let names = ["A", "B", "C"].map(|s| sc.name(s));
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            main_with_account(&sc, &secrets_resource("x", &refs));
            sc.init();
            sc.apply();
            let x = sc.secrets("planton_aws_secrets.x");
            let identity = sc
                .state()
                .identity("planton_aws_secrets.x")
                .expect("identity");
            assert_eq!(
                identity,
                serde_json::json!({"account_id": ACCOUNT, "region": "us-east-1", "id": x.id})
            );
            sc.tf(&["state", "rm", "-no-color", "planton_aws_secrets.x"])
                .assert_success();

            // Into a new address by the documented block (with the id
            // Terraform recorded), which gives the id alone.
            let app = secrets_resource("app", &refs);
            let documented = read_example("resources/planton_aws_secrets/identity/import.tf");
            assert!(documented.contains(EXAMPLE_ID), "{documented}");
            main_with_account(
                &sc,
                &format!("{app}\n{}", documented.replace(EXAMPLE_ID, &x.id)),
            );
            sc.proxy.clear();
            let out = sc.apply();
            out.assert_stdout_contains("1 imported, 0 added, 1 changed, 0 destroyed");
            assert_nothing_made_or_deleted(&sc);
            let moved = sc.secrets("planton_aws_secrets.app");
            assert_eq!(moved.arns, x.arns);
            assert_ne!(moved.id, x.id);
            sc.assert_server_matches(&moved, &BTreeMap::new());
            assert_eq!(
                sc.state()
                    .identity("planton_aws_secrets.app")
                    .expect("identity")["id"],
                moved.id.as_str()
            );
            sc.assert_empty_plan();

            // Identities that cannot be imported; the plan fails, naming why.
            let unknown_id = "asm-00000000000000000000000000000000";
            let cases = [
                (
                    "111111111111",
                    "us-east-1",
                    x.id.as_str(),
                    "Identity in another account",
                    false,
                ),
                (
                    ACCOUNT,
                    "eu-west-1",
                    x.id.as_str(),
                    "Identity in another region",
                    false,
                ),
                (
                    ACCOUNT,
                    "us-east-1",
                    "asm-123",
                    "Invalid identity id",
                    false,
                ),
                (
                    ACCOUNT,
                    "us-east-1",
                    unknown_id,
                    "No secrets carry the id",
                    true,
                ),
            ];
            let z = secrets_resource("z", &[&sc.name("Z")]);
            for (account, region, id, summary, lists) in cases {
                main_with_account(
                    &sc,
                    &format!(
                        "{app}\n{z}\n{}",
                        identity_import("planton_aws_secrets.z", account, region, id)
                    ),
                );
                sc.proxy.clear();
                let out = sc.tf(&["plan", "-input=false", "-no-color"]);
                out.assert_failure();
                assert!(
                    one_line(&out.stderr).contains(&format!("Error: {summary}")),
                    "{account}/{region}/{id}: expected {summary:?}: {}",
                    out.describe()
                );
                assert_eq!(
                    sc.proxy.count("ListSecrets") > 0,
                    lists,
                    "{summary}: {:?}",
                    sc.proxy.operation_names()
                );
                sc.assert_no_writes(summary);
                assert!(sc.probe.describe(&sc.name("Z")).is_none());
            }
        },
    );
}

#[test]
fn a_killed_first_apply_is_found_by_query_and_recovered_by_identity() {
    const NAMES: usize = 90;
    const KILL_AFTER: usize = 30;
    let ls = require_localstack();
    for_each_terraform(
        "a_killed_first_apply_is_found_by_query_and_recovered_by_identity",
        |tf| {
            if !tf.supports_query() {
                report(&format!(
                    "acceptance: orphans by query ({}): no terraform query in this client; \
                     resilience_kill9.rs recovers by names",
                    tf.name()
                ));
                return;
            }
            let HeavyRun {
                guard: _guard,
                prefix,
                proxy,
                names,
                wd,
            } = HeavyRun::start(tf, &ls.endpoint, "orphans", NAMES);
            proxy.set_faults(Faults {
                delay_ms: DelayMs { min: 40, max: 80 },
                seed: Some(0x5eed_0017),
                ..Faults::default()
            });
            let mut running = RunningTf::spawn(
                &wd,
                &["apply", "-auto-approve", "-input=false", "-no-color"],
            );
            let reached = proxy.wait_for("CreateSecret", KILL_AFTER, Duration::from_secs(120));
            assert!(
                reached && !running.has_exited(),
                "{}",
                summarize(&proxy.operations())
            );
            let found = provider_processes(running.pid());
            let parents: BTreeSet<libc::pid_t> = found.iter().map(|(_, parent)| *parent).collect();
            for parent in &parents {
                kill9(*parent);
            }
            let providers: Vec<libc::pid_t> = found.iter().map(|(p, _)| *p).collect();
            wait_gone(&providers, Duration::from_secs(3)).expect("the provider exits");
            running.wait(Duration::from_secs(30));
            std::thread::sleep(Duration::from_millis(500));
            proxy.clear_faults();
            let _ = std::fs::remove_file(wd.path().join(".terraform.tfstate.lock.info"));
            assert!(
                recorded_secrets(&wd).is_none(),
                "a killed first apply saves no state"
            );
            let server = server_secrets(&ls.endpoint, &prefix);
            let made: BTreeSet<String> = server.keys().cloned().collect();
            let orphan_id = server
                .values()
                .find_map(|s| s.owner())
                .expect("the orphans carry an id")
                .to_owned();
            assert!(
                !made.is_empty() && made.len() < NAMES,
                "{} made",
                made.len()
            );

            // The next apply refuses them and names the identity route.
            let failed = wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
            failed.assert_failure();
            let error = one_line(&failed.stderr);
            assert!(
                error.contains(&format!("identity = {{ id = \"{orphan_id}\" }}"))
                    && error.contains("terraform query"),
                "the refusal should name the identity import: {}",
                failed.describe()
            );

            // terraform query finds them as one group of their own.
            wd.write("orphans.tfquery.hcl", &list_block("orphans", Some(&prefix)));
            let query = wd.run(&["query", "-json"]);
            query.assert_success();
            let results = query_results(&query);
            assert_eq!(results.len(), 1, "{}", query.describe());
            let (identity, display) = &results[0];
            assert_eq!(identity["id"], orphan_id.as_str(), "{identity}");
            assert!(
                display.starts_with(&format!("{orphan_id} ({} secrets: ", made.len())),
                "{display}"
            );

            // Imported by that identity into the resource, then one apply.
            wd.write(
                "import.tf",
                &format!(
                    "import {{\n  to = planton_aws_secrets.many\n  identity = {{\n    id = \"{orphan_id}\"\n  }}\n}}\n"
                ),
            );
            proxy.clear();
            let converge = wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
            converge.assert_success();
            let ops = proxy.operations();
            for op in ["DeleteSecret", "RestoreSecret", "UntagResource"] {
                let sent = count_except_leases(&ops, op);
                assert_eq!(sent, 0, "{op} sent: {}", summarize(&ops));
            }
            let missing: BTreeSet<String> = names
                .iter()
                .filter(|n| !made.contains(*n))
                .cloned()
                .collect();
            let (leases, created): (BTreeSet<String>, BTreeSet<String>) =
                secrets_of(&ops, "CreateSecret")
                    .into_iter()
                    .partition(|s| s.starts_with("planton.ai/lease/"));
            assert_eq!(created, missing);
            assert_eq!(leases.len(), 1, "one lease for the move: {leases:?}");
            let state = recorded_secrets(&wd).expect("state");
            assert_eq!(state.secret_names, names.iter().cloned().collect());
            for name in &made {
                assert_eq!(state.arns[name], server[name].arn, "{name} keeps its ARN");
            }
            wd.run(&["plan", "-no-color", "-input=false", "-detailed-exitcode"])
                .assert_code(0);
            report(&format!(
                "acceptance: orphans by query ({}): {} of {NAMES} made before the kill; query \
                 {:.1}s, identity import and apply {:.1}s",
                tf.name(),
                made.len(),
                query.elapsed.as_secs_f64(),
                converge.elapsed.as_secs_f64()
            ));
        },
    );
}

#[test]
fn hand_made_secrets_migrate_by_an_import_block_and_identity_follows_the_client() {
    for_each_terraform(
        "hand_made_secrets_migrate_by_an_import_block_and_identity_follows_the_client",
        |tf| {
            let sc = Scenario::new(tf, "migrate");
            let names: Vec<String> = (0..5).map(|i| sc.name(&format!("app/{i}"))).collect();
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            let team = BTreeMap::from([("team".to_owned(), "payments".to_owned())]);
            let arns: BTreeMap<String, String> = names
                .iter()
                .map(|n| (n.clone(), sc.oob.create(n, &team)))
                .collect();
            let import_id = names.join(",");
            let resource = secrets_resource("app", &refs);
            // A list block beside the configuration: clients without list
            // resources never read .tfquery.hcl files.
            sc.wd
                .write("find.tfquery.hcl", &list_block("mine", Some(&sc.prefix)));
            sc.proxy.clear();
            if tf.supports_import_blocks() {
                let import = format!(
                    "import {{\n  to = planton_aws_secrets.app\n  id = {}\n}}\n",
                    serde_json::to_string(&import_id).unwrap()
                );
                sc.write_main("", &format!("{resource}\n{import}"));
                sc.init();
                sc.apply()
                    .assert_stdout_contains("1 imported, 0 added, 1 changed, 0 destroyed");
            } else {
                sc.write_main("", &resource);
                sc.init();
                sc.tf(&[
                    "import",
                    "-input=false",
                    "-no-color",
                    "planton_aws_secrets.app",
                    &import_id,
                ])
                .assert_success();
                sc.apply();
            }
            assert_nothing_made_or_deleted(&sc);
            let app = sc.secrets("planton_aws_secrets.app");
            assert_eq!(app.arns, arns);
            sc.assert_server_matches(&app, &team);
            sc.assert_empty_plan();

            let identity = sc.state().identity("planton_aws_secrets.app");
            if tf.supports_identity() {
                let identity = identity.expect("an identity in state");
                assert_eq!(identity["id"], app.id.as_str(), "{identity}");
                assert_eq!(identity["region"], "us-east-1", "{identity}");
                // The provider skips the account lookup: the ARNs tell it.
                assert_eq!(identity["account_id"], ACCOUNT, "{identity}");
            } else {
                assert_eq!(identity, None, "{} records no identity", tf.name());
                assert!(
                    !sc.state().raw.to_string().contains("identity"),
                    "{}",
                    sc.state().raw
                );
            }
            if tf.supports_query() {
                let query = sc.tf(&["query", "-json"]);
                query.assert_success();
                let results = query_results(&query);
                assert_eq!(results.len(), 1, "{}", query.describe());
                assert_eq!(results[0].0["id"], app.id.as_str());
            }
        },
    );
}

#[test]
fn a_lost_group_with_a_scheduled_secret_is_recovered_whole_with_include_scheduled() {
    for_each_terraform(
        "a_lost_group_with_a_scheduled_secret_is_recovered_whole_with_include_scheduled",
        |tf| {
            let sc = Scenario::new(tf, "recover-scheduled");
            if !tf.supports_query() {
                assert_no_query_command(&sc, tf);
                return;
            }
            let names = ["A", "B", "C"].map(|s| sc.name(s));
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            sc.write_main("", &secrets_resource("x", &refs));
            sc.init();
            sc.apply();
            let lost = sc.secrets("planton_aws_secrets.x");
            sc.oob.schedule_deletion(&names[1], 7);
            let _ = std::fs::remove_file(sc.wd.path().join("terraform.tfstate"));
            sc.write_main("", "");
            sc.wd.write(
                "recover.tfquery.hcl",
                &format!(
                    "list \"planton_aws_secrets\" \"found\" {{\n  provider = planton\n  config {{\n    name_prefix       = \"{}\"\n    include_scheduled = true\n  }}\n}}\n",
                    sc.prefix
                ),
            );
            let query = sc.tf(&["query", "-no-color", "-generate-config-out=recovered.tf"]);
            query.assert_success();
            assert!(
                query.stdout.contains("3 secrets, 1 scheduled for deletion"),
                "{}",
                query.describe()
            );
            let generated = sc.wd.read("recovered.tf");
            assert!(generated.contains(&names[1]), "{generated}");

            sc.proxy.clear();
            let apply = sc.apply();
            assert!(
                one_line(&apply.stdout).contains("scheduled for deletion and were not imported"),
                "{}",
                apply.describe()
            );
            // (Adding a name tries CreateSecret first; on a scheduled name
            // it is refused, and the secret is restored: the ARNs below.)
            assert_eq!(sc.proxy.count_except_leases("DeleteSecret"), 0);
            assert_eq!(
                sc.proxy.count("RestoreSecret"),
                1,
                "{:?}",
                sc.proxy.operation_names()
            );
            let found = sc.secrets("planton_aws_secrets.found_0");
            assert_eq!(
                found.arns, lost.arns,
                "every ARN kept, the scheduled one restored"
            );
            sc.assert_server_matches(&found, &BTreeMap::new());
            sc.assert_empty_plan();
        },
    );
}

#[test]
fn a_denied_listing_fails_fast_with_one_error_and_a_throttled_one_is_paced() {
    let ls = require_localstack();
    for_each_terraform(
        "a_denied_listing_fails_fast_with_one_error_and_a_throttled_one_is_paced",
        |tf| {
            if !tf.supports_query() {
                report(&format!(
                    "acceptance: listing faults ({}): no terraform query in this client",
                    tf.name()
                ));
                return;
            }
            let prefix = unique_prefix("list-faults");
            let _purge = PurgeOnDrop {
                endpoint: ls.endpoint.clone(),
                prefix: prefix.clone(),
            };
            // Two groups, 150 secrets: two ListSecrets pages.
            let oob = OutOfBand::new(&ls.endpoint, "test");
            let ids = [
                "asm-11111111111111111111111111111111",
                "asm-22222222222222222222222222222222",
            ];
            for i in 0..150 {
                let id = ids[i % 2];
                oob.create(&format!("{prefix}{i:03}"), &ownership_tags(id));
            }
            let proxy = FaultProxy::start(&ls.endpoint);
            let wd = Workdir::new(tf);
            wd.write(
                "main.tf",
                &format!(
                    "{}\nprovider \"planton\" {{\n  region = \"us-east-1\"\n  endpoints {{\n    secretsmanager = \"{endpoint}\"\n    sts            = \"{endpoint}\"\n  }}\n  skip_credentials_validation = true\n  skip_requesting_account_id  = true\n}}\n",
                    required_providers_block(),
                    endpoint = proxy.endpoint()
                ),
            );
            wd.write("find.tfquery.hcl", &list_block("found", Some(&prefix)));
            wd.init();

            // Denied: one error, at once, no retry.
            proxy.set_faults(Faults {
                deny: vec![DenyRule::new("ListSecrets", "*")],
                ..Faults::default()
            });
            proxy.clear();
            let denied = wd.run(&["query", "-no-color"]);
            denied.assert_failure();
            let errors = error_blocks(&denied);
            assert_eq!(errors.len(), 1, "{errors:#?}");
            assert_eq!(errors[0].summary, "Cannot list planton secrets");
            assert!(
                errors[0].text.contains("AccessDeniedException"),
                "{errors:#?}"
            );
            assert_eq!(
                proxy.count("ListSecrets"),
                1,
                "{}",
                summarize(&proxy.operations())
            );
            assert!(
                denied.elapsed < Duration::from_secs(30),
                "{:?}",
                denied.elapsed
            );
            // An identity import meets the same refusal, as one error.
            wd.write(
                "import.tf",
                &format!(
                    "resource \"planton_aws_secrets\" \"x\" {{\n  secret_names = [\"{prefix}000\"]\n}}\n\nimport {{\n  to = planton_aws_secrets.x\n  identity = {{\n    id = \"{}\"\n  }}\n}}\n",
                    ids[0]
                ),
            );
            let import = wd.run(&["plan", "-input=false", "-no-color"]);
            import.assert_failure();
            let errors = error_blocks(&import);
            assert_eq!(errors.len(), 1, "{errors:#?}");
            assert!(
                errors[0]
                    .summary
                    .starts_with("Cannot look for the secrets of"),
                "{errors:#?}"
            );
            std::fs::remove_file(wd.path().join("import.tf")).expect("removing import.tf");

            // Throttled at one page a second: paced and retried, then complete.
            proxy.set_faults(Faults {
                quota_per_second: BTreeMap::from([("ListSecrets".to_owned(), 1.0)]),
                ..Faults::default()
            });
            proxy.clear();
            let paced = wd.run(&["query", "-json"]);
            paced.assert_success();
            let results = query_results(&paced);
            let found: BTreeSet<&str> = results
                .iter()
                .filter_map(|(identity, _)| identity["id"].as_str())
                .collect();
            assert_eq!(found, ids.into_iter().collect(), "{}", paced.describe());
            let ops = proxy.operations();
            let throttled = ops
                .iter()
                .filter(|op| {
                    op.operation.as_deref() == Some("ListSecrets") && op.status == Some(400)
                })
                .count();
            assert!(
                throttled >= 1,
                "the quota should have throttled: {}",
                summarize(&ops)
            );
            report(&format!(
                "acceptance: listing faults ({}): denied in {:.1}s (1 ListSecrets); throttled to \
                 1/s: {} pages, {throttled} throttled, {:.1}s",
                tf.name(),
                denied.elapsed.as_secs_f64(),
                count(&ops, "ListSecrets") - throttled,
                paced.elapsed.as_secs_f64()
            ));
        },
    );
}
