//! Start-up as Terraform sees it: time from launch to the handshake line,
//! and resident memory right after, for this provider and a Go provider
//! launched the same way (same cookie, protocol, client certificate).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const COOKIE: (&str, &str) = (
    "TF_PLUGIN_MAGIC_COOKIE",
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
);
const SAMPLES: usize = 10;

pub struct Startup {
    pub handshake: Duration,
    pub rss_kb: u64,
}

pub struct Comparison {
    pub planton: Startup,
    pub go: Option<Startup>,
}

pub fn compare(planton: &Path, go: Option<&Path>) -> Result<Comparison, String> {
    let cert = client_certificate()?;
    let planton = median_startup(planton, &cert)?;
    let go = go.map(|path| median_startup(path, &cert)).transpose()?;
    Ok(Comparison { planton, go })
}

/// A client certificate like the one Terraform's plugin client makes:
/// self-signed ECDSA P-521 with SHA-512 for `localhost`.
fn client_certificate() -> Result<String, String> {
    let key =
        rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).map_err(|e| e.to_string())?;
    let mut params =
        rcgen::CertificateParams::new(vec!["localhost".to_owned()]).map_err(|e| e.to_string())?;
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
    ];
    Ok(params.self_signed(&key).map_err(|e| e.to_string())?.pem())
}

fn median_startup(binary: &Path, cert: &str) -> Result<Startup, String> {
    let mut samples = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        samples.push(startup(binary, cert)?);
    }
    samples.sort_by_key(|s| s.handshake);
    let handshake = samples[SAMPLES / 2].handshake;
    let mut rss: Vec<u64> = samples.iter().map(|s| s.rss_kb).collect();
    rss.sort_unstable();
    Ok(Startup {
        handshake,
        rss_kb: rss[SAMPLES / 2],
    })
}

fn startup(binary: &Path, cert: &str) -> Result<Startup, String> {
    let started = Instant::now();
    let mut child = Command::new(binary)
        .env(COOKIE.0, COOKIE.1)
        .env("PLUGIN_PROTOCOL_VERSIONS", "6")
        .env("PLUGIN_CLIENT_CERT", cert)
        .env("PLUGIN_MIN_PORT", "10000")
        .env("PLUGIN_MAX_PORT", "25000")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("starting {}: {e}", binary.display()))?;
    let mut line = String::new();
    let stdout = child.stdout.take().ok_or("no stdout")?;
    BufReader::new(stdout)
        .read_line(&mut line)
        .map_err(|e| format!("reading the handshake of {}: {e}", binary.display()))?;
    let handshake = started.elapsed();
    let rss_kb = rss_kb(child.id());
    // The provider ignores SIGTERM (Terraform's own shutdown path ends it),
    // so a measured start-up is ended with SIGKILL.
    let _ = child.kill();
    let _ = child.wait();
    if !line.starts_with("1|") {
        return Err(format!(
            "{} printed no handshake line (got {line:?})",
            binary.display()
        ));
    }
    Ok(Startup { handshake, rss_kb })
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
