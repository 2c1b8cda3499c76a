//! The proxy against a small in-process upstream that echoes what it receives.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_fault_proxy::{
    start, start_blocking, DelayMs, DenyRule, Faults, Injected, Operation, ProxyConfig, ProxyHandle,
};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::HeaderMap;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------------
// Fake upstream

struct Upstream {
    addr: SocketAddr,
    hits: Arc<AtomicUsize>,
}

impl Upstream {
    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

/// Answers 200 with a JSON echo of the request (method, path and query, headers, body) and an
/// `x-upstream: fake` header; `/status/418` answers 418 "teapot".
async fn fake_upstream() -> Upstream {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let counter = counter.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req| echo(req, counter.clone()));
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Upstream { addr, hits }
}

async fn echo(
    req: Request<Incoming>,
    hits: Arc<AtomicUsize>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    hits.fetch_add(1, Ordering::SeqCst);
    let (parts, body) = req.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    if parts.uri.path() == "/status/418" {
        let mut resp = Response::new(Full::new(Bytes::from_static(b"teapot")));
        *resp.status_mut() = StatusCode::IM_A_TEAPOT;
        return Ok(resp);
    }
    let headers: BTreeMap<String, String> = parts
        .headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("?").to_string()))
        .collect();
    let echo = json!({
        "method": parts.method.as_str(),
        "path": parts.uri.path_and_query().map(|p| p.as_str()),
        "headers": headers,
        "body": String::from_utf8_lossy(&body),
    });
    let mut resp = Response::new(Full::new(Bytes::from(echo.to_string())));
    resp.headers_mut()
        .insert("x-upstream", "fake".parse().unwrap());
    resp.headers_mut().insert(
        "content-type",
        "application/x-amz-json-1.1".parse().unwrap(),
    );
    Ok(resp)
}

// ---------------------------------------------------------------------------------------------
// Client helpers

type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

fn client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }
}

async fn send(client: &HttpClient, req: Request<Full<Bytes>>) -> Result<Answer, String> {
    let resp = client.request(req).await.map_err(|e| format!("{e:?}"))?;
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("{e:?}"))?
        .to_bytes();
    Ok(Answer {
        status,
        headers,
        body,
    })
}

fn aws_request(endpoint: &str, operation: &str, body: Value) -> Request<Full<Bytes>> {
    Request::post(format!("{endpoint}/"))
        .header("x-amz-target", format!("secretsmanager.{operation}"))
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDLEAKCHECK/20250101/us-east-1/secretsmanager/aws4_request, \
             SignedHeaders=host;x-amz-date;x-amz-target, Signature=deadbeefLEAKCHECK",
        )
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap()
}

async fn aws(
    client: &HttpClient,
    proxy: &ProxyHandle,
    operation: &str,
    secret: &str,
) -> Result<Answer, String> {
    let field = if operation == "CreateSecret" {
        "Name"
    } else {
        "SecretId"
    };
    send(
        client,
        aws_request(&proxy.endpoint(), operation, json!({ field: secret })),
    )
    .await
}

async fn admin(
    client: &HttpClient,
    proxy: &ProxyHandle,
    method: Method,
    path: &str,
    body: &str,
) -> Answer {
    let req = Request::builder()
        .method(method)
        .uri(format!("{}{path}", proxy.endpoint()))
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap();
    send(client, req).await.unwrap()
}

async fn proxy_to(upstream: &Upstream, faults: Faults) -> ProxyHandle {
    let mut config = ProxyConfig::new(upstream.url());
    config.faults = faults;
    start(config).await.unwrap()
}

fn assert_aws_error(answer: &Answer, status: u16, kind: &str) {
    assert_eq!(answer.status.as_u16(), status, "body {:?}", answer.body);
    assert_eq!(
        answer
            .headers
            .get("x-amzn-errortype")
            .map(|v| v.to_str().unwrap()),
        Some(kind)
    );
    assert_eq!(
        answer
            .headers
            .get("content-type")
            .map(|v| v.to_str().unwrap()),
        Some("application/x-amz-json-1.1")
    );
    assert_eq!(answer.json()["__type"], kind);
}

fn injected(ops: &[Operation], kind: Injected) -> usize {
    ops.iter().filter(|o| o.injected == Some(kind)).count()
}

// ---------------------------------------------------------------------------------------------
// Forwarding and recording

#[tokio::test]
async fn forwards_method_path_headers_and_body_and_returns_the_response() {
    let upstream = fake_upstream().await;
    let proxy = proxy_to(&upstream, Faults::default()).await;
    let c = client();

    let body = r#"{"Name":"app/db","Description":"x"}"#;
    let req = Request::post(format!("{}/some/path?a=1&b=two", proxy.endpoint()))
        .header("host", "signed-host.example:1234")
        .header("authorization", "AWS4-HMAC-SHA256 Signature=abc")
        .header("x-amz-target", "secretsmanager.CreateSecret")
        .header("x-amz-date", "20250101T000000Z")
        .header("content-type", "application/x-amz-json-1.1")
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    let answer = send(&c, req).await.unwrap();
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.headers["x-upstream"], "fake");
    assert_eq!(answer.headers["content-type"], "application/x-amz-json-1.1");
    let echo = answer.json();
    assert_eq!(echo["method"], "POST");
    assert_eq!(echo["path"], "/some/path?a=1&b=two");
    assert_eq!(echo["body"], body);
    let h = &echo["headers"];
    assert_eq!(
        h["host"], "signed-host.example:1234",
        "Host must be preserved"
    );
    assert_eq!(h["authorization"], "AWS4-HMAC-SHA256 Signature=abc");
    assert_eq!(h["x-amz-target"], "secretsmanager.CreateSecret");
    assert_eq!(h["x-amz-date"], "20250101T000000Z");
    assert_eq!(h["content-length"], body.len().to_string());

    // Other methods, upstream error statuses and bodies come back as they are.
    let req = Request::builder()
        .method(Method::DELETE)
        .uri(format!("{}/x", proxy.endpoint()))
        .body(Full::new(Bytes::new()))
        .unwrap();
    assert_eq!(send(&c, req).await.unwrap().json()["method"], "DELETE");
    let req = Request::get(format!("{}/status/418", proxy.endpoint()))
        .body(Full::new(Bytes::new()))
        .unwrap();
    let answer = send(&c, req).await.unwrap();
    assert_eq!(answer.status, StatusCode::IM_A_TEAPOT);
    assert_eq!(&answer.body[..], b"teapot");
    assert_eq!(upstream.hits(), 3);
    proxy.shutdown().await;
}

#[tokio::test]
async fn records_operations_and_secret_names_but_no_credentials_or_values() {
    let upstream = fake_upstream().await;
    let dir = std::env::temp_dir().join(format!("aws-fault-proxy-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let record = dir.join("record.jsonl");
    let _ = std::fs::remove_file(&record);
    let mut config = ProxyConfig::new(upstream.url());
    config.record = Some(record.clone());
    let proxy = start(config).await.unwrap();
    let c = client();
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;

    let req = aws_request(
        &proxy.endpoint(),
        "CreateSecret",
        json!({"Name": "app/prod/DB_PASSWORD", "SecretString": "hunter2-VALUE-LEAKCHECK",
               "Tags": [{"Key": "k", "Value": "v"}]}),
    );
    assert_eq!(send(&c, req).await.unwrap().status, StatusCode::OK);
    let arn = "arn:aws:secretsmanager:us-east-1:000000000000:secret:app/prod/API_KEY-AbCdEf";
    assert!(aws(&c, &proxy, "DescribeSecret", arn).await.is_ok());
    let req = Request::get(format!("{}/_localstack/health", proxy.endpoint()))
        .body(Full::new(Bytes::new()))
        .unwrap();
    assert!(send(&c, req).await.is_ok());
    let req = Request::post(format!("{}/", proxy.endpoint()))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("authorization", "AWS4-HMAC-SHA256 Signature=LEAKCHECK")
        .body(Full::new(Bytes::from(
            "Action=GetCallerIdentity&Version=2011-06-15",
        )))
        .unwrap();
    assert!(send(&c, req).await.is_ok());

    let ops = proxy.operations();
    assert_eq!(ops.len(), 4, "{ops:?}");
    assert_eq!(ops[0].operation.as_deref(), Some("CreateSecret"));
    assert_eq!(
        ops[0].target.as_deref(),
        Some("secretsmanager.CreateSecret")
    );
    assert_eq!(ops[0].secret.as_deref(), Some("app/prod/DB_PASSWORD"));
    assert_eq!(ops[0].status, Some(200));
    assert_eq!(ops[0].upstream_status, Some(200));
    assert_eq!(ops[0].injected, None);
    assert!(ops[0].ts_ms >= before && ops[0].ts_ms < before + 60_000);
    assert_eq!(ops[1].operation.as_deref(), Some("DescribeSecret"));
    assert_eq!(ops[1].secret.as_deref(), Some(arn));
    assert_eq!(ops[2].operation, None);
    assert_eq!(ops[2].secret, None);
    assert_eq!(ops[3].operation.as_deref(), Some("GetCallerIdentity"));
    assert_eq!(ops[3].target, None);

    // The admin view is the same list.
    let listed: Vec<Operation> = serde_json::from_slice(
        &admin(&c, &proxy, Method::GET, "/_proxy/operations", "")
            .await
            .body,
    )
    .unwrap();
    assert_eq!(listed, ops);

    // The file has one line per operation, in the documented shape, and no secret material.
    let text = std::fs::read_to_string(&record).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4);
    let first: Value = serde_json::from_str(lines[0]).unwrap();
    for key in [
        "ts_ms",
        "operation",
        "target",
        "secret",
        "status",
        "injected",
    ] {
        assert!(first.get(key).is_some(), "missing {key} in {first}");
    }
    let from_file: Vec<Operation> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(from_file, ops);
    for forbidden in ["LEAKCHECK", "hunter2", "AWS4-HMAC", "Tags", "Signature"] {
        assert!(
            !text.contains(forbidden),
            "record file holds {forbidden}: {text}"
        );
        let listed = serde_json::to_string(&ops).unwrap();
        assert!(!listed.contains(forbidden), "record holds {forbidden}");
    }

    // Clearing empties the memory, not the file; a restart appends.
    assert_eq!(proxy.clear_operations(), 4);
    assert!(proxy.operations().is_empty());
    proxy.shutdown().await;
    let mut config = ProxyConfig::new(upstream.url());
    config.record = Some(record.clone());
    let proxy = start(config).await.unwrap();
    aws(&c, &proxy, "DeleteSecret", "x").await.unwrap();
    proxy.shutdown().await;
    assert_eq!(std::fs::read_to_string(&record).unwrap().lines().count(), 5);
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---------------------------------------------------------------------------------------------
// Faults

#[tokio::test]
async fn quota_throttles_with_the_aws_error_shape() {
    let upstream = fake_upstream().await;
    let faults = Faults {
        quota_per_second: [("CreateSecret".to_string(), 10.0)].into_iter().collect(),
        ..Faults::default()
    };
    let proxy = proxy_to(&upstream, faults).await;
    let c = client();

    let started = Instant::now();
    let calls = (0..50).map(|i| {
        let c = c.clone();
        let proxy = &proxy;
        async move {
            aws(&c, proxy, "CreateSecret", &format!("s{i}"))
                .await
                .unwrap()
        }
    });
    let answers = futures_join_all(calls).await;
    let elapsed = started.elapsed().as_secs_f64();
    let ok = answers
        .iter()
        .filter(|a| a.status == StatusCode::OK)
        .count();
    let throttled: Vec<&Answer> = answers
        .iter()
        .filter(|a| a.status == StatusCode::BAD_REQUEST)
        .collect();
    assert_eq!(ok + throttled.len(), 50);
    // A burst of 10, plus 10/s for however long the firing took.
    let allowed = 10 + (elapsed * 10.0).ceil() as usize;
    assert!(
        (10..=allowed).contains(&ok),
        "{ok} of 50 succeeded in {elapsed:.3}s"
    );
    assert!(throttled.len() >= 50 - allowed);
    for a in &throttled {
        assert_aws_error(a, 400, "ThrottlingException");
        assert_eq!(a.json()["message"], "Rate exceeded");
    }
    assert_eq!(
        upstream.hits(),
        ok,
        "a throttled call must not be forwarded"
    );
    let ops = proxy.operations();
    assert_eq!(injected(&ops, Injected::Throttle), throttled.len());
    assert!(ops
        .iter()
        .filter(|o| o.injected == Some(Injected::Throttle))
        .all(|o| o.status == Some(400) && o.upstream_status.is_none()));

    // Other operations have no quota.
    for i in 0..20 {
        let a = aws(&c, &proxy, "DeleteSecret", &format!("s{i}"))
            .await
            .unwrap();
        assert_eq!(a.status, StatusCode::OK);
    }

    // The bucket refills at the rate, up to the burst.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let mut ok_after = 0;
    for i in 0..25 {
        if aws(&c, &proxy, "CreateSecret", &format!("t{i}"))
            .await
            .unwrap()
            .status
            == StatusCode::OK
        {
            ok_after += 1;
        }
    }
    assert!((10..=14).contains(&ok_after), "{ok_after} after refilling");
    proxy.shutdown().await;
}

/// Runs futures concurrently on the current task (the crate keeps its dependencies few).
async fn futures_join_all<F: std::future::Future>(futs: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut futs: Vec<std::pin::Pin<Box<F>>> = futs.map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = futs.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in futs.iter_mut().enumerate() {
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => out[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter().map(Option::unwrap).collect()
}

async fn error_pattern(c: &HttpClient, proxy: &ProxyHandle, n: usize) -> Vec<bool> {
    let mut pattern = Vec::new();
    for i in 0..n {
        let a = aws(c, proxy, "DescribeSecret", &format!("s{i}"))
            .await
            .unwrap();
        if a.status == StatusCode::INTERNAL_SERVER_ERROR {
            assert_aws_error(&a, 500, "InternalFailure");
            assert_eq!(a.json()["message"], "injected");
            pattern.push(true);
        } else {
            assert_eq!(a.status, StatusCode::OK);
            pattern.push(false);
        }
    }
    pattern
}

#[tokio::test]
async fn error_5xx_rate_is_reproducible_with_a_seed_and_not_forwarded() {
    let upstream = fake_upstream().await;
    let faults = Faults {
        error_5xx_rate: 0.3,
        seed: Some(42),
        ..Faults::default()
    };
    let proxy = proxy_to(&upstream, faults.clone()).await;
    let c = client();

    let first = error_pattern(&c, &proxy, 80).await;
    let errors = first.iter().filter(|e| **e).count();
    assert!(
        (10..=40).contains(&errors),
        "{errors} errors of 80 at rate 0.3"
    );
    assert_eq!(
        upstream.hits(),
        80 - errors,
        "an injected 500 must not be forwarded"
    );
    let ops = proxy.operations();
    assert_eq!(injected(&ops, Injected::Error5xx), errors);
    assert!(ops
        .iter()
        .filter(|o| o.injected == Some(Injected::Error5xx))
        .all(|o| o.status == Some(500) && o.upstream_status.is_none()));

    // Setting the same faults again restarts the sequence.
    proxy.set_faults(faults.clone());
    assert_eq!(error_pattern(&c, &proxy, 80).await, first);
    // So does a new proxy with the same seed.
    let other = proxy_to(&upstream, faults.clone()).await;
    assert_eq!(error_pattern(&c, &other, 80).await, first);
    // Another seed, another sequence.
    other.set_faults(Faults {
        seed: Some(43),
        ..faults
    });
    assert_ne!(error_pattern(&c, &other, 80).await, first);
    other.shutdown().await;
    proxy.shutdown().await;
}

#[tokio::test]
async fn error_5xx_after_forward_lets_the_side_effect_happen() {
    let upstream = fake_upstream().await;
    let proxy = proxy_to(
        &upstream,
        Faults {
            error_5xx_after_forward_rate: 1.0,
            ..Faults::default()
        },
    )
    .await;
    let c = client();
    let a = aws(&c, &proxy, "CreateSecret", "app/a").await.unwrap();
    assert_aws_error(&a, 500, "InternalFailure");
    assert_eq!(upstream.hits(), 1, "the request must reach the upstream");
    let ops = proxy.operations();
    assert_eq!(ops[0].injected, Some(Injected::Error5xx));
    assert_eq!(
        (ops[0].status, ops[0].upstream_status),
        (Some(500), Some(200))
    );
    proxy.shutdown().await;
}

#[tokio::test]
async fn deny_matches_by_operation_and_secret_name() {
    let upstream = fake_upstream().await;
    let proxy = proxy_to(
        &upstream,
        Faults {
            deny: vec![
                DenyRule::new("CreateSecret", "app/denied"),
                DenyRule::new("*", "app/everything-denied"),
            ],
            ..Faults::default()
        },
    )
    .await;
    let c = client();

    let a = aws(&c, &proxy, "CreateSecret", "app/denied").await.unwrap();
    assert_aws_error(&a, 400, "AccessDeniedException");
    assert_eq!(
        a.json()["message"],
        "User is not authorized to perform secretsmanager:CreateSecret on resource app/denied"
    );
    assert_eq!(upstream.hits(), 0);
    // Other names, other operations on the name: forwarded.
    let a = aws(&c, &proxy, "CreateSecret", "app/denied-not")
        .await
        .unwrap();
    assert_eq!(a.status, StatusCode::OK);
    let a = aws(&c, &proxy, "DeleteSecret", "app/denied").await.unwrap();
    assert_eq!(a.status, StatusCode::OK);
    // A wildcard operation, and a secret named by ARN.
    let arn = "arn:aws:secretsmanager:us-east-1:000000000000:secret:app/everything-denied-Xy12Zw";
    let a = aws(&c, &proxy, "DescribeSecret", arn).await.unwrap();
    assert_aws_error(&a, 400, "AccessDeniedException");
    assert_eq!(
        a.json()["message"],
        format!(
            "User is not authorized to perform secretsmanager:DescribeSecret on resource {arn}"
        )
    );
    assert_eq!(upstream.hits(), 2);
    let ops = proxy.operations();
    assert_eq!(injected(&ops, Injected::Deny), 2);
    assert_eq!(ops[0].secret.as_deref(), Some("app/denied"));
    proxy.shutdown().await;
}

/// An AWS query-protocol request (STS): a form body naming the action.
fn query_request(endpoint: &str, form: &str) -> Request<Full<Bytes>> {
    Request::post(format!("{endpoint}/"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Full::new(Bytes::from(form.to_owned())))
        .unwrap()
}

#[tokio::test]
async fn sts_faults_are_xml_and_issued_credentials_are_noted() {
    let upstream = fake_upstream().await;
    let proxy = proxy_to(
        &upstream,
        Faults {
            deny: vec![DenyRule::new("AssumeRole", "*")],
            ..Faults::default()
        },
    )
    .await;
    let c = client();
    let denied = send(
        &c,
        query_request(&proxy.endpoint(), "Action=AssumeRole&RoleArn=x"),
    )
    .await
    .unwrap();
    assert_eq!(denied.status, StatusCode::BAD_REQUEST);
    let body = String::from_utf8_lossy(&denied.body).into_owned();
    assert!(body.contains("<Code>AccessDenied</Code>"), "{body}");
    assert!(body.starts_with("<ErrorResponse"), "{body}");
    assert_eq!(upstream.hits(), 0);

    // The echo upstream answers with the request, so the credentials the
    // proxy should find travel in it.
    let form = "Action=GetCallerIdentity&X=<AccessKeyId>ASIAECHOEXAMPLE</AccessKeyId>\
                <SecretAccessKey>echo-secret</SecretAccessKey><SessionToken>echo-token</SessionToken>";
    let answered = send(&c, query_request(&proxy.endpoint(), form))
        .await
        .unwrap();
    assert_eq!(answered.status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&answered.body).contains("ASIAECHOEXAMPLE"));
    let ops = proxy.operations();
    assert_eq!(ops[0].issued_credentials, Vec::<String>::new());
    assert_eq!(
        ops[1].issued_credentials,
        ["ASIAECHOEXAMPLE", "echo-secret", "echo-token"]
    );
    proxy.shutdown().await;
}

#[tokio::test]
async fn reset_closes_the_connection_without_an_answer() {
    let upstream = fake_upstream().await;
    let proxy = proxy_to(
        &upstream,
        Faults {
            reset_rate: 1.0,
            ..Faults::default()
        },
    )
    .await;
    let c = client();
    let err = aws(&c, &proxy, "CreateSecret", "app/a").await.err();
    assert!(err.is_some(), "the client must see a failed request");
    assert_eq!(
        upstream.hits(),
        0,
        "a reset before forwarding must not forward"
    );

    // The same on a raw socket: no byte of answer, the connection just ends.
    let mut s = tokio::net::TcpStream::connect(proxy.local_addr())
        .await
        .unwrap();
    let body = r#"{"Name":"raw"}"#;
    let request = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: secretsmanager.CreateSecret\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    tokio::io::AsyncWriteExt::write_all(&mut s, request.as_bytes())
        .await
        .unwrap();
    let mut buf = Vec::new();
    let read = tokio::io::AsyncReadExt::read_to_end(&mut s, &mut buf).await;
    assert!(
        buf.is_empty(),
        "got an answer: {:?}",
        String::from_utf8_lossy(&buf)
    );
    // Abruptly: a TCP reset, not an orderly close.
    assert_eq!(
        read.map_err(|e| e.kind()),
        Err(std::io::ErrorKind::ConnectionReset)
    );

    // After forwarding: the upstream saw it, the client still gets nothing.
    proxy.set_faults(Faults {
        reset_rate: 1.0,
        reset_after_forward: true,
        ..Faults::default()
    });
    assert!(aws(&c, &proxy, "CreateSecret", "app/b").await.is_err());
    assert_eq!(upstream.hits(), 1);

    let ops = proxy.operations();
    assert_eq!(ops.len(), 3);
    assert!(ops
        .iter()
        .all(|o| o.injected == Some(Injected::Reset) && o.status.is_none()));
    assert_eq!(ops[0].upstream_status, None);
    assert_eq!(ops[2].upstream_status, Some(200));

    // The proxy itself carries on.
    proxy.set_faults(Faults::default());
    assert_eq!(
        aws(&c, &proxy, "CreateSecret", "app/c")
            .await
            .unwrap()
            .status,
        StatusCode::OK
    );
    proxy.shutdown().await;
}

#[tokio::test]
async fn black_hole_holds_the_listed_operations_unanswered() {
    let upstream = fake_upstream().await;
    let proxy = proxy_to(
        &upstream,
        Faults {
            black_hole: vec!["DeleteSecret".into()],
            ..Faults::default()
        },
    )
    .await;
    let c = client();
    let held = tokio::time::timeout(
        Duration::from_millis(700),
        aws(&c, &proxy, "DeleteSecret", "app/a"),
    )
    .await;
    assert!(held.is_err(), "a black-holed request must not be answered");
    // Other operations still pass, and the hole is recorded, never forwarded.
    let answer = aws(&c, &proxy, "DescribeSecret", "app/a").await.unwrap();
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(upstream.hits(), 1);
    let ops = proxy.operations();
    assert_eq!(injected(&ops, Injected::BlackHole), 1);
    assert_eq!(ops[0].operation.as_deref(), Some("DeleteSecret"));
    assert_eq!(ops[0].status, None);

    // "*" holds everything; the admin API still answers.
    proxy.set_faults(Faults {
        black_hole: vec!["*".into()],
        ..Faults::default()
    });
    let held = tokio::time::timeout(
        Duration::from_millis(500),
        aws(&c, &proxy, "DescribeSecret", "app/b"),
    )
    .await;
    assert!(held.is_err());
    let faults = admin(&c, &proxy, Method::GET, "/_proxy/faults", "").await;
    assert_eq!(faults.json()["black_hole"], json!(["*"]));
    assert!(Faults::from_json(r#"{"black_hole": [""]}"#).is_err());
    proxy.shutdown().await;
}

#[tokio::test]
async fn hold_gates_the_listed_operations_until_the_faults_change() {
    let upstream = fake_upstream().await;
    let proxy = proxy_to(
        &upstream,
        Faults {
            hold: vec!["CreateSecret".into()],
            ..Faults::default()
        },
    )
    .await;
    let c = client();
    let gated = {
        let (c, proxy) = (c.clone(), &proxy);
        async move { aws(&c, proxy, "CreateSecret", "app/a").await }
    };
    let opener = async {
        // Other operations pass while the gate is closed; the held one is
        // neither forwarded nor recorded yet.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let answer = aws(&c, &proxy, "DescribeSecret", "app/a").await.unwrap();
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(upstream.hits(), 1);
        assert_eq!(proxy.operations().len(), 1);
        // Replacing the faults with ones that hold nothing opens the gate:
        // the held request goes on under the new faults.
        proxy.set_faults(Faults {
            deny: vec![DenyRule::new("CreateSecret", "app/a")],
            ..Faults::default()
        });
    };
    let (answer, ()) = tokio::join!(gated, opener);
    assert_aws_error(&answer.unwrap(), 400, "AccessDeniedException");
    let ops = proxy.operations();
    assert_eq!(ops.len(), 2);
    assert_eq!(ops[1].operation.as_deref(), Some("CreateSecret"));
    assert_eq!(injected(&ops, Injected::Deny), 1);
    assert!(Faults::from_json(r#"{"hold": [""]}"#).is_err());
    assert!(Faults::from_json(r#"{"hold": ["*"]}"#)
        .unwrap()
        .holds("DeleteSecret"));
    proxy.shutdown().await;
}

#[tokio::test]
async fn refuse_connections_resets_new_and_open_connections() {
    let upstream = fake_upstream().await;
    let proxy = proxy_to(&upstream, Faults::default()).await;
    let c = client();
    // A kept-alive connection is open before the endpoint "dies".
    assert_eq!(
        aws(&c, &proxy, "DescribeSecret", "app/a")
            .await
            .unwrap()
            .status,
        StatusCode::OK
    );
    proxy.set_faults(Faults {
        refuse_connections: true,
        ..Faults::default()
    });
    for name in ["app/b", "app/c", "app/d"] {
        assert!(aws(&c, &proxy, "CreateSecret", name).await.is_err());
    }
    // A new connection is reset before a byte is answered. On loopback the
    // reset can reach the client before its connect() has returned, so the
    // connect itself may be what reports it.
    match tokio::net::TcpStream::connect(proxy.local_addr()).await {
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset),
        Ok(mut s) => {
            let mut buf = Vec::new();
            let read = tokio::time::timeout(
                Duration::from_secs(5),
                tokio::io::AsyncReadExt::read_to_end(&mut s, &mut buf),
            )
            .await
            .expect("the connection must end at once");
            assert!(buf.is_empty());
            assert_eq!(
                read.map_err(|e| e.kind()),
                Err(std::io::ErrorKind::ConnectionReset)
            );
        }
    }
    assert_eq!(upstream.hits(), 1, "nothing forwarded while refusing");

    // And it comes back.
    proxy.set_faults(Faults::default());
    assert_eq!(
        aws(&c, &proxy, "CreateSecret", "app/e")
            .await
            .unwrap()
            .status,
        StatusCode::OK
    );
    proxy.shutdown().await;
}

#[tokio::test]
async fn delay_adds_latency() {
    let upstream = fake_upstream().await;
    let proxy = proxy_to(
        &upstream,
        Faults {
            delay_ms: DelayMs { min: 150, max: 200 },
            ..Faults::default()
        },
    )
    .await;
    let c = client();
    let t = Instant::now();
    let a = aws(&c, &proxy, "ListSecrets", "x").await.unwrap();
    assert_eq!(a.status, StatusCode::OK);
    assert!(
        t.elapsed() >= Duration::from_millis(150),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(proxy.operations()[0].injected, Some(Injected::Delay));
    proxy.shutdown().await;
}

#[tokio::test]
async fn an_unreachable_upstream_is_a_502_in_aws_shape() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let proxy = start(ProxyConfig::new(format!("http://127.0.0.1:{port}")))
        .await
        .unwrap();
    let c = client();
    let a = aws(&c, &proxy, "CreateSecret", "x").await.unwrap();
    assert_aws_error(&a, 502, "InternalFailure");
    let ops = proxy.operations();
    assert_eq!(
        (ops[0].status, ops[0].injected, ops[0].upstream_status),
        (Some(502), None, None)
    );
    proxy.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Admin endpoints, library and binary

#[tokio::test]
async fn admin_endpoints() {
    let upstream = fake_upstream().await;
    let proxy = proxy_to(&upstream, Faults::default()).await;
    let c = client();

    let health = admin(&c, &proxy, Method::GET, "/_proxy/health", "").await;
    assert_eq!(health.json()["upstream"], upstream.url());

    let got = admin(&c, &proxy, Method::GET, "/_proxy/faults", "").await;
    assert_eq!(got.status, StatusCode::OK);
    let current: Faults = serde_json::from_slice(&got.body).unwrap();
    assert_eq!(current, Faults::default());

    let new = r#"{"deny": [{"operation": "*", "secret": "x"}], "error_5xx_rate": 0.5, "seed": 3}"#;
    let put = admin(&c, &proxy, Method::PUT, "/_proxy/faults", new).await;
    assert_eq!(put.status, StatusCode::OK);
    let expected = Faults::from_json(new).unwrap();
    assert_eq!(proxy.faults(), expected);
    let got = admin(&c, &proxy, Method::GET, "/_proxy/faults", "").await;
    assert_eq!(
        serde_json::from_slice::<Faults>(&got.body).unwrap(),
        expected
    );

    // A bad configuration is refused with a reason and changes nothing.
    let bad = admin(
        &c,
        &proxy,
        Method::PUT,
        "/_proxy/faults",
        r#"{"reset_rate": 7}"#,
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.json()["error"].as_str().unwrap().contains("reset_rate"));
    let typo = admin(
        &c,
        &proxy,
        Method::PUT,
        "/_proxy/faults",
        r#"{"reset_rat": 0.1}"#,
    )
    .await;
    assert_eq!(typo.status, StatusCode::BAD_REQUEST);
    assert_eq!(proxy.faults(), expected);
    assert!(proxy
        .try_set_faults(Faults {
            error_5xx_rate: -1.0,
            ..Faults::default()
        })
        .is_err());

    // Recorded operations can be cleared.
    proxy.set_faults(Faults::default());
    aws(&c, &proxy, "CreateSecret", "a").await.unwrap();
    aws(&c, &proxy, "CreateSecret", "b").await.unwrap();
    let cleared = admin(&c, &proxy, Method::POST, "/_proxy/operations/clear", "").await;
    assert_eq!(cleared.json()["cleared"], 2);
    let listed = admin(&c, &proxy, Method::GET, "/_proxy/operations", "").await;
    assert_eq!(listed.json(), json!([]));

    let missing = admin(&c, &proxy, Method::GET, "/_proxy/nope", "").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let wrong = admin(&c, &proxy, Method::DELETE, "/_proxy/faults", "").await;
    assert_eq!(wrong.status, StatusCode::METHOD_NOT_ALLOWED);

    // None of that went upstream or into the record.
    assert_eq!(upstream.hits(), 2);
    assert!(proxy.operations().is_empty());

    // Shutdown over HTTP: answered, then the port closes.
    let stop = admin(&c, &proxy, Method::POST, "/_proxy/shutdown", "").await;
    assert_eq!(stop.status, StatusCode::OK);
    tokio::time::timeout(Duration::from_secs(5), proxy.shutdown_requested())
        .await
        .unwrap();
    let addr = proxy.local_addr();
    tokio::time::timeout(Duration::from_secs(10), proxy.shutdown())
        .await
        .unwrap();
    // The listener's socket is released when its task ends, which a loaded
    // machine may schedule a moment after shutdown returns.
    let mut closed = false;
    for _ in 0..50 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            closed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        closed,
        "{addr} still accepts connections 5 s after shutdown"
    );
}

#[tokio::test]
async fn refuses_non_loopback_listen_and_bad_upstreams() {
    let mut config = ProxyConfig::new("http://127.0.0.1:4566");
    config.listen = "0.0.0.0:0".parse().unwrap();
    assert_eq!(
        start(config).await.unwrap_err().kind(),
        std::io::ErrorKind::InvalidInput
    );
    for bad in [
        "https://127.0.0.1:4566",
        "127.0.0.1:4566",
        "http://127.0.0.1:4566/prefix",
    ] {
        let err = start(ProxyConfig::new(bad)).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{bad}");
    }
}

/// One HTTP/1.1 exchange over a plain socket; returns the status and the body.
fn raw_http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    s.write_all(req.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {out:?}"));
    let body = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn works_without_an_async_runtime_while_the_caller_blocks() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let upstream = rt.block_on(fake_upstream());
    let proxy = start_blocking(ProxyConfig::new(upstream.url())).unwrap();
    let addr = proxy.local_addr().to_string();
    let (status, body) = raw_http(
        &addr,
        "POST",
        "/",
        &[("X-Amz-Target", "secretsmanager.CreateSecret")],
        r#"{"Name":"blocking"}"#,
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(proxy.operations()[0].secret.as_deref(), Some("blocking"));
    proxy.shutdown_blocking();
    assert!(std::net::TcpStream::connect(&addr).is_err());
}

#[test]
fn binary_prints_its_address_records_injects_and_stops_on_request() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let upstream = rt.block_on(fake_upstream());
    let dir = std::env::temp_dir().join(format!("aws-fault-proxy-bin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let record = dir.join("ops.jsonl");
    let faults = dir.join("faults.json");
    std::fs::write(
        &faults,
        r#"{"deny": [{"operation": "CreateSecret", "secret": "app/denied"}], "seed": 1}"#,
    )
    .unwrap();

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_aws-fault-proxy"))
        .args(["--listen", "127.0.0.1:0", "--upstream", &upstream.url()])
        .arg("--record")
        .arg(&record)
        .arg("--faults")
        .arg(&faults)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    assert!(
        addr.starts_with("127.0.0.1:") && !addr.ends_with(":0"),
        "{addr}"
    );

    let target = [("X-Amz-Target", "secretsmanager.CreateSecret")];
    let (status, body) = raw_http(&addr, "POST", "/", &target, r#"{"Name":"app/denied"}"#);
    assert_eq!(status, 400);
    assert!(body.contains("AccessDeniedException"), "{body}");
    let (status, _) = raw_http(&addr, "POST", "/", &target, r#"{"Name":"app/ok"}"#);
    assert_eq!(status, 200);
    let (status, ops) = raw_http(&addr, "GET", "/_proxy/operations", &[], "");
    assert_eq!(status, 200);
    let ops: Vec<Operation> = serde_json::from_str(&ops).unwrap();
    assert_eq!(ops.len(), 2);
    assert_eq!(ops[0].injected, Some(Injected::Deny));

    let (status, _) = raw_http(&addr, "POST", "/_proxy/shutdown", &[], "");
    assert_eq!(status, 200);
    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the proxy did not stop after POST /_proxy/shutdown");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(exit.success(), "{exit:?}");
    let lines = std::fs::read_to_string(&record).unwrap();
    assert_eq!(lines.lines().count(), 2);
    assert!(lines.contains(r#""injected":"deny""#));
    std::fs::remove_dir_all(&dir).unwrap();

    // Bad input: a usage error, exit code 2.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_aws-fault-proxy"))
        .arg("--bogus")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--bogus"));
}
