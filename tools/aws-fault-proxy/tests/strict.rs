//! Strict-AWS mode against a small in-process Secrets Manager that, like LocalStack, enforces
//! none of the rules: every refusal seen here is the proxy's.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_fault_proxy::{start, Injected, ProxyConfig, ProxyHandle, StrictAws};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{json, Value};

#[derive(Default)]
struct Secret {
    tags: BTreeMap<String, String>,
    scheduled: bool,
    created: f64,
}

/// Secrets by name, and every operation the fake received (with the authorization header it
/// came with), in order.
#[derive(Default)]
struct Lenient {
    secrets: BTreeMap<String, Secret>,
    received: Vec<(String, String)>,
}

type Shared = Arc<Mutex<Lenient>>;

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

async fn lenient_upstream() -> (SocketAddr, Shared) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shared: Shared = Arc::default();
    let state = shared.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let state = state.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req| answer(req, state.clone()));
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (addr, shared)
}

async fn answer(
    req: Request<Incoming>,
    state: Shared,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let op = header("x-amz-target")
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_string();
    let auth = header("authorization");
    let body: Value =
        serde_json::from_slice(&req.into_body().collect().await.unwrap().to_bytes()).unwrap();
    let mut s = state.lock().unwrap();
    s.received.push((op.clone(), auth));
    let id = body["SecretId"].as_str().unwrap_or_default().to_string();
    let answered = match op.as_str() {
        "CreateSecret" => {
            let name = body["Name"].as_str().unwrap().to_string();
            let tags = body["Tags"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|t| {
                    (
                        t["Key"].as_str().unwrap().into(),
                        t["Value"].as_str().unwrap().into(),
                    )
                })
                .collect();
            s.secrets.insert(
                name.clone(),
                Secret {
                    tags,
                    scheduled: false,
                    created: now(),
                },
            );
            json!({"ARN": format!("arn:{name}"), "Name": name})
        }
        "ListSecrets" => {
            let list: Vec<Value> = s
                .secrets
                .iter()
                .map(|(n, sec)| json!({"Name": n, "CreatedDate": sec.created}))
                .collect();
            json!({ "SecretList": list })
        }
        _ => {
            let Some(secret) = s.secrets.get_mut(&id) else {
                return Ok(reply(400, json!({"__type": "ResourceNotFoundException"})));
            };
            match op.as_str() {
                "DescribeSecret" => {
                    let tags: Vec<Value> = secret
                        .tags
                        .iter()
                        .map(|(k, v)| json!({"Key": k, "Value": v}))
                        .collect();
                    let mut d = json!({"ARN": format!("arn:{id}"), "Name": id, "Tags": tags});
                    if secret.scheduled {
                        d["DeletedDate"] = json!(now() + 86400.0);
                    }
                    d
                }
                "TagResource" => {
                    for t in body["Tags"].as_array().unwrap() {
                        secret.tags.insert(
                            t["Key"].as_str().unwrap().into(),
                            t["Value"].as_str().unwrap().into(),
                        );
                    }
                    json!({})
                }
                "DeleteSecret" => {
                    secret.scheduled = true;
                    json!({"ARN": format!("arn:{id}")})
                }
                "RestoreSecret" => {
                    secret.scheduled = false;
                    json!({"ARN": format!("arn:{id}")})
                }
                _ => json!({"ARN": format!("arn:{id}")}),
            }
        }
    };
    Ok(reply(200, answered))
}

fn reply(status: u16, body: Value) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from(body.to_string())));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap();
    resp
}

struct Fixture {
    proxy: ProxyHandle,
    upstream: Shared,
    client: Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
}

const AUTH: &str = "AWS4-HMAC-SHA256 Credential=111111111111/20250101/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=00";

impl Fixture {
    async fn new(strict: StrictAws) -> Fixture {
        let (addr, upstream) = lenient_upstream().await;
        let proxy = start(ProxyConfig::new(format!("http://{addr}")).strict(strict))
            .await
            .unwrap();
        Fixture {
            proxy,
            upstream,
            client: Client::builder(TokioExecutor::new()).build_http(),
        }
    }

    /// Sends one Secrets Manager request through the proxy: status and JSON answer.
    async fn call(&self, op: &str, body: Value) -> (u16, Value) {
        let req = Request::post(format!("{}/", self.proxy.endpoint()))
            .header("x-amz-target", format!("secretsmanager.{op}"))
            .header("content-type", "application/x-amz-json-1.1")
            .header("authorization", AUTH)
            .body(Full::new(Bytes::from(body.to_string())))
            .unwrap();
        let resp = self.client.request(req).await.unwrap();
        let status = resp.status().as_u16();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// The operations the upstream received since the last call, in order.
    fn received(&self) -> Vec<String> {
        let mut s = self.upstream.lock().unwrap();
        std::mem::take(&mut s.received)
            .into_iter()
            .map(|(op, auth)| {
                assert_eq!(auth, AUTH, "{op} must carry the caller's credentials");
                op
            })
            .collect()
    }

    fn tags(&self, name: &str) -> usize {
        self.upstream.lock().unwrap().secrets[name].tags.len()
    }
}

fn tags(prefix: &str, n: usize) -> Value {
    Value::Array(
        (0..n)
            .map(|i| json!({"Key": format!("{prefix}{i}"), "Value": "v"}))
            .collect(),
    )
}

fn no_lag() -> StrictAws {
    StrictAws {
        list_lag_seconds: 0,
    }
}

#[tokio::test]
async fn tags_are_limited_as_aws_documents() {
    let f = Fixture::new(no_lag()).await;
    // 51 tags on create: refused before the upstream sees it.
    let (status, answer) = f
        .call("CreateSecret", json!({"Name": "a", "Tags": tags("k", 51)}))
        .await;
    assert_eq!(status, 400);
    assert_eq!(answer["__type"], "InvalidParameterException");
    assert!(f.received().is_empty());
    // 50 are fine, and an aws: tag already on a secret does not count.
    let (status, _) = f
        .call("CreateSecret", json!({"Name": "a", "Tags": tags("k", 50)}))
        .await;
    assert_eq!(status, 200);
    f.upstream
        .lock()
        .unwrap()
        .secrets
        .get_mut("a")
        .unwrap()
        .tags
        .insert("aws:cloudformation:stack-id".into(), "x".into());
    f.received();
    // Overwriting an existing key adds nothing; one more key is the 51st.
    let (status, _) = f
        .call(
            "TagResource",
            json!({"SecretId": "a", "Tags": tags("k", 1)}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(f.received(), ["DescribeSecret", "TagResource"]);
    let (status, answer) = f
        .call(
            "TagResource",
            json!({"SecretId": "a", "Tags": tags("new", 1)}),
        )
        .await;
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer["message"].as_str().unwrap().contains("51 tags"),
        "{answer}"
    );
    assert_eq!(f.received(), ["DescribeSecret"], "refused, not forwarded");
    assert_eq!(f.tags("a"), 51, "50 counted and the aws: one");
    // Keys and values: lengths, characters and the aws: prefix, on writes only.
    for (key, value) in [
        ("k".repeat(128), "v".to_string()),
        ("k".to_string(), "v".repeat(256)),
        ("aws:mine".to_string(), "v".to_string()),
        ("a#b".to_string(), "v".to_string()),
    ] {
        let tag = json!([{"Key": key, "Value": value}]);
        let (status, answer) = f
            .call("TagResource", json!({"SecretId": "a", "Tags": tag}))
            .await;
        assert_eq!(status, 400, "{key}={value}: {answer}");
        assert_eq!(answer["__type"], "InvalidParameterException");
    }
    let (status, _) = f
        .call(
            "UntagResource",
            json!({"SecretId": "a", "TagKeys": ["aws:cloudformation:stack-id"]}),
        )
        .await;
    assert_eq!(status, 400);
    assert!(f.received().is_empty(), "refused from the request alone");
    let ops = f.proxy.operations();
    let strict = ops
        .iter()
        .filter(|o| o.injected == Some(Injected::Strict))
        .count();
    assert_eq!(strict, 7, "{ops:?}");
    assert!(ops
        .iter()
        .filter(|o| o.injected == Some(Injected::Strict))
        .all(|o| o.upstream_status.is_none()));
}

#[tokio::test]
async fn a_scheduled_secret_answers_only_four_operations() {
    let f = Fixture::new(no_lag()).await;
    f.call("CreateSecret", json!({"Name": "s"})).await;
    let (status, _) = f.call("DeleteSecret", json!({"SecretId": "s"})).await;
    assert_eq!(status, 200, "live: deleted");
    f.received();
    for op in [
        "TagResource",
        "UntagResource",
        "GetResourcePolicy",
        "DeleteSecret",
        "PutResourcePolicy",
    ] {
        let (status, answer) = f
            .call(op, json!({"SecretId": "s", "Tags": [], "TagKeys": []}))
            .await;
        assert_eq!(status, 400, "{op}: {answer}");
        assert_eq!(answer["__type"], "InvalidRequestException");
        assert!(
            answer["message"]
                .as_str()
                .unwrap()
                .contains("marked for deletion"),
            "{answer}"
        );
        assert_eq!(f.received(), ["DescribeSecret"], "{op} is not forwarded");
    }
    for op in ["DescribeSecret", "ListSecretVersionIds", "RestoreSecret"] {
        let (status, answer) = f.call(op, json!({"SecretId": "s"})).await;
        assert_eq!(status, 200, "{op}: {answer}");
        assert_eq!(f.received(), [op], "{op} goes straight through");
    }
    // Restored, it answers everything again.
    let (status, _) = f.call("GetResourcePolicy", json!({"SecretId": "s"})).await;
    assert_eq!(status, 200);
    // A secret the upstream does not know: its own answer.
    let (status, answer) = f
        .call("TagResource", json!({"SecretId": "nope", "Tags": []}))
        .await;
    assert_eq!(status, 400);
    assert_eq!(answer["__type"], "ResourceNotFoundException");
}

#[tokio::test]
async fn listing_lags_new_secrets_and_the_lag_can_be_changed() {
    let f = Fixture::new(StrictAws {
        list_lag_seconds: 300,
    })
    .await;
    f.call("CreateSecret", json!({"Name": "fresh"})).await;
    f.upstream.lock().unwrap().secrets.insert(
        "old".into(),
        Secret {
            created: now() - 301.0,
            ..Secret::default()
        },
    );
    let names = |answer: &Value| -> Vec<String> {
        answer["SecretList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["Name"].as_str().unwrap().to_string())
            .collect()
    };
    let (status, answer) = f.call("ListSecrets", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(names(&answer), ["old"]);
    let listing = f.proxy.operations().pop().unwrap();
    assert_eq!(listing.injected, Some(Injected::Strict));
    assert_eq!(listing.upstream_status, Some(200));
    // DescribeSecret is never late.
    let (status, _) = f.call("DescribeSecret", json!({"SecretId": "fresh"})).await;
    assert_eq!(status, 200);

    f.proxy.set_strict(Some(no_lag()));
    let (_, answer) = f.call("ListSecrets", json!({})).await;
    assert_eq!(names(&answer), ["fresh", "old"]);
    // Off: the upstream's leniency again.
    f.proxy.set_strict(None);
    let (status, _) = f
        .call(
            "CreateSecret",
            json!({"Name": "many", "Tags": tags("k", 60)}),
        )
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_admin_endpoint_reads_and_replaces_the_mode() {
    let f = Fixture::new(StrictAws::default()).await;
    let admin = |method: Method, body: &'static str| {
        let req = Request::builder()
            .method(method)
            .uri(format!("{}/_proxy/strict", f.proxy.endpoint()))
            .body(Full::new(Bytes::from(body)))
            .unwrap();
        let client = f.client.clone();
        async move {
            let resp = client.request(req).await.unwrap();
            let status = resp.status().as_u16();
            let bytes = resp.into_body().collect().await.unwrap().to_bytes();
            (status, serde_json::from_slice::<Value>(&bytes).unwrap())
        }
    };
    assert_eq!(
        admin(Method::GET, "").await,
        (200, json!({"list_lag_seconds": 300}))
    );
    assert_eq!(
        admin(Method::PUT, r#"{"list_lag_seconds": 7}"#).await,
        (200, json!({"list_lag_seconds": 7}))
    );
    assert_eq!(f.proxy.strict().unwrap().list_lag_seconds, 7);
    assert_eq!(admin(Method::PUT, "null").await, (200, Value::Null));
    assert_eq!(f.proxy.strict(), None);
    let (status, answer) = admin(Method::PUT, r#"{"lag": 1}"#).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(
        f.proxy.strict(),
        None,
        "a refused configuration changes nothing"
    );
}
