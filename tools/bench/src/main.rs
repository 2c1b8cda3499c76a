//! `planton-bench`: measures, in one run on one LocalStack, the raw SDK
//! ceiling, real Terraform with one `planton_aws_secrets` of N names, the
//! `for_each` alternative, the data source read of N names beside a
//! baseline binary (`--baseline-provider`: the data source before its
//! readiness metadata), and the provider's start-up beside a Go provider.
//! Prints a table and writes the figures as JSON. `--data-source-only`
//! measures only the data source read.
//!
//! With `--scale 1000,3000,10000` it measures only the scale comparison:
//! at each size, one resource with every name beside the same names in
//! groups of `--group-size` (one resource per group through `for_each`).
//! `--fresh-store CMD` runs a shell command before each layout that gives
//! it an empty LocalStack (scripts/bench restarts it): LocalStack slows as
//! its store fills, so without it whichever layout ran later would pay for
//! the secrets the earlier ones left scheduled for deletion.
//!
//! With `--query N,G,R` it measures only listing and recovery
//! (query.rs): `terraform query` over N planton secrets in G groups beside
//! a raw paginated ListSecrets sweep, and the recovery of lost state for R
//! secrets in three groups. It needs Terraform 1.14 or later.
//!
//! Run it through `scripts/bench`, which installs and starts what it needs.

mod data_source;
mod handshake;
mod query;
mod raw;
mod report;
mod terraform;
mod throttled;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

pub struct Options {
    pub n: usize,
    pub big_n: usize,
    pub endpoint: String,
    pub provider: PathBuf,
    pub go_provider: Option<PathBuf>,
    /// The provider as it was before the data source gave metadata, to
    /// read the same names with beside it.
    pub baseline_provider: Option<PathBuf>,
    /// Only the data source comparison.
    pub data_source_only: bool,
    /// Only creating: the raw loop around one apply of N names, and the
    /// throttled case.
    pub create_only: bool,
    pub terraform: PathBuf,
    pub work: PathBuf,
    pub out: PathBuf,
    /// A prefix unique to this run, so runs never collide on names that
    /// an earlier run left scheduled for deletion.
    pub run_id: String,
    /// Sizes for the one-resource vs. groups comparison; empty = the
    /// standard run.
    pub scale: Vec<usize>,
    pub group_size: usize,
    /// A shell command that empties the endpoint's store, run before each
    /// layout of the scale comparison.
    pub fresh_store: Option<String>,
    /// `--query N,G,R`: names and groups listed, names recovered.
    pub query: Option<(usize, usize, usize)>,
}

fn usage() -> &'static str {
    "usage: planton-bench --provider PATH --terraform PATH --work DIR --out FILE \
     [--n 1000] [--big-n 10000|0] [--endpoint http://127.0.0.1:4566] [--go-provider PATH] \
     [--baseline-provider PATH] [--data-source-only | --create-only] \
     [--scale 1000,3000,10000 [--group-size 500] [--fresh-store CMD]] \
     [--query 10000,20,750]"
}

fn parse(args: Vec<String>) -> Result<Options, String> {
    let mut n = 1000;
    let mut big_n = 10_000;
    let mut endpoint = "http://127.0.0.1:4566".to_owned();
    let mut scale = Vec::new();
    let mut group_size = 500;
    let mut fresh_store = None;
    let mut query = None;
    let (mut provider, mut terraform, mut work, mut out, mut go_provider) =
        (None, None, None, None, None);
    let mut baseline_provider = None;
    let mut data_source_only = false;
    let mut create_only = false;
    let mut it = args.into_iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .ok_or_else(|| format!("{flag} needs a value\n{}", usage()))
        };
        match flag.as_str() {
            "--n" => n = value()?.parse().map_err(|e| format!("--n: {e}"))?,
            "--big-n" => big_n = value()?.parse().map_err(|e| format!("--big-n: {e}"))?,
            "--endpoint" => endpoint = value()?,
            "--scale" => {
                scale = value()?
                    .split(',')
                    .map(|n| n.trim().parse().map_err(|e| format!("--scale: {e}")))
                    .collect::<Result<_, _>>()?
            }
            "--group-size" => {
                group_size = value()?.parse().map_err(|e| format!("--group-size: {e}"))?
            }
            "--fresh-store" => fresh_store = Some(value()?),
            "--query" => {
                let figures: Vec<usize> = value()?
                    .split(',')
                    .map(|n| n.trim().parse().map_err(|e| format!("--query: {e}")))
                    .collect::<Result<_, _>>()?;
                match figures[..] {
                    [n, groups, recovered] => query = Some((n, groups, recovered)),
                    _ => return Err(format!("--query takes N,GROUPS,RECOVERED\n{}", usage())),
                }
            }
            "--provider" => provider = Some(PathBuf::from(value()?)),
            "--go-provider" => go_provider = Some(PathBuf::from(value()?)),
            "--baseline-provider" => baseline_provider = Some(PathBuf::from(value()?)),
            "--data-source-only" => data_source_only = true,
            "--create-only" => create_only = true,
            "--terraform" => terraform = Some(PathBuf::from(value()?)),
            "--work" => work = Some(PathBuf::from(value()?)),
            "--out" => out = Some(PathBuf::from(value()?)),
            _ => return Err(format!("unknown argument {flag}\n{}", usage())),
        }
    }
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    Ok(Options {
        n,
        big_n,
        endpoint,
        provider: provider.ok_or(usage())?,
        go_provider,
        baseline_provider,
        data_source_only,
        create_only,
        terraform: terraform.ok_or(usage())?,
        work: work.ok_or(usage())?,
        out: out.ok_or(usage())?,
        run_id: format!("bench{secs}"),
        scale,
        group_size,
        fresh_store,
        query,
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1).collect()) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let outcome = if let Some((n, groups, recovered)) = options.query {
        listing_and_recovery(&options, n, groups, recovered).await
    } else if options.scale.is_empty() {
        run(&options).await
    } else {
        scale(&options)
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("planton-bench: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Names in the throttled case: enough for a steady rate (6 s at 50/s).
const THROTTLED_NAMES: usize = 300;

async fn run(options: &Options) -> Result<(), String> {
    let mut report = report::Report::new(options.n);
    eprintln!("bench: N = {}, run id {}", options.n, options.run_id);
    let tf = terraform::Bench::new(options)?;
    if options.data_source_only {
        report.data_source = Some(data_source_read(options, &tf).await?);
        print!("{}", report.table());
        return write_json(&options.out, &report.json());
    }

    if !options.create_only {
        eprintln!("bench: start-up and memory at rest, beside the Go provider");
        report.handshake = Some(handshake::compare(
            &options.provider,
            options.go_provider.as_deref(),
        )?);
    }

    // The raw ceiling brackets the Terraform run it is compared with:
    // LocalStack slows a little as its store fills with each run's secrets,
    // so a ceiling measured only before would flatter itself.
    eprintln!("bench: raw SDK loop (the ceiling), before");
    let raw_before = raw::run(
        &options.endpoint,
        &format!("{}/raw0", options.run_id),
        options.n,
    )
    .await?;

    eprintln!("bench: terraform, one resource with {} names", options.n);
    report.one_resource = Some(tf.one_resource(&format!("{}/one", options.run_id), options.n)?);

    eprintln!("bench: raw SDK loop (the ceiling), after");
    let raw_after = raw::run(
        &options.endpoint,
        &format!("{}/raw1", options.run_id),
        options.n,
    )
    .await?;
    report.raw_runs = vec![raw_before, raw_after];

    if !options.create_only {
        others(options, &tf, &mut report).await?;
    }

    let throttled_n = options.n.min(THROTTLED_NAMES);
    eprintln!(
        "bench: {throttled_n} names through a {}/s write quota, the provider beside a raw loop",
        throttled::QUOTA
    );
    report.throttled = Some(
        throttled::run(
            &tf,
            &options.endpoint,
            &format!("{}/quota", options.run_id),
            throttled_n,
        )
        .await?,
    );

    if options.big_n > 0 && !options.create_only {
        eprintln!("bench: memory with {} names in one resource", options.big_n);
        report.big = Some(tf.one_resource(&format!("{}/big", options.run_id), options.big_n)?);
    }

    print!("{}", report.table());
    write_json(&options.out, &report.json())
}

/// The runs beside the create figures: `for_each` and the data source.
async fn others(
    options: &Options,
    tf: &terraform::Bench,
    report: &mut report::Report,
) -> Result<(), String> {
    eprintln!(
        "bench: terraform, {} single-name resources through for_each",
        options.n
    );
    report.for_each = Some(tf.for_each(&format!("{}/each", options.run_id), options.n)?);
    report.data_source = Some(data_source_read(options, tf).await?);
    Ok(())
}

async fn data_source_read(
    options: &Options,
    tf: &terraform::Bench,
) -> Result<data_source::DataSourceFigures, String> {
    eprintln!(
        "bench: data source read of {} names, {} rounds{}",
        options.n,
        data_source::ROUNDS,
        if options.baseline_provider.is_some() {
            " beside the baseline binary"
        } else {
            " (no --baseline-provider: nothing to compare with)"
        }
    );
    data_source::compare(
        tf,
        &options.endpoint,
        &options.provider,
        options.baseline_provider.as_deref(),
        &format!("{}/data", options.run_id),
        options.n,
    )
    .await
}

/// `--query`: listing beside the raw sweep, then the recovery.
async fn listing_and_recovery(
    options: &Options,
    n: usize,
    groups: usize,
    recovered: usize,
) -> Result<(), String> {
    let listing = query::listing(options, n, groups).await?;
    let recovery = query::recovery(options, recovered)?;
    print!("{}", query::table(&listing, &recovery));
    write_json(&options.out, &query::json(&listing, &recovery))
}

/// One resource vs. groups at each size of `--scale`.
fn scale(options: &Options) -> Result<(), String> {
    let tf = terraform::Bench::new(options)?;
    let mut rows = Vec::new();
    for &n in &options.scale {
        eprintln!("bench: scale, one resource with {n} names");
        fresh_store(options)?;
        let one = tf.one_resource(&format!("{}/one{n}", options.run_id), n)?;
        eprintln!(
            "bench: scale, {n} names in groups of {}",
            options.group_size
        );
        fresh_store(options)?;
        let grouped = tf.grouped(&format!("{}/grp{n}", options.run_id), n, options.group_size)?;
        rows.push(report::ScaleRow {
            names: n,
            group_size: options.group_size,
            one,
            grouped,
        });
    }
    print!("{}", report::scale_table(&rows));
    write_json(&options.out, &report::scale_json(&rows))
}

/// Runs `--fresh-store`, if given.
fn fresh_store(options: &Options) -> Result<(), String> {
    let Some(command) = &options.fresh_store else {
        return Ok(());
    };
    let status = std::process::Command::new("sh")
        .args(["-c", command])
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|e| format!("--fresh-store: cannot run {command:?}: {e}"))?;
    if !status.success() {
        return Err(format!("--fresh-store: {command:?} failed: {status}"));
    }
    Ok(())
}

fn write_json(out: &std::path::Path, value: &serde_json::Value) -> Result<(), String> {
    let json = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    }
    std::fs::write(out, json + "\n").map_err(|e| format!("writing {}: {e}", out.display()))?;
    println!("figures written to {}", out.display());
    Ok(())
}
