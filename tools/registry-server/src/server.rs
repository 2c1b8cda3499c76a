//! The HTTP side: routes of the provider registry protocol, answered from a [`Catalog`].

use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, HOST};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio::sync::watch;

use crate::catalog::Catalog;

/// Where the provider registry protocol lives, as service discovery announces it.
pub const PROVIDERS_V1: &str = "/v1/providers/";

/// One request the registry answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestRecord {
    pub method: String,
    pub path: String,
    /// The `Host` header, as the client sent it.
    pub host: Option<String>,
    pub status: u16,
}

pub(crate) struct Shared {
    pub catalog: Catalog,
    /// `http://ADDR` for clients that send no usable `Host` header.
    pub fallback_base: String,
    pub requests: Mutex<Vec<RequestRecord>>,
}

/// What a request is answered with, before it becomes HTTP.
#[derive(Debug, PartialEq)]
pub enum Answer {
    Json(StatusCode, Value),
    File(PathBuf, &'static str),
}

fn not_found(what: &str) -> Answer {
    Answer::Json(StatusCode::NOT_FOUND, json!({ "errors": [what] }))
}

/// `http://HOST` from the request's `Host` header when it is a plain host[:port], so the URLs
/// a package description names point back at whatever name the client used; `fallback`
/// otherwise.
pub fn base_url(host: Option<&str>, fallback: &str) -> String {
    match host {
        Some(h)
            if !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b)) =>
        {
            format!("http://{h}")
        }
        _ => fallback.to_string(),
    }
}

/// Routes one request. `base` is where the files are, such as `http://127.0.0.1:PORT`.
pub fn route(catalog: &Catalog, method: &Method, path: &str, base: &str) -> Answer {
    if method != Method::GET && method != Method::HEAD {
        return Answer::Json(
            StatusCode::METHOD_NOT_ALLOWED,
            json!({ "errors": ["only GET and HEAD are served"] }),
        );
    }
    if path == "/.well-known/terraform.json" {
        return Answer::Json(StatusCode::OK, json!({ "providers.v1": PROVIDERS_V1 }));
    }
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["v1", "providers", namespace, type_name, "versions"] => {
            if !catalog.is_provider(namespace, type_name) {
                return not_found(&format!("provider {namespace}/{type_name} not found"));
            }
            Answer::Json(StatusCode::OK, catalog.versions_json())
        }
        ["v1", "providers", namespace, type_name, version, "download", os, arch] => {
            if !catalog.is_provider(namespace, type_name) {
                return not_found(&format!("provider {namespace}/{type_name} not found"));
            }
            match catalog.download_json(version, os, arch, base) {
                Some(v) => Answer::Json(StatusCode::OK, v),
                None => not_found(&format!(
                    "no package of {namespace}/{type_name} {version} for {os}_{arch}"
                )),
            }
        }
        ["files", version, name] => match catalog.file(version, name) {
            Some(p) => {
                let content_type = if name.ends_with(".zip") {
                    "application/zip"
                } else if name.ends_with(".json") {
                    "application/json"
                } else if name.ends_with(".sig") {
                    "application/octet-stream"
                } else {
                    "text/plain; charset=utf-8"
                };
                Answer::File(p, content_type)
            }
            None => not_found(&format!("no file {name} in release {version}")),
        },
        _ => not_found("not found"),
    }
}

/// Serves one accepted connection.
pub(crate) async fn connection(
    stream: TcpStream,
    shared: Arc<Shared>,
    shutdown: watch::Receiver<bool>,
) {
    let service = service_fn(move |req| handle(shared.clone(), req));
    tool_http::serve_connection(stream, service, shutdown).await;
}

async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let host = req
        .headers()
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string);
    let base = base_url(host.as_deref(), &shared.fallback_base);
    let path = req.uri().path().to_string();
    let head = req.method() == Method::HEAD;
    let answer = route(&shared.catalog, req.method(), &path, &base);
    let (status, content_type, body) = match answer {
        Answer::Json(status, value) => {
            let mut text = serde_json::to_vec_pretty(&value).unwrap_or_default();
            text.push(b'\n');
            (status, "application/json", Bytes::from(text))
        }
        Answer::File(p, content_type) => match tokio::fs::read(&p).await {
            Ok(bytes) => (StatusCode::OK, content_type, Bytes::from(bytes)),
            Err(e) => {
                let text = json!({ "errors": [format!("cannot read {}: {e}", p.display())] });
                (
                    StatusCode::NOT_FOUND,
                    "application/json",
                    Bytes::from(text.to_string()),
                )
            }
        },
    };
    if let Ok(mut requests) = shared.requests.lock() {
        requests.push(RequestRecord {
            method: req.method().to_string(),
            path,
            host,
            status: status.as_u16(),
        });
    }
    let len = body.len();
    let mut resp = Response::new(Full::new(if head { Bytes::new() } else { body }));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp.headers_mut()
        .insert(CONTENT_LENGTH, HeaderValue::from(len));
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::tests::fake_release;

    fn catalog() -> (tempfile::TempDir, Catalog) {
        let dir = tempfile::tempdir().unwrap();
        fake_release(dir.path(), "0.1.0");
        let c = Catalog::scan("project-planton", "planton", &[dir.path().to_path_buf()]).unwrap();
        (dir, c)
    }

    #[test]
    fn service_discovery_names_providers_v1() {
        let (_d, c) = catalog();
        assert_eq!(
            route(&c, &Method::GET, "/.well-known/terraform.json", "http://x"),
            Answer::Json(StatusCode::OK, json!({"providers.v1": "/v1/providers/"}))
        );
    }

    #[test]
    fn routes_versions_download_and_files() {
        let (dir, c) = catalog();
        let Answer::Json(status, v) = route(
            &c,
            &Method::GET,
            "/v1/providers/project-planton/planton/versions",
            "http://x",
        ) else {
            panic!("not JSON")
        };
        assert_eq!(status, StatusCode::OK);
        assert_eq!(v["versions"][0]["version"], "0.1.0");

        let Answer::Json(status, v) = route(
            &c,
            &Method::GET,
            "/v1/providers/project-planton/planton/0.1.0/download/linux/amd64",
            "http://registry.opentofu.org",
        ) else {
            panic!("not JSON")
        };
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            v["download_url"],
            "http://registry.opentofu.org/files/0.1.0/terraform-provider-planton_0.1.0_linux_amd64.zip"
        );

        assert_eq!(
            route(
                &c,
                &Method::GET,
                "/files/0.1.0/terraform-provider-planton_0.1.0_SHA256SUMS.sig",
                "http://x"
            ),
            Answer::File(
                dir.path()
                    .join("terraform-provider-planton_0.1.0_SHA256SUMS.sig"),
                "application/octet-stream"
            )
        );
    }

    #[test]
    fn unknown_things_are_404_and_writes_405() {
        let (_d, c) = catalog();
        for path in [
            "/v1/providers/hashicorp/aws/versions",
            "/v1/providers/project-planton/planton/0.2.0/download/linux/amd64",
            "/v1/providers/project-planton/planton/0.1.0/download/windows/amd64",
            "/files/0.1.0/..%2F..%2Fetc%2Fpasswd",
            "/files/0.1.0/Cargo.toml",
            "/",
        ] {
            match route(&c, &Method::GET, path, "http://x") {
                Answer::Json(StatusCode::NOT_FOUND, v) => {
                    assert!(v["errors"][0].is_string(), "{path}: {v}")
                }
                other => panic!("{path}: {other:?}"),
            }
        }
        assert!(matches!(
            route(&c, &Method::POST, "/.well-known/terraform.json", "http://x"),
            Answer::Json(StatusCode::METHOD_NOT_ALLOWED, _)
        ));
    }

    #[test]
    fn base_url_follows_a_sane_host_header() {
        assert_eq!(
            base_url(Some("127.0.0.1:8080"), "http://f"),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            base_url(Some("registry.terraform.io"), "http://f"),
            "http://registry.terraform.io"
        );
        assert_eq!(base_url(Some("evil/\"x"), "http://f"), "http://f");
        assert_eq!(base_url(None, "http://f"), "http://f");
    }
}
