//! Command-line wrapper around the `registry_server` library.

use std::path::PathBuf;
use std::process::ExitCode;

use registry_server::{start_blocking, RegistryConfig};
use tool_http::{
    current_thread_runtime, listen_addr, parse_command_line, print_listening, signalled, unknown,
    Arg, Args,
};

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
    let mut args = Args::new(args);
    while let Some(arg) = args.next() {
        match arg {
            Arg::Help => return Err(String::new()),
            Arg::Flag(flag) => match flag.as_str() {
                "--listen" => config.listen = listen_addr(&args.value(&flag)?)?,
                "--namespace" => config.namespace = args.value(&flag)?,
                "--type" => config.type_name = args.value(&flag)?,
                other => return Err(unknown(other)),
            },
            Arg::Positional(dir) => config.dirs.push(PathBuf::from(dir)),
        }
    }
    if config.dirs.is_empty() {
        return Err("no release directory given".into());
    }
    Ok(config)
}

fn main() -> ExitCode {
    let config = match parse_command_line("registry-server", USAGE, parse_args) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let registry = match start_blocking(config) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("registry-server: {e}");
            return ExitCode::FAILURE;
        }
    };
    print_listening(registry.local_addr());
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

    let runtime = match current_thread_runtime("registry-server") {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    if let Err(e) = runtime.block_on(signalled()) {
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
