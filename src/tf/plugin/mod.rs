//! The plugin transport Terraform's go-plugin client expects: magic cookie,
//! protocol negotiation, a Unix socket (TCP on loopback on Windows), mutual
//! TLS, the handshake line on stdout, go-plugin's own gRPC services beside
//! the provider's, and a process that lives exactly as long as Terraform
//! wants it to.
//!
//! [`run`] is the whole public surface: `main` hands it the provider's
//! identity and routes.

mod handshake;
mod incoming;
mod lifecycle;
mod mtls;
mod services;
mod tcp;
mod transport;
#[cfg(unix)]
mod unix_socket;

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use futures::Stream;
use tokio::io::{AsyncRead, AsyncWrite};
use tonic::service::Routes;
use tonic::transport::server::{Connected, Router};

use crate::tf::identity::Identity;
pub use handshake::{APP_PROTOCOL_VERSION, MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE};
use lifecycle::{Parent, Shutdown};
use transport::{Listener, Transport};

/// How long in-flight calls may run on after a shutdown starts. Terraform
/// force-kills a provider 2 s after asking it to shut down.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// Serves the provider to the Terraform (or OpenTofu) that launched this
/// process, until it asks us to stop or goes away (signals do not end it).
///
/// `routes` builds the provider's gRPC services; it runs once, before the
/// handshake line is printed. The listener is go-plugin's for the platform
/// unless the environment variable `identity.transport_variable` names one
/// (`tcp`, or `unix` on Unix). Returns the process exit code: 0 after a
/// requested shutdown, 1 (with a message on stderr) when the process was not
/// started by a plugin host or the channel cannot be set up.
pub fn run(identity: &Identity, routes: impl FnOnce() -> Routes) -> ExitCode {
    // Before anything else: a person running the binary gets an explanation.
    let cookie = std::env::var_os(MAGIC_COOKIE_KEY);
    if let Err(message) = handshake::check_cookie(cookie.as_deref(), identity.source) {
        return fail(&message);
    }
    let offered = std::env::var("PLUGIN_PROTOCOL_VERSIONS").ok();
    let version = match handshake::negotiate(offered.as_deref()) {
        Ok(version) => version,
        Err(message) => return fail(&message),
    };
    let transport = match transport_setting(identity.transport_variable) {
        Ok(transport) => transport,
        Err(message) => return fail(&message),
    };
    let parent = lifecycle::arm_parent_death_signal();
    crate::tf::log::init(identity);

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return fail(&format!("cannot start the async runtime: {e}")),
    };
    let outcome = runtime.block_on(serve(routes, version, transport, parent));
    // Tasks still blocked (a call past its grace) must not hold up the exit.
    runtime.shutdown_timeout(Duration::from_millis(100));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => fail(&message),
    }
}

fn transport_setting(variable: &str) -> Result<Transport, String> {
    let value = match std::env::var(variable) {
        Ok(value) => Some(value),
        Err(std::env::VarError::NotPresent) => None,
        Err(std::env::VarError::NotUnicode(_)) => {
            return Err(format!(
                "{variable} is not valid UTF-8; set it to tcp, or unset it."
            ))
        }
    };
    Transport::from_setting(variable, value.as_deref())
}

/// Reports a fatal error: as a log line for Terraform's log, and as plain
/// text for a person. Never panics, even with stderr closed.
fn fail(message: &str) -> ExitCode {
    tracing::error!("{message}");
    let _ = writeln!(std::io::stderr(), "{message}");
    ExitCode::FAILURE
}

async fn serve(
    routes: impl FnOnce() -> Routes,
    version: u32,
    transport: Transport,
    parent: Parent,
) -> Result<(), String> {
    let shutdown = Shutdown::default();
    lifecycle::watch(&shutdown, parent)?;
    let tls = mtls::from_env()?;
    let listener = Listener::bind(transport)?;
    let routes = services::with_plugin_services(routes(), &shutdown).await;
    let router = tonic::transport::Server::builder().add_routes(routes);

    let network = transport.network();
    let address = listener.address();
    let line = handshake::line(
        version,
        network,
        &address,
        tls.as_ref().map(|t| t.cert_der.as_ref()),
    );
    handshake::announce(&line)?;
    tracing::debug!(
        network,
        address = %address,
        tls = tls.is_some(),
        protocol_version = version,
        "plugin serving"
    );

    if tls.is_none() && transport == Transport::Tcp {
        // Unlike a socket in a private directory, a loopback port is open to
        // every local user; the host chose this by sending no certificate.
        tracing::warn!("serving plain gRPC on {address}: any local process can connect");
    }
    let tls = tls.map(|tls| tls.config);
    match listener {
        #[cfg(unix)]
        Listener::UnixSocket(listener, _removed_on_return) => {
            let accepted = tokio_stream::wrappers::UnixListenerStream::new(listener);
            serve_connections(router, accepted, tls, &shutdown).await
        }
        Listener::Tcp(listener, _) => {
            serve_connections(router, tcp::accepted(listener), tls, &shutdown).await
        }
    }
}

/// Serves what `accepted` yields, over TLS under `tls` or plain without it.
async fn serve_connections<S>(
    router: Router,
    accepted: impl incoming::Accepted<S>,
    tls: Option<Arc<rustls::ServerConfig>>,
    shutdown: &Shutdown,
) -> Result<(), String>
where
    S: AsyncRead + AsyncWrite + Connected + Unpin + Send + 'static,
{
    match tls {
        Some(config) => drive(router, incoming::tls(accepted, config), shutdown).await,
        None => drive(router, incoming::plain(accepted), shutdown).await,
    }
}

/// Serves until shutdown, then lets in-flight calls finish for at most
/// [`SHUTDOWN_GRACE`].
async fn drive<IO>(
    router: Router,
    incoming: impl Stream<Item = std::io::Result<IO>>,
    shutdown: &Shutdown,
) -> Result<(), String>
where
    IO: AsyncRead + AsyncWrite + Connected + Unpin + Send + 'static,
{
    let serving = router.serve_with_incoming_shutdown(incoming, async {
        shutdown.wait().await;
    });
    tokio::pin!(serving);
    let reason = tokio::select! {
        served = &mut serving => {
            return served.map_err(|e| format!("the plugin gRPC server failed: {e}"));
        }
        reason = shutdown.wait() => reason,
    };
    tokio::select! {
        served = &mut serving => {
            served.map_err(|e| format!("the plugin gRPC server failed: {e}"))?;
            tracing::debug!(?reason, "plugin stopped");
        }
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {
            tracing::warn!(?reason, "calls still running {SHUTDOWN_GRACE:?} after shutdown; exiting anyway");
        }
    }
    Ok(())
}
