//! Turns the connections a listener accepts (Unix socket or TCP alike) into
//! the stream of connections tonic serves: as they are, or after a TLS
//! handshake.
//!
//! Each handshake runs in its own task with a deadline, so a client that
//! stalls or fails (a refused certificate) holds up nobody and ends up as a
//! log line rather than an error for the server.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::{Stream, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::server::Connected;

/// How long a client may take to complete the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections as accepted, for plain gRPC.
pub fn plain<S: Send + 'static>(accepted: impl Accepted<S>) -> ReceiverStream<io::Result<S>> {
    accept_loop(accepted, |stream| async move { Ok(stream) })
}

/// Connections that completed a TLS handshake under `config`.
pub fn tls<S>(
    accepted: impl Accepted<S>,
    config: Arc<rustls::ServerConfig>,
) -> ReceiverStream<io::Result<TlsConn<S>>>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    accept_loop(accepted, move |stream| {
        let acceptor = acceptor.clone();
        async move {
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(result) => result.map(TlsConn),
                Err(_) => Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the TLS handshake did not finish in time",
                )),
            }
        }
    })
}

/// A listener's stream of accepted connections.
pub trait Accepted<S>: Stream<Item = io::Result<S>> + Send + Unpin + 'static {}
impl<S, T: Stream<Item = io::Result<S>> + Send + Unpin + 'static> Accepted<S> for T {}

/// Accepts until the returned stream is dropped (tonic drops it when it
/// shuts down), which also closes the listener.
fn accept_loop<S, IO, F, Fut>(
    mut accepted: impl Accepted<S>,
    upgrade: F,
) -> ReceiverStream<io::Result<IO>>
where
    S: Send + 'static,
    IO: Send + 'static,
    F: Fn(S) -> Fut + Send + 'static,
    Fut: Future<Output = io::Result<IO>> + Send + 'static,
{
    let (tx, rx) = mpsc::channel(4);
    tokio::spawn(async move {
        loop {
            let next = tokio::select! {
                next = accepted.next() => next,
                () = tx.closed() => break,
            };
            let stream = match next {
                Some(Ok(stream)) => stream,
                None => break,
                Some(Err(e)) => {
                    // E.g. out of file descriptors: wait instead of spinning.
                    tracing::warn!(error = %e, "cannot accept a plugin connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let upgraded = upgrade(stream);
            let tx = tx.clone();
            tokio::spawn(async move {
                match upgraded.await {
                    Ok(conn) => {
                        tracing::debug!("plugin connection established");
                        let _ = tx.send(Ok(conn)).await;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "refused a plugin connection");
                    }
                }
            });
        }
    });
    ReceiverStream::new(rx)
}

/// A TLS connection tonic can serve (it needs `Connected`).
pub struct TlsConn<S>(tokio_rustls::server::TlsStream<S>);

impl<S: Connected> Connected for TlsConn<S> {
    type ConnectInfo = S::ConnectInfo;

    fn connect_info(&self) -> Self::ConnectInfo {
        self.0.get_ref().0.connect_info()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for TlsConn<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for TlsConn<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}
