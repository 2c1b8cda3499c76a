//! LocalStack's IAM, read directly (not through the recording proxy), as
//! the server's truth about the policies a test's configuration attached:
//! which managed policies a role has, and each one's document. A plain
//! HTTP query API call is all it takes; LocalStack does not check the
//! signature, only reads the account from the access key.

use std::io::{Read, Write};
use std::net::TcpStream;

/// The managed policies attached to `role`, as (name, decoded document),
/// sorted by name.
pub fn attached_policies(endpoint: &str, access_key: &str, role: &str) -> Vec<(String, String)> {
    let listed = call(
        endpoint,
        access_key,
        &[("Action", "ListAttachedRolePolicies"), ("RoleName", role)],
    );
    let mut policies: Vec<(String, String)> = elements(&listed, "PolicyArn")
        .into_iter()
        .zip(elements(&listed, "PolicyName"))
        .map(|(arn, name)| (name, policy_document(endpoint, access_key, &arn)))
        .collect();
    policies.sort();
    policies
}

/// The default version's document of the managed policy `arn`.
pub fn policy_document(endpoint: &str, access_key: &str, arn: &str) -> String {
    let policy = call(
        endpoint,
        access_key,
        &[("Action", "GetPolicy"), ("PolicyArn", arn)],
    );
    let version = elements(&policy, "DefaultVersionId")
        .pop()
        .unwrap_or_else(|| panic!("no default version of {arn}: {policy}"));
    let answer = call(
        endpoint,
        access_key,
        &[
            ("Action", "GetPolicyVersion"),
            ("PolicyArn", arn),
            ("VersionId", &version),
        ],
    );
    let encoded = elements(&answer, "Document")
        .pop()
        .unwrap_or_else(|| panic!("no document for {arn}: {answer}"));
    let unescaped = xml_unescape(&encoded);
    form_urlencoded::parse(format!("d={}", unescaped.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// One IAM query API call; the response body, which must be a 200.
fn call(endpoint: &str, access_key: &str, params: &[(&str, &str)]) -> String {
    let host = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params.iter().copied().chain([("Version", "2010-05-08")]))
        .finish();
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential={access_key}/20250101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect(host).unwrap_or_else(|e| panic!("IAM at {host}: {e}"));
    stream
        .write_all(request.as_bytes())
        .expect("sending an IAM query");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .expect("reading an IAM answer");
    assert!(
        response.starts_with("HTTP/1.1 200"),
        "IAM {params:?} failed: {response}"
    );
    response
}

/// The text of every `<tag>...</tag>` in `xml`, in order.
fn elements(xml: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    xml.split(&open)
        .skip(1)
        .filter_map(|rest| rest.split_once(&close).map(|(text, _)| text.to_owned()))
        .collect()
}

fn xml_unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}
