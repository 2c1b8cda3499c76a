//! `planton-bench`: measures, in one run on one LocalStack, the raw SDK
//! ceiling, real Terraform with one `planton_aws_secrets` of N names, the
//! `for_each` alternative, and the provider's start-up beside a Go
//! provider. Prints a table and writes the figures as JSON.
//!
//! Run it through `scripts/bench`, which installs and starts what it needs.

mod handshake;
mod raw;
mod report;
mod terraform;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

pub struct Options {
    pub n: usize,
    pub big_n: usize,
    pub endpoint: String,
    pub provider: PathBuf,
    pub go_provider: Option<PathBuf>,
    pub terraform: PathBuf,
    pub work: PathBuf,
    pub out: PathBuf,
    /// A prefix unique to this run, so runs never collide on names that
    /// an earlier run left scheduled for deletion.
    pub run_id: String,
}

fn usage() -> &'static str {
    "usage: planton-bench --provider PATH --terraform PATH --work DIR --out FILE \
     [--n 1000] [--big-n 10000|0] [--endpoint http://127.0.0.1:4566] [--go-provider PATH]"
}

fn parse(args: Vec<String>) -> Result<Options, String> {
    let mut n = 1000;
    let mut big_n = 10_000;
    let mut endpoint = "http://127.0.0.1:4566".to_owned();
    let (mut provider, mut terraform, mut work, mut out, mut go_provider) =
        (None, None, None, None, None);
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
            "--provider" => provider = Some(PathBuf::from(value()?)),
            "--go-provider" => go_provider = Some(PathBuf::from(value()?)),
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
        terraform: terraform.ok_or(usage())?,
        work: work.ok_or(usage())?,
        out: out.ok_or(usage())?,
        run_id: format!("bench{secs}"),
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
    match run(&options).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("planton-bench: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(options: &Options) -> Result<(), String> {
    let mut report = report::Report::new(options.n);
    eprintln!("bench: N = {}, run id {}", options.n, options.run_id);

    eprintln!("bench: start-up and memory at rest, beside the Go provider");
    report.handshake = Some(handshake::compare(
        &options.provider,
        options.go_provider.as_deref(),
    )?);

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
    let tf = terraform::Bench::new(options)?;
    report.one_resource = Some(tf.one_resource(&format!("{}/one", options.run_id), options.n)?);

    eprintln!("bench: raw SDK loop (the ceiling), after");
    let raw_after = raw::run(
        &options.endpoint,
        &format!("{}/raw1", options.run_id),
        options.n,
    )
    .await?;
    report.raw_runs = vec![raw_before, raw_after];

    eprintln!(
        "bench: terraform, {} single-name resources through for_each",
        options.n
    );
    report.for_each = Some(tf.for_each(&format!("{}/each", options.run_id), options.n)?);

    if options.big_n > 0 {
        eprintln!("bench: memory with {} names in one resource", options.big_n);
        report.big = Some(tf.one_resource(&format!("{}/big", options.run_id), options.big_n)?);
    }

    print!("{}", report.table());
    let json = serde_json::to_string_pretty(&report.json()).map_err(|e| e.to_string())?;
    if let Some(dir) = options.out.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    }
    std::fs::write(&options.out, json + "\n")
        .map_err(|e| format!("writing {}: {e}", options.out.display()))?;
    println!("figures written to {}", options.out.display());
    Ok(())
}
