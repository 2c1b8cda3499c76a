//! The proxy itself: connections, fault injection, forwarding and the admin endpoints.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderName, HeaderValue, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::http::uri::{Authority, Scheme};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode, Uri, Version};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tool_http::DRAIN;

use crate::aws;
use crate::faults::{After, Before, FaultState, Faults, FaultsError};
use crate::query;
use crate::record::{Injected, Operation, Recorder};
use crate::strict::{self, Check, Described, StrictAws};

type BoxError = Box<dyn std::error::Error + Send + Sync>;
pub(crate) type Body = BoxBody<Bytes, BoxError>;

/// Largest request body read (AWS JSON requests are small; a SecretString is at most 64 KiB).
const MAX_BODY: usize = 16 * 1024 * 1024;
const AWS_JSON: &str = "application/x-amz-json-1.1";

pub(crate) struct Shared {
    pub upstream: String,
    scheme: Scheme,
    authority: Authority,
    client: Client<HttpConnector, Full<Bytes>>,
    faults: Mutex<FaultState>,
    strict: Mutex<Option<StrictAws>>,
    /// Bumped whenever the faults are replaced, waking requests held at the gate.
    faults_replaced: watch::Sender<u64>,
    pub recorder: Recorder,
    pub shutdown: watch::Sender<bool>,
}

impl Shared {
    pub fn new(
        upstream: &str,
        faults: Faults,
        strict: Option<StrictAws>,
        recorder: Recorder,
    ) -> std::io::Result<Self> {
        let invalid = |msg: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, msg);
        let uri: Uri = upstream
            .parse()
            .map_err(|e| invalid(format!("upstream {upstream:?} is not a URL: {e}")))?;
        if uri.scheme() != Some(&Scheme::HTTP) {
            return Err(invalid(format!(
                "upstream {upstream:?} must be a plain http:// URL"
            )));
        }
        let authority = uri
            .authority()
            .cloned()
            .ok_or_else(|| invalid(format!("upstream {upstream:?} has no host")))?;
        if !matches!(uri.path(), "" | "/") || uri.query().is_some() {
            return Err(invalid(format!(
                "upstream {upstream:?} must be scheme://host:port only, without a path"
            )));
        }
        faults.validate().map_err(|e| invalid(e.0))?;
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new())
            // Shorter than the keep-alive of common upstream servers, so a pooled connection
            // is not reused just as the upstream closes it.
            .pool_idle_timeout(Duration::from_secs(2))
            .build(connector);
        Ok(Shared {
            upstream: format!("http://{authority}"),
            scheme: Scheme::HTTP,
            authority,
            client,
            faults: Mutex::new(FaultState::new(faults)),
            strict: Mutex::new(strict),
            faults_replaced: watch::channel(0).0,
            recorder,
            shutdown: watch::channel(false).0,
        })
    }

    fn fault_state(&self) -> MutexGuard<'_, FaultState> {
        self.faults.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn faults(&self) -> Faults {
        self.fault_state().faults().clone()
    }

    /// Replaces the configuration; the generator restarts from the seed and every token bucket
    /// starts full.
    pub fn set_faults(&self, faults: Faults) -> Result<(), FaultsError> {
        faults.validate()?;
        *self.fault_state() = FaultState::new(faults);
        self.faults_replaced.send_modify(|n| *n += 1);
        Ok(())
    }

    pub fn strict(&self) -> Option<StrictAws> {
        self.strict
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn set_strict(&self, strict: Option<StrictAws>) {
        *self.strict.lock().unwrap_or_else(|e| e.into_inner()) = strict;
    }

    /// The upstream's DescribeSecret of `secret_id`, sent with the headers of the request being
    /// checked (its credentials and region; LocalStack does not verify the signature, which no
    /// longer matches). `None` when the upstream does not describe it: the request is then
    /// forwarded and the upstream answers it.
    async fn describe(&self, headers: &HeaderMap, secret_id: &str) -> Option<Described> {
        let body = Bytes::from(serde_json::json!({ "SecretId": secret_id }).to_string());
        let mut headers = headers.clone();
        strip_hop_by_hop(&mut headers);
        headers.insert(
            "x-amz-target",
            HeaderValue::from_static("secretsmanager.DescribeSecret"),
        );
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(AWS_JSON));
        headers.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
        let uri = Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.authority.clone())
            .path_and_query("/")
            .build()
            .ok()?;
        let mut req = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .body(Full::new(body))
            .ok()?;
        *req.headers_mut() = headers;
        let resp = self.client.request(req).await.ok()?;
        if !resp.status().is_success() {
            return None;
        }
        let bytes = Limited::new(resp.into_body(), MAX_BODY)
            .collect()
            .await
            .ok()?
            .to_bytes();
        strict::described(&bytes)
    }

    /// What strict-AWS mode answers instead of forwarding, if anything.
    async fn strict_refusal(
        &self,
        headers: &HeaderMap,
        operation: &str,
        body: &[u8],
    ) -> Option<strict::Refusal> {
        let serde_json::Value::Object(json) = serde_json::from_slice(body).ok()? else {
            return None;
        };
        match strict::first_check(operation, &json) {
            Check::Pass => None,
            Check::Refuse(refusal) => Some(refusal),
            Check::Describe(id) => {
                let described = self.describe(headers, &id).await?;
                strict::after_describe(operation, &json, &described)
            }
        }
    }

    /// Waits while the faults in force hold `operation` (see [`Faults::hold`]).
    async fn pass_gate(&self, operation: &str) {
        // Subscribed before looking, so a replacement in between is not missed.
        let mut replaced = self.faults_replaced.subscribe();
        while self.fault_state().faults().holds(operation) {
            if replaced.changed().await.is_err() {
                return;
            }
        }
    }
}

/// Returned by the service to make hyper drop the connection without answering.
#[derive(Debug)]
struct ResetConnection;

impl std::fmt::Display for ResetConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection reset by fault injection")
    }
}

impl std::error::Error for ResetConnection {}

/// A TCP stream that, once flagged, closes with a reset (SO_LINGER 0) instead of a FIN.
struct ResetOnDrop {
    stream: TcpStream,
    reset: Arc<AtomicBool>,
}

impl Drop for ResetOnDrop {
    fn drop(&mut self) {
        if self.reset.load(Ordering::SeqCst) {
            let _ = self.stream.set_zero_linger();
        }
    }
}

impl AsyncRead for ResetOnDrop {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for ResetOnDrop {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

/// Serves one accepted connection; a fault can make it end with a reset.
pub(crate) async fn connection(
    stream: TcpStream,
    shared: Arc<Shared>,
    shutdown: watch::Receiver<bool>,
) {
    let reset = Arc::new(AtomicBool::new(false));
    if shared.faults().refuse_connections {
        // A reset at once, as a client of a dead endpoint sees it.
        let _ = stream.set_zero_linger();
        return;
    }
    let io = ResetOnDrop {
        stream,
        reset: reset.clone(),
    };
    let service = service_fn(move |req| handle(shared.clone(), reset.clone(), req));
    tool_http::serve_connection(io, service, shutdown).await;
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

async fn handle(
    shared: Arc<Shared>,
    reset: Arc<AtomicBool>,
    req: Request<Incoming>,
) -> Result<Response<Body>, ResetConnection> {
    let path = req.uri().path();
    if path == "/_proxy" || path.starts_with("/_proxy/") {
        return Ok(admin(&shared, req).await);
    }
    let ts_ms = now_ms();
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.is::<LengthLimitError>() => {
            return Ok(proxy_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("request body over {MAX_BODY} bytes"),
            ));
        }
        Err(e) => {
            return Ok(proxy_error(
                StatusCode::BAD_REQUEST,
                &format!("could not read the request body: {e}"),
            ));
        }
    };

    let call = aws::classify(&parts.headers, parts.uri.query(), &body);
    if let Some(op) = &call.operation {
        shared.pass_gate(op).await;
    }
    // STS and other query-protocol services answer in XML, and so must a fault.
    let query_protocol = call.target.is_none() && call.operation.is_some();
    let aws_error = |status: StatusCode, kind: &str, message: &str| {
        if query_protocol {
            query_error(status, query::error_document(kind, message))
        } else {
            aws_error(status, kind, message)
        }
    };
    let plan = match &call.operation {
        Some(op) => shared.fault_state().plan(
            call.service.as_deref(),
            call.target.as_deref(),
            op,
            call.secret.as_deref(),
            Instant::now(),
        ),
        // Faults apply to AWS operations only; anything else is passed through.
        None => Default::default(),
    };
    if !plan.delay.is_zero() {
        tokio::time::sleep(plan.delay).await;
    }
    let mut rec = Operation {
        ts_ms,
        operation: call.operation,
        target: call.target,
        secret: call.secret,
        status: None,
        injected: None,
        upstream_status: None,
        force_delete: call.force_delete,
        carries_value: call.carries_value,
        issued_credentials: Vec::new(),
    };
    let reply = |mut rec: Operation, injected: Option<Injected>, resp: Response<Body>| {
        rec.status = Some(resp.status().as_u16());
        rec.injected = injected;
        shared.recorder.push(rec);
        Ok(resp)
    };
    let drop_connection = |mut rec: Operation| {
        rec.injected = Some(Injected::Reset);
        shared.recorder.push(rec);
        reset.store(true, Ordering::SeqCst);
        Err(ResetConnection)
    };

    match plan.before {
        Some(Before::Throttle) => {
            let resp = aws_error(
                StatusCode::BAD_REQUEST,
                "ThrottlingException",
                "Rate exceeded",
            );
            return reply(rec, Some(Injected::Throttle), resp);
        }
        Some(Before::Deny(message)) => {
            let resp = aws_error(StatusCode::BAD_REQUEST, "AccessDeniedException", &message);
            return reply(rec, Some(Injected::Deny), resp);
        }
        Some(Before::Reset) => return drop_connection(rec),
        Some(Before::BlackHole) => {
            rec.injected = Some(Injected::BlackHole);
            shared.recorder.push(rec);
            // Held until the client gives up (hyper then drops this future) or the proxy stops.
            return std::future::pending().await;
        }
        Some(Before::Error5xx) => {
            let resp = aws_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalFailure",
                "injected",
            );
            return reply(rec, Some(Injected::Error5xx), resp);
        }
        None => {}
    }

    // Strict-AWS rules apply to requests that reach "AWS", after the faults of the way there.
    let strict = shared
        .strict()
        .filter(|_| call.service.as_deref() == Some("secretsmanager"));
    let strict_operation = strict.as_ref().and(rec.operation.clone());
    if let Some(op) = &strict_operation {
        if let Some(refusal) = shared.strict_refusal(&parts.headers, op, &body).await {
            let resp = aws_error(StatusCode::BAD_REQUEST, refusal.code, &refusal.message);
            return reply(rec, Some(Injected::Strict), resp);
        }
    }
    let list_lag = match (&strict, strict_operation.as_deref()) {
        (Some(s), Some("ListSecrets")) if s.list_lag_seconds > 0 => Some(s.list_lag_seconds),
        _ => None,
    };

    let upstream_req = match upstream_request(&shared, parts, body) {
        Ok(r) => r,
        Err(e) => {
            let resp = proxy_error(StatusCode::BAD_REQUEST, &format!("cannot forward: {e}"));
            return reply(rec, None, resp);
        }
    };
    let resp = match shared.client.request(upstream_req).await {
        Ok(resp) => resp,
        Err(e) => {
            let resp = aws_error(
                StatusCode::BAD_GATEWAY,
                "InternalFailure",
                &format!(
                    "aws-fault-proxy: upstream {} failed: {}",
                    shared.upstream,
                    error_chain(&e)
                ),
            );
            return reply(rec, None, resp);
        }
    };
    rec.upstream_status = Some(resp.status().as_u16());

    match plan.after {
        Some(after) => {
            // Let the upstream finish its answer (the side effect has happened), then lose it.
            let _ = tokio::time::timeout(DRAIN, resp.into_body().collect()).await;
            match after {
                After::Reset => drop_connection(rec),
                After::Error5xx => {
                    let resp = aws_error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "InternalFailure",
                        "injected",
                    );
                    reply(rec, Some(Injected::Error5xx), resp)
                }
            }
        }
        None if query_protocol => {
            // Small XML answers: read whole, to note any credentials they hand out.
            let (mut head, body) = resp.into_parts();
            strip_hop_by_hop(&mut head.headers);
            let bytes = match Limited::new(body, MAX_BODY).collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(_) => return drop_connection(rec),
            };
            rec.issued_credentials = query::issued_credentials(&bytes);
            let resp = Response::from_parts(head, full(bytes));
            let injected = (!plan.delay.is_zero()).then_some(Injected::Delay);
            reply(rec, injected, resp)
        }
        None if list_lag.is_some() && resp.status().is_success() => {
            // Read whole, to leave out what AWS would not list yet.
            let (mut head, body) = resp.into_parts();
            strip_hop_by_hop(&mut head.headers);
            let bytes = match Limited::new(body, MAX_BODY).collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(_) => return drop_connection(rec),
            };
            let now = now_ms() as f64 / 1000.0;
            let (bytes, injected) =
                match strict::hide_recent(&bytes, now, list_lag.unwrap_or_default()) {
                    Some(shorter) => (Bytes::from(shorter), Some(Injected::Strict)),
                    None => (bytes, (!plan.delay.is_zero()).then_some(Injected::Delay)),
                };
            head.headers
                .insert(CONTENT_LENGTH, HeaderValue::from(bytes.len()));
            reply(rec, injected, Response::from_parts(head, full(bytes)))
        }
        None => {
            let (mut head, body) = resp.into_parts();
            strip_hop_by_hop(&mut head.headers);
            let resp = Response::from_parts(head, body.map_err(BoxError::from).boxed());
            let injected = (!plan.delay.is_zero()).then_some(Injected::Delay);
            reply(rec, injected, resp)
        }
    }
}

fn upstream_request(
    shared: &Shared,
    parts: hyper::http::request::Parts,
    body: Bytes,
) -> Result<Request<Full<Bytes>>, hyper::http::Error> {
    let path_and_query = parts
        .uri
        .path_and_query()
        .map(|pq| pq.as_str())
        .unwrap_or("/");
    let uri = Uri::builder()
        .scheme(shared.scheme.clone())
        .authority(shared.authority.clone())
        .path_and_query(path_and_query)
        .build()?;
    let mut headers = parts.headers;
    strip_hop_by_hop(&mut headers);
    let mut req = Request::builder()
        .method(parts.method)
        .uri(uri)
        .version(Version::HTTP_11)
        .body(Full::new(body))?;
    // Host (signed by SigV4) and Authorization go through untouched.
    *req.headers_mut() = headers;
    Ok(req)
}

/// Removes the headers that belong to one connection, not to the message. The body's framing
/// (Transfer-Encoding) is redone by hyper on the other side; Content-Length stays.
fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in [
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    ] {
        headers.remove(name);
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never: Infallible| match never {})
        .boxed()
}

/// An error in the shape AWS JSON protocols use, which the SDKs parse into typed errors.
fn aws_error(status: StatusCode, kind: &str, message: &str) -> Response<Body> {
    let body = serde_json::json!({ "__type": kind, "message": message });
    let mut resp = Response::new(full(body.to_string()));
    *resp.status_mut() = status;
    let headers = resp.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(AWS_JSON));
    if let Ok(v) = HeaderValue::from_str(kind) {
        headers.insert("x-amzn-errortype", v);
    }
    resp
}

fn query_error(status: StatusCode, document: String) -> Response<Body> {
    let mut resp = Response::new(full(document));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    resp
}

/// A problem of the proxy itself (not an injected fault).
fn proxy_error(status: StatusCode, message: &str) -> Response<Body> {
    json(status, &serde_json::json!({ "error": message }))
}

fn json<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> Response<Body> {
    let body = serde_json::to_vec(value).expect("admin answers serialise");
    let mut resp = Response::new(full(body));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

/// An admin request's body, at most `limit` bytes, or the answer refusing it.
async fn admin_body(req: Request<Incoming>, limit: usize) -> Result<Bytes, Response<Body>> {
    match Limited::new(req.into_body(), limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) => Err(proxy_error(
            StatusCode::BAD_REQUEST,
            &format!("could not read the body: {e}"),
        )),
    }
}

async fn admin(shared: &Shared, req: Request<Incoming>) -> Response<Body> {
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    match (&method, path.as_str()) {
        (&Method::GET, "/_proxy/operations") => json(StatusCode::OK, &shared.recorder.all()),
        (&Method::POST, "/_proxy/operations/clear") => {
            let cleared = shared.recorder.clear();
            json(StatusCode::OK, &serde_json::json!({ "cleared": cleared }))
        }
        (&Method::GET, "/_proxy/faults") => json(StatusCode::OK, &shared.faults()),
        (&Method::PUT, "/_proxy/faults") => {
            let body = match admin_body(req, 1024 * 1024).await {
                Ok(body) => body,
                Err(refused) => return refused,
            };
            let parsed = std::str::from_utf8(&body)
                .map_err(|_| FaultsError("the fault configuration is not UTF-8".to_string()))
                .and_then(Faults::from_json)
                .and_then(|f| shared.set_faults(f));
            match parsed {
                Ok(()) => json(StatusCode::OK, &shared.faults()),
                Err(e) => proxy_error(StatusCode::BAD_REQUEST, &e.0),
            }
        }
        (&Method::GET, "/_proxy/strict") => json(StatusCode::OK, &shared.strict()),
        (&Method::PUT, "/_proxy/strict") => {
            let body = match admin_body(req, 64 * 1024).await {
                Ok(body) => body,
                Err(refused) => return refused,
            };
            match serde_json::from_slice::<Option<StrictAws>>(&body) {
                Ok(strict) => {
                    shared.set_strict(strict);
                    json(StatusCode::OK, &shared.strict())
                }
                Err(e) => proxy_error(
                    StatusCode::BAD_REQUEST,
                    &format!(
                        "invalid strict-AWS configuration (null, or {{\"list_lag_seconds\": N}}): {e}"
                    ),
                ),
            }
        }
        (&Method::POST, "/_proxy/shutdown") => {
            shared.shutdown.send_replace(true);
            json(
                StatusCode::OK,
                &serde_json::json!({ "shutting_down": true }),
            )
        }
        (&Method::GET, "/_proxy/health") => json(
            StatusCode::OK,
            &serde_json::json!({ "ok": true, "upstream": shared.upstream }),
        ),
        (
            _,
            "/_proxy/operations"
            | "/_proxy/operations/clear"
            | "/_proxy/faults"
            | "/_proxy/strict"
            | "/_proxy/shutdown"
            | "/_proxy/health",
        ) => proxy_error(
            StatusCode::METHOD_NOT_ALLOWED,
            &format!("{method} is not supported on {path}"),
        ),
        _ => proxy_error(
            StatusCode::NOT_FOUND,
            &format!(
                "no admin endpoint {path}; there are GET /_proxy/operations, \
                 POST /_proxy/operations/clear, GET|PUT /_proxy/faults, GET|PUT /_proxy/strict, \
                 POST /_proxy/shutdown, GET /_proxy/health"
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop_headers_are_removed() {
        let mut h = HeaderMap::new();
        h.insert(
            "connection",
            HeaderValue::from_static("keep-alive, x-private"),
        );
        h.insert("x-private", HeaderValue::from_static("1"));
        h.insert("transfer-encoding", HeaderValue::from_static("chunked"));
        h.insert(
            "authorization",
            HeaderValue::from_static("AWS4-HMAC-SHA256 x"),
        );
        h.insert("host", HeaderValue::from_static("127.0.0.1:1"));
        h.insert("content-length", HeaderValue::from_static("2"));
        strip_hop_by_hop(&mut h);
        let mut names: Vec<&str> = h.keys().map(|k| k.as_str()).collect();
        names.sort();
        assert_eq!(names, ["authorization", "content-length", "host"]);
    }

    #[test]
    fn upstream_must_be_plain_http_host_port() {
        let rec = || Recorder::new(None).unwrap();
        assert!(Shared::new("http://127.0.0.1:4566", Faults::default(), None, rec()).is_ok());
        assert!(Shared::new("http://127.0.0.1:4566/", Faults::default(), None, rec()).is_ok());
        for bad in [
            "https://127.0.0.1:4566",
            "127.0.0.1:4566",
            "http://h/path",
            "nope nope",
        ] {
            assert!(
                Shared::new(bad, Faults::default(), None, rec()).is_err(),
                "accepted {bad}"
            );
        }
        let bad_faults = Faults {
            reset_rate: 2.0,
            ..Faults::default()
        };
        assert!(Shared::new("http://127.0.0.1:1", bad_faults, None, rec()).is_err());
    }
}
