//! Command-line wrapper around the `aws_fault_proxy` library.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use aws_fault_proxy::{start, Faults, ProxyConfig};

const USAGE: &str = "\
usage: aws-fault-proxy [--listen 127.0.0.1:0] [--upstream http://127.0.0.1:4566]
                       [--record FILE.jsonl] [--faults FILE.json]

A plain-HTTP proxy for tests that forwards to an AWS JSON endpoint, records every operation
and injects faults. Prints `listening on ADDR` once ready. Stops on SIGINT, SIGTERM or
POST /_proxy/shutdown.

Admin endpoints (never forwarded):
  GET  /_proxy/operations         recorded operations as a JSON array
  POST /_proxy/operations/clear   forget them
  GET  /_proxy/faults             fault configuration in force
  PUT  /_proxy/faults             replace it (same JSON as --faults)
  POST /_proxy/shutdown           stop
  GET  /_proxy/health             liveness";

fn parse_args(args: Vec<String>) -> Result<ProxyConfig, String> {
    let mut config = ProxyConfig::default();
    let mut faults_file: Option<PathBuf> = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        if flag == "-h" || flag == "--help" {
            return Err(String::new());
        }
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--listen" => {
                let v = value()?;
                config.listen = v
                    .parse()
                    .map_err(|e| format!("--listen {v:?}: not an IP:PORT address ({e})"))?;
            }
            "--upstream" => config.upstream = value()?,
            "--record" => config.record = Some(PathBuf::from(value()?)),
            "--faults" => faults_file = Some(PathBuf::from(value()?)),
            other => return Err(format!("unknown argument {other:?}")),
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
    let config = match parse_args(std::env::args().skip(1).collect()) {
        Ok(c) => c,
        Err(e) if e.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("aws-fault-proxy: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("aws-fault-proxy: cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
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
        {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "listening on {}", proxy.local_addr());
            let _ = out.flush();
        }
        eprintln!("aws-fault-proxy: forwarding to {upstream}");
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("aws-fault-proxy: cannot watch SIGTERM: {e}");
                    return ExitCode::FAILURE;
                }
            };
        tokio::select! {
            _ = proxy.shutdown_requested() => {}
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
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
        assert!(parse_args(args(&["--listen"])).is_err());
        assert!(parse_args(args(&["--listen", "localhost"])).is_err());
        assert!(parse_args(args(&["--bogus"])).is_err());
        assert!(parse_args(args(&["--faults", "/nonexistent/faults.json"])).is_err());
        assert_eq!(parse_args(args(&["--help"])).unwrap_err(), "");
    }
}
