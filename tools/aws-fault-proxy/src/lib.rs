//! `aws-fault-proxy`: a plain-HTTP reverse proxy for tests, placed between an AWS SDK and an
//! AWS JSON endpoint (LocalStack). It records every AWS operation (operation name and the secret
//! named, never a body or a header) and injects faults on demand: throttling per operation,
//! 500s before or after forwarding, connection resets, access denials, latency, black holes
//! (requests never answered) and a dead endpoint (every connection reset). In strict-AWS mode
//! ([`strict`]) it also answers as AWS's API reference documents where LocalStack is more
//! lenient: tag limits, calls on secrets scheduled for deletion, ListSecrets lagging new secrets.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use aws_fault_proxy::{start, Faults, ProxyConfig};
//! let proxy = start(ProxyConfig::new("http://127.0.0.1:4566")).await?;
//! // Point the SDK (or the provider's `endpoints { secretsmanager = ... }`) at:
//! let endpoint = proxy.endpoint();
//! proxy.set_faults(Faults { error_5xx_rate: 0.1, seed: Some(1), ..Faults::default() });
//! // ... run the code under test ...
//! let creates = proxy
//!     .operations()
//!     .into_iter()
//!     .filter(|op| op.operation.as_deref() == Some("CreateSecret"))
//!     .count();
//! proxy.shutdown().await;
//! # let _ = (endpoint, creates); Ok(())
//! # }
//! ```
//!
//! The proxy runs on a runtime of its own (a dedicated thread), so it keeps serving while the
//! caller blocks, e.g. on a `terraform apply` run with `std::process::Command`.

mod aws;
pub mod faults;
mod query;
mod record;
mod rng;
mod server;
pub mod strict;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

pub use faults::{DelayMs, DenyRule, Faults, FaultsError};
pub use record::{Injected, Operation};
pub use strict::StrictAws;

use record::Recorder;
use server::Shared;
use tool_http::ServerHandle;

/// What to start.
#[derive(Clone, Debug)]
pub struct ProxyConfig {
    /// Where to listen: a loopback address; port 0 picks a free port.
    pub listen: SocketAddr,
    /// The endpoint to forward to: `http://host:port`, no path.
    pub upstream: String,
    /// JSON-lines file each operation is appended to (created if missing).
    pub record: Option<PathBuf>,
    /// Faults from the start; replaceable later.
    pub faults: Faults,
    /// Strict-AWS mode (see [`strict`]): off when `None`; replaceable later.
    pub strict: Option<StrictAws>,
}

impl ProxyConfig {
    /// Listens on a free port of 127.0.0.1, forwards to `upstream`, records in memory only and
    /// injects nothing.
    pub fn new(upstream: impl Into<String>) -> Self {
        ProxyConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            upstream: upstream.into(),
            record: None,
            faults: Faults::default(),
            strict: None,
        }
    }

    /// The same, answering as AWS's API reference documents where the upstream is more lenient
    /// (see [`strict`]).
    pub fn strict(mut self, strict: StrictAws) -> Self {
        self.strict = Some(strict);
        self
    }
}

impl Default for ProxyConfig {
    fn default() -> Self {
        ProxyConfig::new("http://127.0.0.1:4566")
    }
}

/// A running proxy. Dropping it stops the proxy too (without waiting).
pub struct ProxyHandle {
    shared: Arc<Shared>,
    server: ServerHandle,
}

/// Starts a proxy; it is listening when this returns.
pub async fn start(config: ProxyConfig) -> std::io::Result<ProxyHandle> {
    start_blocking(config)
}

/// [`start`] for code without an async runtime.
pub fn start_blocking(config: ProxyConfig) -> std::io::Result<ProxyHandle> {
    if !config.listen.ip().is_loopback() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "refusing to listen on {}: the proxy serves plain HTTP on loopback addresses only",
                config.listen
            ),
        ));
    }
    let recorder = Recorder::new(config.record.as_deref()).map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!(
                "cannot open the record file {}: {e}",
                config
                    .record
                    .as_deref()
                    .unwrap_or(std::path::Path::new(""))
                    .display()
            ),
        )
    })?;
    let shared = Arc::new(Shared::new(
        &config.upstream,
        config.faults,
        config.strict,
        recorder,
    )?);
    let listener = std::net::TcpListener::bind(config.listen)?;
    let serve_shared = shared.clone();
    let server = ServerHandle::spawn(
        "aws-fault-proxy",
        listener,
        shared.shutdown.clone(),
        move |stream, shutdown| server::connection(stream, serve_shared.clone(), shutdown),
    )?;
    Ok(ProxyHandle { shared, server })
}

impl ProxyHandle {
    /// The address listened on.
    pub fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    /// `http://127.0.0.1:PORT`, for an SDK's endpoint URL.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.local_addr())
    }

    /// The operations recorded so far (since the last clear), in the order they were answered.
    pub fn operations(&self) -> Vec<Operation> {
        self.shared.recorder.all()
    }

    /// Forgets the recorded operations (the record file keeps them); returns how many there were.
    pub fn clear_operations(&self) -> usize {
        self.shared.recorder.clear()
    }

    /// The fault configuration in force.
    pub fn faults(&self) -> Faults {
        self.shared.faults()
    }

    /// Replaces the fault configuration: the generator restarts from the seed and every quota
    /// bucket starts full. Panics on an invalid configuration (see [`Self::try_set_faults`]).
    pub fn set_faults(&self, faults: Faults) {
        if let Err(e) = self.try_set_faults(faults) {
            panic!("aws-fault-proxy: {e}");
        }
    }

    /// [`Self::set_faults`] that reports an invalid configuration instead of panicking.
    pub fn try_set_faults(&self, faults: Faults) -> Result<(), FaultsError> {
        self.shared.set_faults(faults)
    }

    /// The strict-AWS configuration in force; `None` when off.
    pub fn strict(&self) -> Option<StrictAws> {
        self.shared.strict()
    }

    /// Turns strict-AWS mode on (with these settings) or off, from the next request on.
    pub fn set_strict(&self, strict: Option<StrictAws>) {
        self.shared.set_strict(strict);
    }

    /// Resolves once a shutdown was asked for (`POST /_proxy/shutdown` or [`Self::shutdown`]).
    pub async fn shutdown_requested(&self) {
        self.server.shutdown_requested().await;
    }

    /// Stops accepting, lets in-flight requests finish (up to 5 s) and waits until it is done.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }

    /// [`Self::shutdown`] for code without an async runtime.
    pub fn shutdown_blocking(self) {
        self.server.shutdown_blocking();
    }
}

impl std::fmt::Debug for ProxyHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxyHandle")
            .field("addr", &self.local_addr())
            .field("upstream", &self.shared.upstream)
            .finish()
    }
}
