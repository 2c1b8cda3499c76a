//! Serving plain HTTP/1 until a shutdown flag is raised, then draining in-flight requests.

use std::error::Error as StdError;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use hyper::body::{Body, Incoming};
use hyper::server::conn::http1;
use hyper::service::HttpService;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinSet;

/// How long in-flight requests get to finish once shutdown is asked for.
pub const DRAIN: Duration = Duration::from_secs(5);

/// Resolves once shutdown is asked for (`true` sent), or once nobody can ask any more.
pub async fn stopped(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

/// Accepts connections until `shutdown` turns `true`, running `connection(stream, shutdown)` for
/// each, then gives them [`DRAIN`] to finish and aborts the rest. `tool` names the tool in its
/// log lines.
pub async fn serve<C, F>(
    listener: TcpListener,
    shutdown: watch::Receiver<bool>,
    tool: &str,
    connection: C,
) where
    C: FnMut(TcpStream, watch::Receiver<bool>) -> F,
    F: Future<Output = ()> + Send + 'static,
{
    serve_draining(listener, shutdown, tool, DRAIN, connection).await;
}

/// [`serve`] with the drain time as a parameter, so tests need not wait [`DRAIN`].
async fn serve_draining<C, F>(
    listener: TcpListener,
    mut shutdown: watch::Receiver<bool>,
    tool: &str,
    drain: Duration,
    mut connection: C,
) where
    C: FnMut(TcpStream, watch::Receiver<bool>) -> F,
    F: Future<Output = ()> + Send + 'static,
{
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            () = stopped(&mut shutdown) => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    // Small requests and answers: do not let Nagle hold them back.
                    let _ = stream.set_nodelay(true);
                    conns.spawn(connection(stream, shutdown.clone()));
                }
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    eprintln!("{tool}: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            // Reap finished connections so the set does not grow for the server's lifetime.
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    // Refuse new connections at once rather than leave them waiting for the drain.
    drop(listener);
    let drained =
        tokio::time::timeout(drain, async { while conns.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        conns.abort_all();
    }
}

/// Serves HTTP/1 on `io` with `service` until the client is done or `shutdown` turns `true`;
/// then answers the requests under way (up to [`DRAIN`]) and closes the connection. `io` is any
/// stream, so a tool can wrap its socket first.
pub async fn serve_connection<I, S>(io: I, service: S, mut shutdown: watch::Receiver<bool>)
where
    I: AsyncRead + AsyncWrite + Unpin,
    S: HttpService<Incoming>,
    S::Error: Into<Box<dyn StdError + Send + Sync>>,
    S::ResBody: 'static,
    <S::ResBody as Body>::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    let conn = http1::Builder::new().serve_connection(TokioIo::new(io), service);
    let mut conn = std::pin::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        () = stopped(&mut shutdown) => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(DRAIN, conn).await;
        }
    }
}

/// A server running [`serve`] on a runtime of its own, on a dedicated thread, so it keeps
/// serving while its caller blocks (on a `terraform` process, say). Dropping it asks the server
/// to stop without waiting.
#[derive(Debug)]
pub struct ServerHandle {
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    done: Option<oneshot::Receiver<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ServerHandle {
    /// Serves `listener` (bound already, so the caller knows the address first) until
    /// `shutdown` turns `true`, with `connection` as in [`serve`]. `tool` names the threads and
    /// the log lines.
    pub fn spawn<C, F>(
        tool: &str,
        listener: std::net::TcpListener,
        shutdown: watch::Sender<bool>,
        connection: C,
    ) -> std::io::Result<ServerHandle>
    where
        C: FnMut(TcpStream, watch::Receiver<bool>) -> F + Send + 'static,
        F: Future<Output = ()> + Send + 'static,
    {
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name(tool)
            .enable_all()
            .build()?;
        let listener = {
            let _guard = runtime.enter();
            TcpListener::from_std(listener)?
        };
        let rx = shutdown.subscribe();
        let (done_tx, done_rx) = oneshot::channel();
        let tool = tool.to_string();
        let thread = std::thread::Builder::new()
            .name(tool.clone())
            .spawn(move || {
                runtime.block_on(serve(listener, rx, &tool, connection));
                // A blocking task (a file read, a DNS lookup) must not hold up the caller's
                // shutdown; the sockets are closed already.
                runtime.shutdown_timeout(Duration::from_millis(100));
                let _ = done_tx.send(());
            })?;
        Ok(ServerHandle {
            addr,
            shutdown,
            done: Some(done_rx),
            thread: Some(thread),
        })
    }

    /// The address listened on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Resolves once a shutdown was asked for, by this handle or by anyone holding the sender.
    pub async fn shutdown_requested(&self) {
        stopped(&mut self.shutdown.subscribe()).await;
    }

    /// Stops accepting, lets in-flight requests finish (up to [`DRAIN`]) and waits until it is
    /// done.
    pub async fn shutdown(mut self) {
        self.shutdown.send_replace(true);
        if let Some(done) = self.done.take() {
            let _ = done.await;
        }
    }

    /// [`Self::shutdown`] for code without an async runtime.
    pub fn shutdown_blocking(mut self) {
        self.shutdown.send_replace(true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.shutdown.send_replace(true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::convert::Infallible;
    use std::io::{Read, Write};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use bytes::Bytes;
    use http_body_util::Full;
    use hyper::service::service_fn;
    use hyper::{Request, Response};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn hello(_: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
        Ok(Response::new(Full::new(Bytes::from_static(b"hello"))))
    }

    async fn loopback() -> TcpListener {
        TcpListener::bind("127.0.0.1:0").await.unwrap()
    }

    /// Runs [`serve_draining`] on a loopback port; returns its address, the shutdown sender
    /// and the server task.
    async fn serving<C, F>(
        drain: Duration,
        connection: C,
    ) -> (SocketAddr, watch::Sender<bool>, tokio::task::JoinHandle<()>)
    where
        C: FnMut(TcpStream, watch::Receiver<bool>) -> F + Send + 'static,
        F: Future<Output = ()> + Send + 'static,
    {
        let listener = loopback().await;
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = watch::channel(false);
        let task = tokio::spawn(async move {
            serve_draining(listener, rx, "test", drain, connection).await;
        });
        (addr, tx, task)
    }

    /// Whether `done` turns true within two seconds.
    async fn eventually(mut done: impl FnMut() -> bool) -> bool {
        for _ in 0..100 {
            if done() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        done()
    }

    /// Counts down when dropped, whether its task finished or was aborted.
    struct Live(Arc<AtomicUsize>);

    impl Drop for Live {
        fn drop(&mut self) {
            self.0.fetch_sub(1, Ordering::SeqCst);
        }
    }

    #[tokio::test]
    async fn serve_stops_on_shutdown_and_waits_for_connections_in_flight() {
        let finished = Arc::new(AtomicUsize::new(0));
        let counter = finished.clone();
        let (addr, tx, server) = serving(DRAIN, move |_stream, mut shutdown| {
            let counter = counter.clone();
            async move {
                // A request still being answered when shutdown comes.
                stopped(&mut shutdown).await;
                tokio::time::sleep(Duration::from_millis(100)).await;
                counter.fetch_add(1, Ordering::SeqCst);
            }
        })
        .await;
        let _a = tokio::net::TcpStream::connect(addr).await.unwrap();
        let _b = tokio::net::TcpStream::connect(addr).await.unwrap();
        // Let the loop accept both before shutdown.
        tokio::time::sleep(Duration::from_millis(100)).await;
        tx.send_replace(true);
        tokio::time::timeout(Duration::from_secs(3), server)
            .await
            .expect("serve did not stop")
            .unwrap();
        let finished = finished.load(Ordering::SeqCst);
        assert_eq!(finished, 2, "returned before the drain");
        assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    }

    #[tokio::test]
    async fn serve_aborts_connections_that_outlast_the_drain() {
        let live = Arc::new(AtomicUsize::new(0));
        let counter = live.clone();
        let (addr, tx, server) = serving(Duration::from_millis(100), move |_stream, _| {
            counter.fetch_add(1, Ordering::SeqCst);
            let guard = Live(counter.clone());
            async move {
                std::future::pending::<()>().await;
                drop(guard);
            }
        })
        .await;
        let _conn = tokio::net::TcpStream::connect(addr).await.unwrap();
        assert!(eventually(|| live.load(Ordering::SeqCst) == 1).await);
        tx.send_replace(true);
        tokio::time::timeout(Duration::from_secs(3), server)
            .await
            .expect("serve waited past the drain")
            .unwrap();
        // abort_all does not wait for the aborted task to be dropped.
        let aborted = eventually(|| live.load(Ordering::SeqCst) == 0).await;
        assert!(aborted, "the stuck connection was not aborted");
    }

    #[tokio::test]
    async fn serve_connection_answers_then_closes_an_idle_connection_on_shutdown() {
        let listener = loopback().await;
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = watch::channel(false);
        let server = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            serve_connection(stream, service_fn(hello), rx).await;
        });
        let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
        client
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = vec![0; 1024];
        let n = client.read(&mut buf).await.unwrap();
        let answer = String::from_utf8_lossy(&buf[..n]).to_string();
        assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
        assert!(answer.ends_with("hello"), "{answer}");

        // Kept alive and idle: shutdown closes it without waiting for the drain.
        tx.send_replace(true);
        let read = tokio::time::timeout(Duration::from_secs(2), client.read(&mut buf))
            .await
            .expect("the connection stayed open after shutdown");
        assert_eq!(read.unwrap(), 0);
        tokio::time::timeout(Duration::from_secs(2), server)
            .await
            .expect("serve_connection did not return")
            .unwrap();
    }

    /// A [`ServerHandle`] answering "hello". The caller keeps a sender of its own, as a tool's
    /// shared state does, so only the handle's own signal can stop the server.
    fn spawn_hello(shutdown: &watch::Sender<bool>) -> ServerHandle {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        ServerHandle::spawn(
            "tool-http-test",
            listener,
            shutdown.clone(),
            |stream, shutdown| serve_connection(stream, service_fn(hello), shutdown),
        )
        .unwrap()
    }

    fn get(addr: SocketAddr) -> String {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    }

    #[test]
    fn a_server_handle_serves_from_its_own_thread_until_shut_down() {
        let tx = watch::channel(false).0;
        let server = spawn_hello(&tx);
        let addr = server.local_addr();
        assert!(get(addr).ends_with("hello"));
        // On a thread of its own, so a shutdown that hangs fails the test instead.
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            server.shutdown_blocking();
            let _ = done_tx.send(());
        });
        assert!(
            done_rx.recv_timeout(Duration::from_secs(3)).is_ok(),
            "shutdown_blocking did not return"
        );
        assert!(std::net::TcpStream::connect(addr).is_err());
    }

    #[tokio::test]
    async fn a_server_handle_shuts_down_from_async_code_and_on_drop() {
        let tx = watch::channel(false).0;
        let server = spawn_hello(&tx);
        let addr = server.local_addr();
        let body = tokio::task::spawn_blocking(move || get(addr))
            .await
            .unwrap();
        assert!(body.ends_with("hello"));
        tokio::time::timeout(Duration::from_secs(3), server.shutdown())
            .await
            .expect("shutdown did not finish");
        assert!(tokio::net::TcpStream::connect(addr).await.is_err());

        let tx = watch::channel(false).0;
        let server = spawn_hello(&tx);
        let addr = server.local_addr();
        drop(server);
        let refused = eventually(|| std::net::TcpStream::connect(addr).is_err()).await;
        assert!(refused, "dropping the handle did not stop the server");

        // Someone else asks, as a tool's admin endpoint does.
        let tx = watch::channel(false).0;
        let server = spawn_hello(&tx);
        tx.send_replace(true);
        tokio::time::timeout(Duration::from_secs(3), server.shutdown_requested())
            .await
            .expect("shutdown_requested did not resolve");
    }
}
