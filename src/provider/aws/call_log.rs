//! One DEBUG line per AWS request attempt, from every client the provider
//! builds (Secrets Manager, STS, KMS): service, operation, outcome (the HTTP
//! status, and AWS's error code on a refusal, or the transport failure),
//! duration in milliseconds and AWS's request id, which AWS support asks
//! for. The secret a call is about comes from the span the caller opens
//! (`provider::secrets`), which the logger repeats on the line.
//!
//! Only those fields are logged: never a header, a signature, a request
//! body or a credential. An error body is read for its error code alone.

use std::time::Instant;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::Response;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};

/// The interceptor; add it to every client's configuration.
#[derive(Debug, Default, Clone, Copy)]
pub struct CallLog;

#[derive(Debug, Clone)]
struct AttemptStarted(Instant);

impl Storable for AttemptStarted {
    type Storer = StoreReplace<Self>;
}

impl Intercept for CallLog {
    fn name(&self) -> &'static str {
        "CallLog"
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        cfg.interceptor_state()
            .store_put(AttemptStarted(Instant::now()));
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let duration_ms = cfg
            .load::<AttemptStarted>()
            .map_or(0, |started| started.0.elapsed().as_millis());
        let (service, operation) = cfg
            .load::<Metadata>()
            .map_or(("unknown", "unknown"), |m| (m.service(), m.name()));
        let response = context.response();
        let outcome = match response {
            Some(response) => outcome(response),
            None => match context.output_or_error() {
                Some(Err(error)) if error.is_timeout_error() => "timeout".to_owned(),
                _ => "no response".to_owned(),
            },
        };
        let request_id = response.and_then(request_id).unwrap_or("");
        tracing::debug!(
            aws_service = service,
            aws_operation = operation,
            outcome = %outcome,
            duration_ms = duration_ms as u64,
            request_id,
            "AWS call"
        );
        Ok(())
    }
}

/// The HTTP status, and on a refusal AWS's error code: `200`,
/// `400 ResourceNotFoundException`.
fn outcome(response: &Response) -> String {
    let status = response.status().as_u16();
    match (status >= 300).then(|| error_code(response)).flatten() {
        Some(code) => format!("{status} {code}"),
        None => status.to_string(),
    }
}

fn request_id(response: &Response) -> Option<&str> {
    let headers = response.headers();
    headers
        .get("x-amzn-requestid")
        .or_else(|| headers.get("x-amz-request-id"))
}

/// The error code of an AWS error answer, from the `x-amzn-ErrorType`
/// header, a JSON body's `__type` or a query (XML) body's `<Code>`. Nothing
/// else of the body is kept.
fn error_code(response: &Response) -> Option<String> {
    if let Some(header) = response.headers().get("x-amzn-errortype") {
        return clean_code(header);
    }
    let body = std::str::from_utf8(response.body().bytes()?).ok()?;
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(body) {
        return ["__type", "code", "Code"]
            .iter()
            .find_map(|key| json.get(key)?.as_str())
            .and_then(clean_code);
    }
    let start = body.find("<Code>")? + "<Code>".len();
    let end = body[start..].find("</Code>")? + start;
    clean_code(&body[start..end])
}

/// `com.amazonaws.x#ResourceNotFoundException` or
/// `ResourceNotFoundException:http://...` -> `ResourceNotFoundException`;
/// anything not shaped like a code is dropped.
fn clean_code(raw: &str) -> Option<String> {
    let code = raw.rsplit('#').next()?.split(':').next()?.trim();
    let shaped = !code.is_empty()
        && code.len() <= 100
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_');
    shaped.then(|| code.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_types::body::SdkBody;

    fn response(status: u16, headers: &[(&str, &str)], body: &'static str) -> Response {
        let status = aws_smithy_runtime_api::http::StatusCode::try_from(status).unwrap();
        let mut response = Response::new(status, SdkBody::from(body));
        for (name, value) in headers {
            response
                .headers_mut()
                .insert(name.to_ascii_lowercase(), value.to_string());
        }
        response
    }

    #[test]
    fn outcomes_name_the_status_and_the_aws_error_code() {
        assert_eq!(outcome(&response(200, &[], "{}")), "200");
        let json =
            r#"{"__type":"com.amazonaws.secretsmanager#ResourceNotFoundException","message":"x"}"#;
        assert_eq!(
            outcome(&response(400, &[], json)),
            "400 ResourceNotFoundException"
        );
        let header = [("x-amzn-ErrorType", "ThrottlingException:http://internal/")];
        assert_eq!(
            outcome(&response(400, &header, "")),
            "400 ThrottlingException"
        );
        let xml = "<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code><Message>m</Message></Error></ErrorResponse>";
        assert_eq!(outcome(&response(403, &[], xml)), "403 ExpiredToken");
        assert_eq!(outcome(&response(500, &[], "<html>oops")), "500");
        assert_eq!(
            outcome(&response(
                400,
                &[],
                r#"{"__type":"has spaces and {braces}"}"#
            )),
            "400"
        );
    }

    #[test]
    fn the_request_id_comes_from_either_header() {
        let a = response(200, &[("x-amzn-RequestId", "abc-1")], "");
        assert_eq!(request_id(&a), Some("abc-1"));
        let b = response(200, &[("x-amz-request-id", "def-2")], "");
        assert_eq!(request_id(&b), Some("def-2"));
    }
}
