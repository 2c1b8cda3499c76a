//! Service endpoints: what makes an override usable, and which endpoint a
//! client without one reaches. Shared by the provider block's checks
//! (`config`) and the client construction (`aws`).

/// What is wrong with an endpoint URL, if anything: it must be an absolute
/// http(s) URL with a host and no whitespace (URL parsing would quietly trim
/// a trailing space that the SDK then refuses at the first request).
pub fn endpoint_problem(value: &str) -> Option<String> {
    if value.contains(char::is_whitespace) {
        return Some("it contains whitespace".to_owned());
    }
    match url::Url::parse(value) {
        Ok(url) if !matches!(url.scheme(), "http" | "https") => {
            Some(format!("its scheme is {:?}", url.scheme()))
        }
        Ok(url) if url.host_str().is_none_or(str::is_empty) => Some("it has no host".to_owned()),
        Ok(_) => None,
        Err(err) => Some(err.to_string()),
    }
}

/// AWS's endpoint for `service` in `region`, or the one the environment
/// names for it (the SDK reads the same variables): only for naming the
/// endpoint in diagnostics.
pub fn default_endpoint(env_suffix: &str, service: &str, region: &str) -> String {
    let ignored = std::env::var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .is_ok_and(|v| v.eq_ignore_ascii_case("true"));
    let from_env = [
        format!("AWS_ENDPOINT_URL_{env_suffix}"),
        "AWS_ENDPOINT_URL".to_owned(),
    ]
    .into_iter()
    .filter(|_| !ignored)
    .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()));
    from_env.unwrap_or_else(|| format!("https://{service}.{region}.amazonaws.com"))
}
