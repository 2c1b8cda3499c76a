//! go-plugin's handshake: the magic cookie, protocol negotiation and the
//! single line on stdout that tells Terraform where to connect.

use std::ffi::OsStr;
use std::io::Write;

use base64::Engine as _;

/// The environment variable Terraform sets when it launches a provider.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
/// Terraform's (and OpenTofu's) cookie value for provider plugins.
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// The version of go-plugin's own protocol: first field of the handshake line.
pub const CORE_PROTOCOL_VERSION: u32 = 1;
/// The Terraform plugin protocol this provider speaks (tfplugin6).
pub const APP_PROTOCOL_VERSION: u32 = 6;

/// Checks the cookie, which only a plugin host sets: a person running the
/// binary by hand gets an explanation instead of a silent socket server.
/// `source` is the provider's registry address, named in that explanation.
pub fn check_cookie(value: Option<&OsStr>, source: &str) -> Result<(), String> {
    if value.is_some_and(|v| v == MAGIC_COOKIE_VALUE) {
        return Ok(());
    }
    Err(format!(
        "This binary is a plugin for Terraform/OpenTofu. Do not run it directly; \
         Terraform runs it when you use the {source} provider \
         in a configuration (declare it in required_providers and run `terraform init`)."
    ))
}

/// Picks the app protocol version from `PLUGIN_PROTOCOL_VERSIONS`, the
/// comma-separated list the host can speak. Absent means an old host that
/// predates negotiation: offer ours and let it decide.
pub fn negotiate(offered: Option<&str>) -> Result<u32, String> {
    let Some(offered) = offered.filter(|s| !s.trim().is_empty()) else {
        return Ok(APP_PROTOCOL_VERSION);
    };
    let speaks_ours = offered
        .split(',')
        .any(|v| v.trim().parse::<u32>() == Ok(APP_PROTOCOL_VERSION));
    if speaks_ours {
        Ok(APP_PROTOCOL_VERSION)
    } else {
        Err(format!(
            "This provider speaks Terraform plugin protocol {APP_PROTOCOL_VERSION}, but the \
             program that started it offered only protocol version(s) {offered}. Use \
             Terraform 1.0 or later, or OpenTofu."
        ))
    }
}

/// The handshake line: `core|app|network|address|grpc|server-cert`, the
/// certificate as unpadded standard base64 of its DER (empty without TLS),
/// because go-plugin reads it with `base64.RawStdEncoding`.
pub fn line(
    app_version: u32,
    network: &str,
    address: &str,
    server_cert_der: Option<&[u8]>,
) -> String {
    let cert = server_cert_der
        .map(|der| base64::engine::general_purpose::STANDARD_NO_PAD.encode(der))
        .unwrap_or_default();
    format!("{CORE_PROTOCOL_VERSION}|{app_version}|{network}|{address}|grpc|{cert}")
}

/// Writes the handshake line to stdout and flushes it: Terraform waits for it
/// before it connects. Nothing else is ever written to stdout.
pub fn announce(line: &str) -> Result<(), String> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")
        .and_then(|()| stdout.flush())
        .map_err(|e| format!("cannot write the plugin handshake to stdout: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_must_match_exactly() {
        assert!(check_cookie(Some(OsStr::new(MAGIC_COOKIE_VALUE)), "a/b").is_ok());
        assert!(check_cookie(None, "a/b").is_err());
        assert!(check_cookie(Some(OsStr::new("")), "a/b").is_err());
        let message = check_cookie(Some(OsStr::new("d602bf8f")), "a/b").unwrap_err();
        assert!(message.contains("Do not run it directly"), "{message}");
        assert!(message.contains("the a/b provider"), "{message}");
    }

    #[test]
    fn negotiation_wants_six() {
        assert_eq!(negotiate(None), Ok(6));
        assert_eq!(negotiate(Some("")), Ok(6));
        assert_eq!(negotiate(Some("6")), Ok(6));
        assert_eq!(negotiate(Some("5,6")), Ok(6));
        assert_eq!(negotiate(Some("6, 5")), Ok(6));
        assert_eq!(negotiate(Some("x,6")), Ok(6));
        let err = negotiate(Some("4,5")).unwrap_err();
        assert!(err.contains("4,5") && err.contains("protocol 6"), "{err}");
        assert!(negotiate(Some("60")).is_err());
    }

    #[test]
    fn line_matches_go_plugin() {
        assert_eq!(line(6, "unix", "/tmp/p/s", None), "1|6|unix|/tmp/p/s|grpc|");
        assert_eq!(
            line(6, "tcp", "127.0.0.1:10000", Some(&[0xfb, 0xff])),
            "1|6|tcp|127.0.0.1:10000|grpc|+/8"
        );
        // 0xfb 0xff encodes with '+' and '/' in the standard alphabet, no '='.
        assert_eq!(
            line(6, "unix", "/s", Some(&[0xfb, 0xff])),
            "1|6|unix|/s|grpc|+/8"
        );
    }
}
