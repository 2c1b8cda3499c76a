//! `registry-server`: a Terraform provider registry for tests. It serves the provider registry
//! protocol (service discovery, list versions, package download) over plain HTTP on a loopback
//! address, from release directories written by `scripts/release`, so that `terraform init`
//! installs a release exactly as it would from registry.terraform.io or registry.opentofu.org:
//! zip, SHA256SUMS, binary signature and signing key, all checked by Terraform itself.
//!
//! ```no_run
//! # fn demo() -> std::io::Result<()> {
//! use registry_server::{start_blocking, RegistryConfig};
//! let registry = start_blocking(RegistryConfig::new(
//!     "project-planton",
//!     "planton",
//!     vec![".cache/release/0.1.0".into()],
//! ))?;
//! // A Terraform CLI configuration that sends registry.terraform.io's provider requests here:
//! let cli_config = registry.cli_config(&["registry.terraform.io", "registry.opentofu.org"]);
//! // ... run `terraform init` with TF_CLI_CONFIG_FILE naming a file holding it ...
//! let downloads = registry
//!     .requests()
//!     .into_iter()
//!     .filter(|r| r.path.ends_with(".zip"))
//!     .count();
//! registry.shutdown_blocking();
//! # let _ = (cli_config, downloads); Ok(())
//! # }
//! ```
//!
//! The server answers whatever `Host` header it gets, and builds the URLs of a package
//! description from it, so one server stands for any registry hostname a CLI configuration
//! points at it. It runs on a runtime of its own (a dedicated thread), so it keeps serving
//! while the caller blocks on a `terraform` process.

pub mod catalog;
pub mod openpgp;
pub mod server;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

pub use catalog::{Catalog, CatalogError, Package, Release, SigningKey, SIGNING_KEY_FILE};
pub use server::{RequestRecord, PROVIDERS_V1};

use server::Shared;
use tool_http::ServerHandle;

/// What to serve, and where.
#[derive(Clone, Debug)]
pub struct RegistryConfig {
    /// Where to listen: a loopback address; port 0 picks a free port.
    pub listen: SocketAddr,
    /// The provider's namespace, such as `project-planton`.
    pub namespace: String,
    /// The provider's type, such as `planton`.
    pub type_name: String,
    /// Release directories; each may hold several versions, and no version may be in two.
    pub dirs: Vec<PathBuf>,
}

impl RegistryConfig {
    /// Listens on a free port of 127.0.0.1.
    pub fn new(
        namespace: impl Into<String>,
        type_name: impl Into<String>,
        dirs: Vec<PathBuf>,
    ) -> Self {
        RegistryConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            namespace: namespace.into(),
            type_name: type_name.into(),
            dirs,
        }
    }
}

/// A running registry. Dropping it stops the server too (without waiting).
pub struct RegistryHandle {
    shared: Arc<Shared>,
    server: ServerHandle,
}

fn invalid(msg: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, msg)
}

/// Reads the release directories and starts serving them; it is listening when this returns.
pub fn start_blocking(config: RegistryConfig) -> std::io::Result<RegistryHandle> {
    if !config.listen.ip().is_loopback() {
        return Err(invalid(format!(
            "refusing to listen on {}: the registry serves plain HTTP on loopback addresses only",
            config.listen
        )));
    }
    let catalog = Catalog::scan(&config.namespace, &config.type_name, &config.dirs)
        .map_err(|e| invalid(e.0))?;
    let listener = std::net::TcpListener::bind(config.listen)?;
    let addr = listener.local_addr()?;
    let shared = Arc::new(Shared {
        catalog,
        fallback_base: format!("http://{addr}"),
        requests: Mutex::new(Vec::new()),
    });
    let serve_shared = shared.clone();
    let server = ServerHandle::spawn(
        "registry-server",
        listener,
        tokio::sync::watch::channel(false).0,
        move |stream, shutdown| server::connection(stream, serve_shared.clone(), shutdown),
    )?;
    Ok(RegistryHandle { shared, server })
}

/// [`start_blocking`] for async callers.
pub async fn start(config: RegistryConfig) -> std::io::Result<RegistryHandle> {
    start_blocking(config)
}

impl RegistryHandle {
    /// The address listened on.
    pub fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.local_addr())
    }

    /// `http://127.0.0.1:PORT/v1/providers/`, the `providers.v1` service URL.
    pub fn providers_url(&self) -> String {
        format!("{}{PROVIDERS_V1}", self.base_url())
    }

    /// What the registry serves.
    pub fn catalog(&self) -> &Catalog {
        &self.shared.catalog
    }

    /// A Terraform CLI configuration with one `host` block per hostname, each sending that
    /// registry's provider requests to this server.
    pub fn cli_config(&self, hostnames: &[&str]) -> String {
        cli_config(&self.providers_url(), hostnames)
    }

    /// Every request answered so far, in order.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared
            .requests
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }

    /// Stops accepting, lets in-flight requests finish (up to 5 s) and waits until it is done.
    pub fn shutdown_blocking(self) {
        self.server.shutdown_blocking();
    }
}

impl std::fmt::Debug for RegistryHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryHandle")
            .field("addr", &self.local_addr())
            .field("versions", &self.shared.catalog.releases.keys())
            .finish()
    }
}

/// The CLI configuration text behind [`RegistryHandle::cli_config`].
pub fn cli_config(providers_url: &str, hostnames: &[&str]) -> String {
    let mut out = String::new();
    for host in hostnames {
        out.push_str(&format!(
            "host \"{host}\" {{\n  services = {{\n    \"providers.v1\" = \"{providers_url}\"\n  }}\n}}\n"
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    /// GET over a fresh connection; returns the status code and body.
    fn get(addr: SocketAddr, path: &str, host: &str) -> (u16, Vec<u8>) {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8_lossy(&raw[..split]).to_string();
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        (status, raw[split + 4..].to_vec())
    }

    #[test]
    fn serves_the_protocol_over_http_for_any_host_name() {
        let dir = tempfile::tempdir().unwrap();
        catalog::tests::fake_release(dir.path(), "0.1.0");
        let registry = start_blocking(RegistryConfig::new(
            "project-planton",
            "planton",
            vec![dir.path().to_path_buf()],
        ))
        .unwrap();
        let addr = registry.local_addr();

        let (status, body) = get(addr, "/.well-known/terraform.json", "registry.terraform.io");
        assert_eq!(status, 200);
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v, serde_json::json!({"providers.v1": "/v1/providers/"}));

        for host in [
            "registry.terraform.io",
            "registry.opentofu.org",
            &addr.to_string(),
        ] {
            let (status, body) = get(
                addr,
                "/v1/providers/project-planton/planton/0.1.0/download/linux/amd64",
                host,
            );
            assert_eq!(status, 200, "{host}");
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
            let url = v["download_url"].as_str().unwrap();
            assert!(
                url.starts_with(&format!("http://{host}/files/0.1.0/")),
                "{url}"
            );
        }

        let (status, body) = get(
            addr,
            "/files/0.1.0/terraform-provider-planton_0.1.0_linux_amd64.zip",
            "x",
        );
        assert_eq!((status, body.as_slice()), (200, b"zip".as_slice()));
        let (status, _) = get(addr, "/files/0.1.0/nothing.zip", "x");
        assert_eq!(status, 404);

        let paths: Vec<(String, u16)> = registry
            .requests()
            .into_iter()
            .map(|r| (r.path, r.status))
            .collect();
        assert_eq!(paths.len(), 6);
        assert_eq!(paths[5].1, 404);

        let config = registry.cli_config(&["registry.terraform.io"]);
        assert_eq!(
            config,
            format!(
                "host \"registry.terraform.io\" {{\n  services = {{\n    \"providers.v1\" = \"http://{addr}/v1/providers/\"\n  }}\n}}\n"
            )
        );
        registry.shutdown_blocking();
        assert!(std::net::TcpStream::connect(addr).is_err());
    }

    #[test]
    fn refuses_a_non_loopback_address_and_a_bad_directory() {
        let mut config = RegistryConfig::new("n", "planton", vec!["/nonexistent".into()]);
        let e = start_blocking(config.clone()).unwrap_err();
        assert!(e.to_string().contains("/nonexistent"), "{e}");
        config.listen = "0.0.0.0:0".parse().unwrap();
        let e = start_blocking(config).unwrap_err();
        assert!(e.to_string().contains("loopback"), "{e}");
    }
}
