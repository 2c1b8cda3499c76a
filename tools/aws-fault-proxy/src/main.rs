//! Command-line wrapper around the `aws_fault_proxy` library.

use std::path::PathBuf;
use std::process::ExitCode;

use aws_fault_proxy::{start, Faults, ProxyConfig, StrictAws};
use tool_http::{
    current_thread_runtime, listen_addr, parse_command_line, print_listening, signalled, unknown,
    Arg, Args,
};

const USAGE: &str = "\
usage: aws-fault-proxy [--listen 127.0.0.1:0] [--upstream http://127.0.0.1:4566]
                       [--record FILE.jsonl] [--faults FILE.json]
                       [--strict] [--list-lag-seconds N]

A plain-HTTP proxy for tests that forwards to an AWS JSON endpoint, records every operation
and injects faults. Prints `listening on ADDR` once ready. Stops on SIGINT, SIGTERM or
POST /_proxy/shutdown.

--strict answers as AWS's API reference documents where LocalStack is more lenient (50 tags
per secret, tag lengths and characters, the aws: prefix, calls on secrets scheduled for
deletion, ListSecrets hiding secrets created in the last N seconds: --list-lag-seconds,
default 300, implies --strict).

Admin endpoints (never forwarded):
  GET  /_proxy/operations         recorded operations as a JSON array
  POST /_proxy/operations/clear   forget them
  GET  /_proxy/faults             fault configuration in force
  PUT  /_proxy/faults             replace it (same JSON as --faults)
  GET  /_proxy/strict             strict-AWS configuration in force (null when off)
  PUT  /_proxy/strict             replace it: null, or {\"list_lag_seconds\": N}
  POST /_proxy/shutdown           stop
  GET  /_proxy/health             liveness";

fn parse_args(args: Vec<String>) -> Result<ProxyConfig, String> {
    let mut config = ProxyConfig::default();
    let mut faults_file: Option<PathBuf> = None;
    let mut args = Args::new(args);
    while let Some(arg) = args.next() {
        match arg {
            Arg::Help => return Err(String::new()),
            Arg::Flag(flag) => match flag.as_str() {
                "--listen" => config.listen = listen_addr(&args.value(&flag)?)?,
                "--upstream" => config.upstream = args.value(&flag)?,
                "--record" => config.record = Some(PathBuf::from(args.value(&flag)?)),
                "--faults" => faults_file = Some(PathBuf::from(args.value(&flag)?)),
                "--strict" => {
                    config.strict.get_or_insert_with(StrictAws::default);
                }
                "--list-lag-seconds" => {
                    let value = args.value(&flag)?;
                    let seconds = value.parse().map_err(|_| {
                        format!("--list-lag-seconds takes a whole number of seconds, not {value:?}")
                    })?;
                    config
                        .strict
                        .get_or_insert_with(StrictAws::default)
                        .list_lag_seconds = seconds;
                }
                other => return Err(unknown(other)),
            },
            Arg::Positional(other) => return Err(unknown(&other)),
        }
    }
    if let Some(path) = faults_file {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        config.faults = Faults::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(config)
}

fn main() -> ExitCode {
    let config = match parse_command_line("aws-fault-proxy", USAGE, parse_args) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let runtime = match current_thread_runtime("aws-fault-proxy") {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    runtime.block_on(async {
        let upstream = config.upstream.clone();
        let proxy = match start(config).await {
            Ok(p) => p,
            Err(e) => {
                eprintln!("aws-fault-proxy: {e}");
                return ExitCode::FAILURE;
            }
        };
        print_listening(proxy.local_addr());
        eprintln!("aws-fault-proxy: forwarding to {upstream}");
        tokio::select! {
            _ = proxy.shutdown_requested() => {}
            signalled = signalled() => {
                if let Err(e) = signalled {
                    eprintln!("aws-fault-proxy: cannot watch signals: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        proxy.shutdown().await;
        ExitCode::SUCCESS
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &[&str]) -> Vec<String> {
        s.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn parses_flags() {
        let c = parse_args(args(&[
            "--listen",
            "127.0.0.1:9999",
            "--upstream=http://127.0.0.1:1",
            "--record",
            "/tmp/x.jsonl",
        ]))
        .unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:9999");
        assert_eq!(c.upstream, "http://127.0.0.1:1");
        assert_eq!(c.record, Some(PathBuf::from("/tmp/x.jsonl")));
        let d = parse_args(vec![]).unwrap();
        assert_eq!(d.listen.to_string(), "127.0.0.1:0");
        assert_eq!(d.upstream, "http://127.0.0.1:4566");
        assert_eq!(d.strict, None);
        let s = parse_args(args(&["--strict"])).unwrap();
        assert_eq!(s.strict, Some(StrictAws::default()));
        let s = parse_args(args(&["--list-lag-seconds", "5"])).unwrap();
        assert_eq!(s.strict.unwrap().list_lag_seconds, 5);
        assert!(parse_args(args(&["--list-lag-seconds", "-1"])).is_err());
        assert!(parse_args(args(&["--listen"])).is_err());
        assert!(parse_args(args(&["--listen", "localhost"])).is_err());
        assert!(parse_args(args(&["--bogus"])).is_err());
        assert!(parse_args(args(&["--faults", "/nonexistent/faults.json"])).is_err());
        assert_eq!(parse_args(args(&["--help"])).unwrap_err(), "");
    }
}
