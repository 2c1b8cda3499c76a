//! Listing and recovery at scale (`--query`), in one run on one LocalStack:
//!
//! - N planton secrets in G groups (made with the SDK, as N resources'
//!   applies would leave them), found by `terraform query` with the
//!   `planton_aws_secrets` list resource, beside a raw paginated ListSecrets
//!   sweep of the same secrets with the same filters. Both go through one
//!   recording proxy, which counts their pages; raw sweeps and queries
//!   alternate, and the medians are compared.
//! - The recovery of lost state for R secrets in three resources (R/15,
//!   R*4/15 and R*10/15 names, 50/200/500 for 750): apply, delete the state
//!   file and the resource blocks, `terraform query -generate-config-out`,
//!   `terraform apply`; timed, with the proxy's count of creates, deletes and
//!   restores (zero expected) and whether the next plan is empty.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use aws_fault_proxy::{start_blocking, ProxyConfig, ProxyHandle};
use aws_sdk_secretsmanager::types::{Filter, FilterNameStringType, Tag};
use futures::stream::{self, StreamExt, TryStreamExt};
use planton::provider::tags::{ownership_tags, OWNERSHIP_ID};

use crate::{raw, Options};

/// Rounds of (raw sweep, query); the medians are reported.
const ROUNDS: usize = 3;
/// Concurrent CreateSecret calls while the secrets are made.
const SETUP_IN_FLIGHT: usize = 16;
/// Attempts of one CreateSecret beyond the SDK's own.
const SETUP_ATTEMPTS: usize = 10;

pub struct Listing {
    pub names: usize,
    pub groups: usize,
    pub raw: Vec<Duration>,
    pub raw_pages: usize,
    pub query: Vec<Duration>,
    pub query_pages: usize,
    pub results: usize,
}

pub struct Recovery {
    pub names: usize,
    pub query: Duration,
    pub apply: Duration,
    /// CreateSecret, DeleteSecret and RestoreSecret during the recovery.
    pub writes_that_must_not_happen: usize,
    pub next_plan_empty: bool,
}

pub fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

/// A well-formed ownership id for group `g` of this run.
fn group_id(run_id: &str, g: usize) -> String {
    let seed = run_id
        .bytes()
        .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    format!("asm-{seed:016x}{g:016x}")
}

pub async fn listing(options: &Options, n: usize, groups: usize) -> Result<Listing, String> {
    let prefix = format!("{}/q/", options.run_id);
    eprintln!("bench: query, making {n} secrets in {groups} groups");
    make_groups(&options.endpoint, &prefix, n, groups, &options.run_id).await?;
    let proxy = proxy(&options.endpoint)?;
    let client = raw::client(&proxy.endpoint()).await;
    let dir = workdir(options, "query")?;
    write_config(options, &dir, &proxy.endpoint(), "")?;
    std::fs::write(
        dir.join("q.tfquery.hcl"),
        format!(
            "list \"planton_aws_secrets\" \"all\" {{\n  provider = planton\n  config {{\n    name_prefix = \"{prefix}\"\n  }}\n}}\n"
        ),
    )
    .map_err(|e| format!("writing the query: {e}"))?;
    let mut figures = Listing {
        names: n,
        groups,
        raw: Vec::new(),
        raw_pages: 0,
        query: Vec::new(),
        query_pages: 0,
        results: 0,
    };
    for round in 1..=ROUNDS {
        eprintln!("bench: query, round {round} of {ROUNDS}: raw ListSecrets sweep");
        proxy.clear_operations();
        let (took, found) = raw_sweep(&client, &prefix).await?;
        if found != n {
            return Err(format!("the raw sweep found {found} secrets, not {n}"));
        }
        figures.raw.push(took);
        figures.raw_pages = list_pages(&proxy);
        eprintln!("bench: query, round {round} of {ROUNDS}: terraform query");
        proxy.clear_operations();
        let (took, out) = terraform(options, &dir, &["query", "-json"])?;
        figures.query.push(took);
        figures.query_pages = list_pages(&proxy);
        figures.results = out.matches("\"type\":\"list_resource_found\"").count();
        if figures.results != groups {
            return Err(format!(
                "terraform query found {} groups, not {groups}",
                figures.results
            ));
        }
    }
    Ok(figures)
}

pub fn recovery(options: &Options, n: usize) -> Result<Recovery, String> {
    let proxy = proxy(&options.endpoint)?;
    let dir = workdir(options, "recovery")?;
    let sizes = [n / 15, n * 4 / 15, n - n / 15 - n * 4 / 15];
    let resources: String = sizes
        .iter()
        .enumerate()
        .map(|(r, size)| {
            let names: Vec<String> = (0..*size)
                .map(|i| format!("{:?}", format!("{}/r/{r}/s{i:04}", options.run_id)))
                .collect();
            format!(
                "resource \"planton_aws_secrets\" \"r{r}\" {{\n  secret_names = [{}]\n}}\n",
                names.join(", ")
            )
        })
        .collect();
    eprintln!("bench: recovery, applying {sizes:?} names");
    write_config(options, &dir, &proxy.endpoint(), &resources)?;
    terraform(options, &dir, &["apply", "-auto-approve", "-input=false"])?;
    for file in ["terraform.tfstate", "terraform.tfstate.backup"] {
        let _ = std::fs::remove_file(dir.join(file));
    }
    write_config(options, &dir, &proxy.endpoint(), "")?;
    std::fs::write(
        dir.join("recover.tfquery.hcl"),
        format!(
            "list \"planton_aws_secrets\" \"all\" {{\n  provider = planton\n  config {{\n    name_prefix = \"{}/r/\"\n  }}\n}}\n",
            options.run_id
        ),
    )
    .map_err(|e| format!("writing the query: {e}"))?;
    proxy.clear_operations();
    eprintln!("bench: recovery, terraform query -generate-config-out");
    let (query, _) = terraform(
        options,
        &dir,
        &["query", "-generate-config-out=recovered.tf"],
    )?;
    eprintln!("bench: recovery, terraform apply");
    let (apply, _) = terraform(options, &dir, &["apply", "-auto-approve", "-input=false"])?;
    let writes_that_must_not_happen = proxy
        .operations()
        .iter()
        .filter(|op| {
            matches!(
                op.operation.as_deref(),
                Some("CreateSecret" | "DeleteSecret" | "RestoreSecret")
            )
        })
        .count();
    let plan = Command::new(&options.terraform)
        .args(["plan", "-detailed-exitcode", "-input=false", "-no-color"])
        .current_dir(&dir)
        .envs(environment(&dir))
        .output()
        .map_err(|e| format!("running terraform plan: {e}"))?;
    Ok(Recovery {
        names: n,
        query,
        apply,
        writes_that_must_not_happen,
        next_plan_empty: plan.status.code() == Some(0),
    })
}

fn proxy(upstream: &str) -> Result<ProxyHandle, String> {
    start_blocking(ProxyConfig::new(upstream)).map_err(|e| format!("starting the proxy: {e}"))
}

fn list_pages(proxy: &ProxyHandle) -> usize {
    proxy
        .operations()
        .iter()
        .filter(|op| op.operation.as_deref() == Some("ListSecrets"))
        .count()
}

/// `n` secrets named `<prefix>g<G>/s<I>`, spread evenly over `groups`
/// ownership ids, with the tags the provider writes.
async fn make_groups(
    endpoint: &str,
    prefix: &str,
    n: usize,
    groups: usize,
    run_id: &str,
) -> Result<(), String> {
    let client = &raw::client(endpoint).await;
    let groups = groups.max(1);
    let tags: Vec<Vec<Tag>> = (0..groups)
        .map(|g| {
            ownership_tags(&Default::default(), &group_id(run_id, g))
                .into_iter()
                .map(|(key, value)| Tag::builder().key(key).value(value).build())
                .collect()
        })
        .collect();
    let tags = &tags;
    stream::iter(0..n)
        .map(|i| async move {
            let g = i % groups;
            let name = format!("{prefix}g{g:02}/s{i:05}");
            // LocalStack sometimes answers 500 when a write meets a scan of
            // its store; the SDK's three attempts are not always enough.
            let mut attempt = 0;
            loop {
                let sent = client
                    .create_secret()
                    .name(&name)
                    .set_tags(Some(tags[g].clone()))
                    .send()
                    .await;
                match sent {
                    Ok(_) => return Ok(()),
                    // An earlier attempt's answer was lost: it is there.
                    Err(e)
                        if e.as_service_error()
                            .is_some_and(|e| e.is_resource_exists_exception()) =>
                    {
                        return Ok(())
                    }
                    Err(e) if attempt < SETUP_ATTEMPTS => {
                        attempt += 1;
                        let why = e.as_service_error().and_then(|e| e.meta().message());
                        eprintln!(
                            "bench: CreateSecret {name} failed ({}), retrying",
                            why.unwrap_or("no answer")
                        );
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                    Err(e) => return Err(format!("CreateSecret {name}: {e:?}")),
                }
            }
        })
        .buffer_unordered(SETUP_IN_FLIGHT)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(())
}

/// ListSecrets, 100 per page, with the filters the list resource sends.
async fn raw_sweep(
    client: &aws_sdk_secretsmanager::Client,
    prefix: &str,
) -> Result<(Duration, usize), String> {
    let filters = vec![
        Filter::builder()
            .key(FilterNameStringType::TagKey)
            .values(OWNERSHIP_ID)
            .build(),
        Filter::builder()
            .key(FilterNameStringType::Name)
            .values(prefix)
            .build(),
    ];
    let started = Instant::now();
    let mut found = 0;
    let mut token: Option<String> = None;
    loop {
        let page = client
            .list_secrets()
            .set_filters(Some(filters.clone()))
            .max_results(100)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| format!("ListSecrets: {e}"))?;
        found += page.secret_list.map_or(0, |l| l.len());
        match page.next_token.filter(|t| !t.is_empty()) {
            Some(next) => token = Some(next),
            None => return Ok((started.elapsed(), found)),
        }
    }
}

fn workdir(options: &Options, name: &str) -> Result<PathBuf, String> {
    let dir = options.work.join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    Ok(dir)
}

/// The provider (from the benchmark's build, by dev_overrides) talking to
/// `endpoint`, and `body`.
fn write_config(options: &Options, dir: &Path, endpoint: &str, body: &str) -> Result<(), String> {
    let provider_dir = options
        .provider
        .parent()
        .ok_or("the provider path has no directory")?;
    let main = format!(
        "terraform {{\n  required_providers {{\n    planton = {{ source = \"project-planton/planton\" }}\n  }}\n}}\n\nprovider \"planton\" {{\n  region                      = \"us-east-1\"\n  skip_credentials_validation = true\n  skip_requesting_account_id  = true\n  max_retries                 = 30\n  endpoints {{\n    secretsmanager = \"{endpoint}\"\n    sts            = \"{endpoint}\"\n  }}\n}}\n\n{body}"
    );
    let cli = format!(
        "provider_installation {{\n  dev_overrides {{\n    \"project-planton/planton\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
        provider_dir.display()
    );
    for (file, text) in [("main.tf", main), ("cli.tfrc", cli)] {
        std::fs::write(dir.join(file), text).map_err(|e| format!("writing {file}: {e}"))?;
    }
    Ok(())
}

fn environment(dir: &Path) -> Vec<(&'static str, String)> {
    vec![
        (
            "TF_CLI_CONFIG_FILE",
            dir.join("cli.tfrc").display().to_string(),
        ),
        ("TF_IN_AUTOMATION", "1".into()),
        ("CHECKPOINT_DISABLE", "1".into()),
        ("AWS_ACCESS_KEY_ID", "test".into()),
        ("AWS_SECRET_ACCESS_KEY", "test".into()),
    ]
}

/// Runs one Terraform command; its wall time and standard output.
fn terraform(options: &Options, dir: &Path, args: &[&str]) -> Result<(Duration, String), String> {
    let started = Instant::now();
    let output = Command::new(&options.terraform)
        .args(args)
        .arg("-no-color")
        .current_dir(dir)
        .envs(environment(dir))
        .output()
        .map_err(|e| format!("running terraform {}: {e}", args[0]))?;
    let took = started.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        return Err(format!(
            "terraform {} in {} failed ({}):\n{stdout}{}",
            args.join(" "),
            dir.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok((took, stdout))
}

pub fn table(listing: &Listing, recovery: &Recovery) -> String {
    let secs = |d: Duration| format!("{:.2} s", d.as_secs_f64());
    let raw = median(&listing.raw);
    let query = median(&listing.query);
    format!(
        "\nListing {} secrets in {} groups (medians of {ROUNDS} alternating rounds)\n\
         raw ListSecrets sweep          {:>9}   {} pages   rounds: {}\n\
         terraform query                {:>9}   {} pages   rounds: {}   {} results\n\
         query / raw                    {:>9.2}x  (ceil(N/100) = {} pages)\n\
         \nRecovery of {} secrets in 3 groups\n\
         terraform query -generate-config-out  {:>9}\n\
         terraform apply                       {:>9}   create+delete+restore: {}   next plan empty: {}\n",
        listing.names,
        listing.groups,
        secs(raw),
        listing.raw_pages,
        listing.raw.iter().map(|d| secs(*d)).collect::<Vec<_>>().join(", "),
        secs(query),
        listing.query_pages,
        listing.query.iter().map(|d| secs(*d)).collect::<Vec<_>>().join(", "),
        listing.results,
        query.as_secs_f64() / raw.as_secs_f64().max(1e-9),
        listing.names.div_ceil(100),
        recovery.names,
        secs(recovery.query),
        secs(recovery.apply),
        recovery.writes_that_must_not_happen,
        recovery.next_plan_empty,
    )
}

pub fn json(listing: &Listing, recovery: &Recovery) -> serde_json::Value {
    let secs = |d: &Duration| d.as_secs_f64();
    serde_json::json!({
        "listing": {
            "names": listing.names,
            "groups": listing.groups,
            "raw_sweep_s": listing.raw.iter().map(secs).collect::<Vec<_>>(),
            "raw_sweep_pages": listing.raw_pages,
            "query_s": listing.query.iter().map(secs).collect::<Vec<_>>(),
            "query_pages": listing.query_pages,
            "query_results": listing.results,
            "median_ratio": secs(&median(&listing.query)) / secs(&median(&listing.raw)).max(1e-9),
        },
        "recovery": {
            "names": recovery.names,
            "query_generate_config_s": secs(&recovery.query),
            "apply_s": secs(&recovery.apply),
            "create_delete_restore_calls": recovery.writes_that_must_not_happen,
            "next_plan_empty": recovery.next_plan_empty,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_ids_are_well_formed_and_distinct() {
        let ids: std::collections::BTreeSet<String> =
            (0..20).map(|g| group_id("bench123", g)).collect();
        assert_eq!(ids.len(), 20);
        for id in &ids {
            let hex = id.strip_prefix("asm-").unwrap();
            assert_eq!(hex.len(), 32);
            assert!(hex
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        }
    }

    #[test]
    fn medians() {
        let ms = |v: &[u64]| {
            v.iter()
                .map(|m| Duration::from_millis(*m))
                .collect::<Vec<_>>()
        };
        assert_eq!(median(&ms(&[3, 1, 2])), Duration::from_millis(2));
        assert_eq!(median(&[]), Duration::ZERO);
    }
}
