//! The AWS query protocol (STS and friends): XML errors for injected
//! faults, and the credentials STS hands out, taken from its answers so a
//! test can prove they never leak into a log, a plan or a state.

/// The error code the query protocol uses for a JSON protocol error type.
fn query_code(kind: &str) -> &str {
    match kind {
        "AccessDeniedException" => "AccessDenied",
        "ThrottlingException" => "Throttling",
        other => other,
    }
}

/// An `ErrorResponse` document as STS answers.
pub(crate) fn error_document(kind: &str, message: &str) -> String {
    let escape = |text: &str| {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let fault = if kind == "InternalFailure" {
        "Receiver"
    } else {
        "Sender"
    };
    format!(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>{fault}</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>aws-fault-proxy</RequestId></ErrorResponse>",
        query_code(kind),
        escape(message)
    )
}

/// The access key ids, secret keys and session tokens in an STS answer.
pub(crate) fn issued_credentials(body: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(body);
    let mut found = Vec::new();
    for tag in ["AccessKeyId", "SecretAccessKey", "SessionToken"] {
        let open = format!("<{tag}>");
        let close = format!("</{tag}>");
        let mut rest = text.as_ref();
        while let Some(start) = rest.find(&open) {
            rest = &rest[start + open.len()..];
            let Some(end) = rest.find(&close) else { break };
            let value = rest[..end].trim();
            if !value.is_empty() {
                found.push(value.to_owned());
            }
            rest = &rest[end..];
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_use_the_query_protocol_codes() {
        let doc = error_document("AccessDeniedException", "not <allowed>");
        assert!(doc.contains("<Code>AccessDenied</Code>"), "{doc}");
        assert!(doc.contains("not &lt;allowed&gt;"), "{doc}");
        assert!(doc.contains("<Type>Sender</Type>"));
        assert!(error_document("ThrottlingException", "x").contains("<Code>Throttling</Code>"));
        assert!(error_document("InternalFailure", "x").contains("<Type>Receiver</Type>"));
    }

    #[test]
    fn credentials_are_found_in_sts_answers() {
        let body = b"<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIA1</AccessKeyId><SecretAccessKey>s3cr3t</SecretAccessKey><SessionToken>tok</SessionToken><Expiration>x</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>";
        assert_eq!(issued_credentials(body), ["ASIA1", "s3cr3t", "tok"]);
        assert!(issued_credentials(b"<GetCallerIdentityResponse/>").is_empty());
    }
}
