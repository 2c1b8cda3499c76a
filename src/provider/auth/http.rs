//! The HTTP client every AWS client uses when the provider block (or
//! `AWS_CA_BUNDLE`) changes whom to trust or which proxy to go through.
//! Without any of them the SDK's default client stays, which already honours
//! `HTTP_PROXY` / `HTTPS_PROXY` / `NO_PROXY`.

use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use aws_smithy_http_client::{Builder, ConnectorBuilder};
use aws_smithy_runtime_api::client::http::SharedHttpClient;

/// `custom_ca_bundle`, `http_proxy`, `https_proxy`, `no_proxy`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HttpOptions {
    pub custom_ca_bundle: Option<String>,
    pub http_proxy: Option<String>,
    pub https_proxy: Option<String>,
    pub no_proxy: Option<String>,
}

/// Why the options cannot be used: the argument and the explanation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpProblem {
    pub attribute: &'static str,
    pub summary: &'static str,
    pub detail: String,
}

/// A client for `options`, or `None` when the SDK's default will do. The
/// CA bundle is `custom_ca_bundle`, else the `AWS_CA_BUNDLE` environment
/// variable; its certificates are trusted in addition to the system's.
pub fn http_client(
    options: &HttpOptions,
    env_ca_bundle: Option<String>,
) -> Result<Option<SharedHttpClient>, HttpProblem> {
    let (bundle, bundle_attribute) = match &options.custom_ca_bundle {
        Some(path) => (Some(path.clone()), "custom_ca_bundle"),
        None => (env_ca_bundle.filter(|p| !p.is_empty()), "custom_ca_bundle"),
    };
    let pem = bundle
        .map(|path| read_bundle(&path, bundle_attribute))
        .transpose()?;
    let proxy = proxy_config(options)?;
    if pem.is_none() && proxy.is_none() {
        return Ok(None);
    }
    let mut trust = TrustStore::default();
    if let Some(pem) = pem {
        trust = trust.with_pem_certificate(pem);
    }
    let context = TlsContext::builder()
        .with_trust_store(trust)
        .build()
        .map_err(|err| HttpProblem {
            attribute: bundle_attribute,
            summary: "Invalid CA bundle",
            detail: format!("The TLS settings cannot be used: {err}."),
        })?;
    let proxy = proxy.unwrap_or_else(ProxyConfig::from_env);
    let client = Builder::new().build_with_connector_fn(move |settings, components| {
        let mut connector = ConnectorBuilder::default()
            .tls_provider(tls::Provider::Rustls(
                tls::rustls_provider::CryptoMode::AwsLc,
            ))
            .tls_context(context.clone());
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(proxy.clone()));
        connector.build()
    });
    Ok(Some(client))
}

/// The bundle's bytes once every certificate in it parses (the TLS layer
/// would otherwise fail on it at the first request).
fn read_bundle(path: &str, attribute: &'static str) -> Result<Vec<u8>, HttpProblem> {
    let problem = |detail: String| HttpProblem {
        attribute,
        summary: "Invalid CA bundle",
        detail,
    };
    let bytes = std::fs::read(path)
        .map_err(|err| problem(format!("The CA bundle {path:?} cannot be read: {err}.")))?;
    let mut certificates = 0;
    let mut roots = rustls::RootCertStore::empty();
    for item in rustls_pemfile::certs(&mut bytes.as_slice()) {
        let certificate = item.map_err(|err| {
            problem(format!(
                "The CA bundle {path:?} is not valid PEM: {err}. It must hold PEM \
                 certificates (-----BEGIN CERTIFICATE-----)."
            ))
        })?;
        roots.add(certificate).map_err(|err| {
            problem(format!(
                "The CA bundle {path:?} holds a certificate that cannot be used: {err}."
            ))
        })?;
        certificates += 1;
    }
    if certificates == 0 {
        return Err(problem(format!(
            "The CA bundle {path:?} holds no PEM certificate (-----BEGIN CERTIFICATE-----)."
        )));
    }
    Ok(bytes)
}

/// The proxy from the block's arguments, or `None` to leave the environment
/// in charge. One proxy serves both schemes when both are given, so they
/// must then be the same.
fn proxy_config(options: &HttpOptions) -> Result<Option<ProxyConfig>, HttpProblem> {
    let parse = |attribute: &'static str, url: &str, make: fn(&str) -> Result<ProxyConfig, _>| {
        make(url).map_err(
            |err: aws_smithy_http_client::proxy::ProxyError| HttpProblem {
                attribute,
                summary: "Invalid proxy URL",
                detail: format!(
                    "{attribute} = {url:?} cannot be used: {err}. Give a URL such as \
                 \"http://proxy.example.com:3128\"."
                ),
            },
        )
    };
    let config = match (&options.http_proxy, &options.https_proxy) {
        (None, None) => return Ok(None),
        (Some(http), None) => parse("http_proxy", http, |u| ProxyConfig::http(u))?,
        (None, Some(https)) => parse("https_proxy", https, |u| ProxyConfig::https(u))?,
        (Some(http), Some(https)) if http == https => {
            parse("https_proxy", https, |u| ProxyConfig::all(u))?
        }
        (Some(_), Some(_)) => {
            return Err(HttpProblem {
                attribute: "https_proxy",
                summary: "Different proxies per scheme are not supported",
                detail: "http_proxy and https_proxy name different proxies. Set one of them, or \
                         both to the same URL (AWS APIs are reached over HTTPS, so https_proxy \
                         is usually the one that matters)."
                    .into(),
            })
        }
    };
    let no_proxy = options
        .no_proxy
        .clone()
        .or_else(|| std::env::var("NO_PROXY").ok())
        .or_else(|| std::env::var("no_proxy").ok());
    Ok(Some(match no_proxy.filter(|n| !n.is_empty()) {
        Some(rules) => config.no_proxy(rules),
        None => config,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_set_keeps_the_default_client() {
        assert!(http_client(&HttpOptions::default(), None)
            .unwrap()
            .is_none());
    }

    #[test]
    fn a_proxy_or_a_bundle_makes_a_client() {
        let proxy = HttpOptions {
            https_proxy: Some("http://127.0.0.1:3128".into()),
            no_proxy: Some("localhost".into()),
            ..HttpOptions::default()
        };
        assert!(http_client(&proxy, None).unwrap().is_some());

        let dir = tempfile::tempdir().unwrap();
        let bundle = dir.path().join("ca.pem");
        let key = rcgen::KeyPair::generate().unwrap();
        let ca = rcgen::CertificateParams::new(vec!["test-ca".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        std::fs::write(&bundle, ca.pem()).unwrap();
        let options = HttpOptions {
            custom_ca_bundle: Some(bundle.display().to_string()),
            ..HttpOptions::default()
        };
        assert!(http_client(&options, None).unwrap().is_some());
        // AWS_CA_BUNDLE is the fallback.
        let from_env = http_client(&HttpOptions::default(), Some(bundle.display().to_string()));
        assert!(from_env.unwrap().is_some());
    }

    #[test]
    fn bad_bundles_and_proxies_name_their_argument() {
        let dir = tempfile::tempdir().unwrap();
        let garbage = dir.path().join("garbage.pem");
        std::fs::write(&garbage, "not a certificate").unwrap();
        for path in [garbage.clone(), dir.path().join("missing.pem")] {
            let options = HttpOptions {
                custom_ca_bundle: Some(path.display().to_string()),
                ..HttpOptions::default()
            };
            let problem = http_client(&options, None).unwrap_err();
            assert_eq!(problem.attribute, "custom_ca_bundle");
            assert!(problem.detail.contains(&path.display().to_string()));
        }
        let mixed = HttpOptions {
            http_proxy: Some("http://a:1".into()),
            https_proxy: Some("http://b:2".into()),
            ..HttpOptions::default()
        };
        assert_eq!(
            http_client(&mixed, None).unwrap_err().attribute,
            "https_proxy"
        );
        let bad = HttpOptions {
            http_proxy: Some("::not a url".into()),
            ..HttpOptions::default()
        };
        assert_eq!(http_client(&bad, None).unwrap_err().attribute, "http_proxy");
    }
}
