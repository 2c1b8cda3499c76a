//! Turns accepted socket connections into the stream of connections tonic
//! serves: as they are, or after a TLS handshake.
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

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::server::{Connected, UdsConnectInfo};

/// How long a client may take to complete the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections as accepted, for plain gRPC.
pub fn plain(listener: UnixListener) -> ReceiverStream<io::Result<UnixStream>> {
    accept_loop(listener, |stream| async move { Ok(stream) })
}

/// Connections that completed a TLS handshake under `config`.
pub fn tls(
    listener: UnixListener,
    config: Arc<rustls::ServerConfig>,
) -> ReceiverStream<io::Result<TlsConn>> {
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    accept_loop(listener, move |stream| {
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

/// Accepts until the returned stream is dropped (tonic drops it when it
/// shuts down), which also closes the listener.
fn accept_loop<IO, F, Fut>(listener: UnixListener, upgrade: F) -> ReceiverStream<io::Result<IO>>
where
    IO: Send + 'static,
    F: Fn(UnixStream) -> Fut + Send + 'static,
    Fut: Future<Output = io::Result<IO>> + Send + 'static,
{
    let (tx, rx) = mpsc::channel(4);
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                () = tx.closed() => break,
            };
            let stream = match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
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
pub struct TlsConn(tokio_rustls::server::TlsStream<UnixStream>);

impl Connected for TlsConn {
    type ConnectInfo = UdsConnectInfo;

    fn connect_info(&self) -> Self::ConnectInfo {
        self.0.get_ref().0.connect_info()
    }
}

impl AsyncRead for TlsConn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsConn {
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
