//! The plugin transport Terraform's go-plugin client expects: magic cookie,
//! protocol negotiation, a Unix socket, mutual TLS, the handshake line on
//! stdout, go-plugin's own gRPC services beside the provider's, and a
//! process that lives exactly as long as Terraform wants it to.
//!
//! [`run`] is the whole public surface: `main` hands it the provider's
//! identity and routes.

mod handshake;
mod incoming;
mod lifecycle;
mod listener;
mod mtls;
mod services;

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use futures::Stream;
use tokio::io::{AsyncRead, AsyncWrite};
use tonic::service::Routes;
use tonic::transport::server::{Connected, Router};

use crate::tf::identity::Identity;
pub use handshake::{APP_PROTOCOL_VERSION, MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE};
use lifecycle::Shutdown;

/// How long in-flight calls may run on after a shutdown starts. Terraform
/// force-kills a provider 2 s after asking it to shut down.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// Serves the provider to the Terraform (or OpenTofu) that launched this
/// process, until it asks us to stop or goes away (signals do not end it).
///
/// `routes` builds the provider's gRPC services; it runs once, before the
/// handshake line is printed. Returns the process exit code: 0 after a
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
    let parent = lifecycle::arm_parent_death_signal();
    crate::tf::log::init(identity);

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return fail(&format!("cannot start the async runtime: {e}")),
    };
    let outcome = runtime.block_on(serve(routes, version, parent));
    // Tasks still blocked (a call past its grace) must not hold up the exit.
    runtime.shutdown_timeout(Duration::from_millis(100));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => fail(&message),
    }
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
    parent: libc::pid_t,
) -> Result<(), String> {
    let shutdown = Shutdown::default();
    lifecycle::watch(&shutdown, parent)?;
    let tls = mtls::from_env()?;
    let (listener, socket) = listener::bind()?;
    let routes = services::with_plugin_services(routes(), &shutdown).await;
    let router = tonic::transport::Server::builder().add_routes(routes);

    let address = socket.path().to_string_lossy();
    let line = handshake::line(
        version,
        "unix",
        &address,
        tls.as_ref().map(|t| t.cert_der.as_ref()),
    );
    handshake::announce(&line)?;
    tracing::debug!(
        network = "unix",
        address = %address,
        tls = tls.is_some(),
        protocol_version = version,
        "plugin serving"
    );

    let result = match tls {
        Some(tls) => drive(router, incoming::tls(listener, tls.config), &shutdown).await,
        None => drive(router, incoming::plain(listener), &shutdown).await,
    };
    drop(socket);
    result
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
