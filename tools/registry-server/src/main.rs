//! Command-line wrapper around the `registry_server` library.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use registry_server::{start_blocking, RegistryConfig};

const USAGE: &str = "\
usage: registry-server [--listen 127.0.0.1:0] [--namespace project-planton] [--type planton]
                       DIR...

A Terraform provider registry for tests: serves the release directories DIR... (written by
scripts/release) over plain HTTP with the provider registry protocol:

  GET /.well-known/terraform.json                                  service discovery
  GET /v1/providers/NAMESPACE/TYPE/versions                        versions and platforms
  GET /v1/providers/NAMESPACE/TYPE/VERSION/download/OS/ARCH        package description
  GET /files/VERSION/FILE                                          the release's files

Prints `listening on ADDR` once ready, then a Terraform CLI configuration (on stderr) that
sends registry.terraform.io's and registry.opentofu.org's provider requests to it. Stops on
SIGINT or SIGTERM.";

fn parse_args(args: Vec<String>) -> Result<RegistryConfig, String> {
    let mut config = RegistryConfig::new("project-planton", "planton", Vec::new());
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
            "--namespace" => config.namespace = value()?,
            "--type" => config.type_name = value()?,
            other if other.starts_with('-') => return Err(format!("unknown argument {other:?}")),
            dir => config.dirs.push(PathBuf::from(dir)),
        }
    }
    if config.dirs.is_empty() {
        return Err("no release directory given".into());
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
            eprintln!("registry-server: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let registry = match start_blocking(config) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("registry-server: {e}");
            return ExitCode::FAILURE;
        }
    };
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on {}", registry.local_addr());
        let _ = out.flush();
    }
    let catalog = registry.catalog();
    for release in catalog.versions() {
        let platforms: Vec<String> = release
            .packages
            .values()
            .map(|p| format!("{}_{}", p.os, p.arch))
            .collect();
        eprintln!(
            "registry-server: {}/{} {} ({}), signed by key {}, from {}",
            catalog.namespace,
            catalog.type_name,
            release.version,
            platforms.join(", "),
            release.key.key_id,
            release.dir.display()
        );
        if release.key.algorithm == registry_server::openpgp::ALGORITHM_EDDSA {
            eprintln!(
                "registry-server: warning: key {} is an EdDSA (ed25519) key, which Terraform 1.0 \
                 cannot read (\"unsupported feature: public key type: 22\"); later versions can",
                release.key.key_id
            );
        }
    }
    eprintln!(
        "registry-server: Terraform CLI configuration (TF_CLI_CONFIG_FILE) for it:\n{}",
        registry.cli_config(&["registry.terraform.io", "registry.opentofu.org"])
    );

    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("registry-server: cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let waited = runtime.block_on(async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r,
            _ = term.recv() => Ok(()),
        }
    });
    if let Err(e) = waited {
        eprintln!("registry-server: cannot watch signals: {e}");
        return ExitCode::FAILURE;
    }
    registry.shutdown_blocking();
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &[&str]) -> Vec<String> {
        s.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn parses_flags_and_directories() {
        let c = parse_args(args(&[
            "--listen",
            "127.0.0.1:9999",
            "--namespace=acme",
            "--type",
            "thing",
            "a",
            "b",
        ]))
        .unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:9999");
        assert_eq!(
            (c.namespace.as_str(), c.type_name.as_str()),
            ("acme", "thing")
        );
        assert_eq!(c.dirs, vec![PathBuf::from("a"), PathBuf::from("b")]);
        let d = parse_args(args(&["dir"])).unwrap();
        assert_eq!(d.listen.to_string(), "127.0.0.1:0");
        assert_eq!(
            (d.namespace.as_str(), d.type_name.as_str()),
            ("project-planton", "planton")
        );
        assert!(parse_args(vec![]).is_err());
        assert!(parse_args(args(&["--listen"])).is_err());
        assert!(parse_args(args(&["--listen", "localhost", "d"])).is_err());
        assert!(parse_args(args(&["--bogus", "d"])).is_err());
        assert_eq!(parse_args(args(&["--help"])).unwrap_err(), "");
    }
}
