//! `assume_role_with_web_identity` (or the `AWS_ROLE_ARN` +
//! `AWS_WEB_IDENTITY_TOKEN_FILE` environment): role credentials in exchange
//! for an OIDC token, for example a CI system's.

use std::fmt;

use aws_credential_types::provider::{self, error::CredentialsError, future, ProvideCredentials};
use aws_sdk_sts::types::PolicyDescriptorType;

use super::role::{describe_sts_error, from_sts, session_name, RoleRefused};

/// The `assume_role_with_web_identity` block. `Debug` never shows the token.
#[derive(Clone, Default, PartialEq)]
pub struct WebIdentity {
    pub role_arn: String,
    pub session_name: Option<String>,
    /// The token itself (sensitive); else `token_file` is read at every
    /// refresh, since CI systems rotate the file.
    pub token: Option<String>,
    pub token_file: Option<String>,
    pub duration_seconds: Option<i32>,
    pub policy: Option<String>,
    pub policy_arns: Vec<String>,
}

impl fmt::Debug for WebIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebIdentity")
            .field("role_arn", &self.role_arn)
            .field("session_name", &self.session_name)
            .field("token", &self.token.as_ref().map(|_| "(sensitive)"))
            .field("token_file", &self.token_file)
            .field("duration_seconds", &self.duration_seconds)
            .field("policy", &self.policy)
            .field("policy_arns", &self.policy_arns)
            .finish()
    }
}

impl WebIdentity {
    /// The web identity the AWS SDKs take from the environment:
    /// `AWS_ROLE_ARN` and `AWS_WEB_IDENTITY_TOKEN_FILE` (both needed),
    /// `AWS_ROLE_SESSION_NAME` optional.
    pub fn from_environment(var: impl Fn(&str) -> Option<String>) -> Option<WebIdentity> {
        let set = |name: &str| var(name).filter(|v| !v.is_empty());
        Some(WebIdentity {
            role_arn: set("AWS_ROLE_ARN")?,
            token_file: Some(set("AWS_WEB_IDENTITY_TOKEN_FILE")?),
            session_name: set("AWS_ROLE_SESSION_NAME"),
            ..WebIdentity::default()
        })
    }

    fn token(&self) -> Result<String, String> {
        if let Some(token) = self.token.as_ref().filter(|t| !t.is_empty()) {
            return Ok(token.clone());
        }
        let Some(file) = &self.token_file else {
            return Err("neither web_identity_token nor web_identity_token_file is set".into());
        };
        match std::fs::read_to_string(file) {
            Ok(text) if !text.trim().is_empty() => Ok(text.trim().to_owned()),
            Ok(_) => Err(format!("the web identity token file {file:?} is empty")),
            Err(err) => Err(format!(
                "the web identity token file {file:?} cannot be read: {err}"
            )),
        }
    }
}

const WEB_IDENTITY_ADVICE: &str = "Check that the role's trust policy allows the token's issuer \
    (an IAM OIDC identity provider) and audience, that the token has not expired, and that \
    duration is within the role's maximum session length.";

/// Provides the web identity role's credentials; refreshed like any role's.
pub struct WebIdentityProvider {
    sts: aws_sdk_sts::Client,
    identity: WebIdentity,
    session_name: String,
    /// The provider argument that asked for it, for a refusal's diagnostic.
    origin: &'static str,
}

impl fmt::Debug for WebIdentityProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebIdentityProvider")
            .field("role_arn", &self.identity.role_arn)
            .finish_non_exhaustive()
    }
}

impl WebIdentityProvider {
    pub fn new(sts: aws_sdk_sts::Client, identity: WebIdentity, origin: &'static str) -> Self {
        let session_name = session_name(identity.session_name.as_deref());
        WebIdentityProvider {
            sts,
            identity,
            session_name,
            origin,
        }
    }

    async fn assume(&self) -> provider::Result {
        let identity = &self.identity;
        let refused = |cause: String| {
            CredentialsError::provider_error(RoleRefused {
                block: self.origin,
                role_arn: identity.role_arn.clone(),
                caller: "the holder of the web identity token".to_owned(),
                cause,
                advice: WEB_IDENTITY_ADVICE,
            })
        };
        let token = self.identity.token().map_err(refused)?;
        tracing::info!(
            role_arn = %identity.role_arn,
            session_name = %self.session_name,
            "assuming role with web identity"
        );
        let mut request = self
            .sts
            .assume_role_with_web_identity()
            .role_arn(&identity.role_arn)
            .role_session_name(&self.session_name)
            .web_identity_token(token)
            .set_duration_seconds(identity.duration_seconds)
            .set_policy(identity.policy.clone());
        for arn in &identity.policy_arns {
            request = request.policy_arns(PolicyDescriptorType::builder().arn(arn).build());
        }
        match request.send().await {
            Ok(output) => from_sts(output.credentials(), self.origin),
            Err(err) => Err(refused(describe_sts_error(&err))),
        }
    }
}

impl ProvideCredentials for WebIdentityProvider {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(self.assume())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_needs_role_and_token_file() {
        let env = crate::provider::test_env::lookup;
        assert_eq!(
            WebIdentity::from_environment(env(&[("AWS_ROLE_ARN", "arn:aws:iam::1:role/x")])),
            None
        );
        let found = WebIdentity::from_environment(env(&[
            ("AWS_ROLE_ARN", "arn:aws:iam::1:role/x"),
            ("AWS_WEB_IDENTITY_TOKEN_FILE", "/t"),
            ("AWS_ROLE_SESSION_NAME", "ci"),
        ]))
        .unwrap();
        assert_eq!(found.role_arn, "arn:aws:iam::1:role/x");
        assert_eq!(found.token_file.as_deref(), Some("/t"));
        assert_eq!(found.session_name.as_deref(), Some("ci"));
    }

    #[test]
    fn token_comes_from_the_value_or_the_file_and_is_never_shown() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("token");
        std::fs::write(&file, "file-token-value\n").unwrap();
        let from_file = WebIdentity {
            token_file: Some(file.display().to_string()),
            ..WebIdentity::default()
        };
        assert_eq!(from_file.token().unwrap(), "file-token-value");
        let inline = WebIdentity {
            token: Some("inline-token-value".into()),
            ..from_file.clone()
        };
        assert_eq!(inline.token().unwrap(), "inline-token-value");
        assert!(!format!("{inline:?}").contains("inline-token-value"));
        let missing = WebIdentity {
            token_file: Some(dir.path().join("nope").display().to_string()),
            ..WebIdentity::default()
        };
        assert!(missing.token().unwrap_err().contains("cannot be read"));
    }
}
