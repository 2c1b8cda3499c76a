//! `assume_role`: credentials of a role, obtained with STS AssumeRole using
//! the credentials of whatever came before it in the chain.

use std::collections::BTreeMap;
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_credential_types::provider::{
    self, error::CredentialsError, future, ProvideCredentials, SharedCredentialsProvider,
};
use aws_credential_types::Credentials;
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sts::types::{PolicyDescriptorType, Tag};

use crate::provider::errors::{error_chain, find_source};

/// Builds an STS client that signs with the given credentials (`None`: the
/// provider's base credentials).
pub type StsFactory<'a> = dyn Fn(Option<SharedCredentialsProvider>) -> aws_sdk_sts::Client + 'a;

/// One `assume_role` block.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AssumeRole {
    pub role_arn: String,
    pub session_name: Option<String>,
    pub external_id: Option<String>,
    /// Session length in seconds (already checked: 15 minutes to 12 hours).
    pub duration_seconds: Option<i32>,
    pub policy: Option<String>,
    pub policy_arns: Vec<String>,
    pub tags: BTreeMap<String, String>,
    pub transitive_tag_keys: Vec<String>,
    pub source_identity: Option<String>,
}

/// The session name given, else one recognisable in CloudTrail and unique
/// per provider start.
pub fn session_name(given: Option<&str>) -> String {
    if let Some(name) = given.filter(|n| !n.is_empty()) {
        return name.to_owned();
    }
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    format!("terraform-provider-planton-{millis}")
}

/// STS refused to hand out a role's credentials. Its text names the block,
/// the role and the caller, and what to check; it never holds a credential.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleRefused {
    /// The provider argument the role came from: `assume_role`,
    /// `assume_role_with_web_identity` or `profile`.
    pub block: &'static str,
    pub role_arn: String,
    /// Who asked (an ARN), or a description when it cannot be learned.
    pub caller: String,
    /// STS's error code and message, or why STS could not be reached.
    pub cause: String,
    pub advice: &'static str,
}

impl fmt::Display for RoleRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: cannot assume role {} as {}: {}. {}",
            self.block, self.role_arn, self.caller, self.cause, self.advice
        )
    }
}

impl std::error::Error for RoleRefused {}

/// The refused role assumption anywhere in `err`'s source chain (`err`
/// included): credentials are resolved while a request is dispatched, so a
/// refusal arrives wrapped in the SDK's errors.
pub fn refusal<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a RoleRefused> {
    find_source::<RoleRefused>(err)
}

const ROLE_ADVICE: &str = "Check that the role exists, that its trust policy allows this caller \
    (with the external_id, source_identity and session tags it requires), that the caller's own \
    policy allows sts:AssumeRole on it, and that duration is within the role's maximum session \
    length.";

/// STS's answer to a failed call in one line: code and message for a
/// service error, the error chain otherwise.
pub(crate) fn describe_sts_error<E, R>(err: &SdkError<E, R>) -> String
where
    E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
    R: fmt::Debug + Send + Sync + 'static,
{
    match err {
        SdkError::ServiceError(service) => {
            let service = service.err();
            format!(
                "{}: {}",
                service.code().unwrap_or("unknown error"),
                service.message().unwrap_or("no message")
            )
        }
        other => error_chain(other),
    }
}

/// Credentials from an STS answer, expiring when STS says.
pub(crate) fn from_sts(
    credentials: Option<&aws_sdk_sts::types::Credentials>,
    source: &'static str,
) -> provider::Result {
    let Some(c) = credentials else {
        return Err(CredentialsError::unhandled(
            "STS answered without credentials",
        ));
    };
    let expiry = SystemTime::try_from(*c.expiration()).ok();
    Ok(Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_owned()),
        expiry,
        source,
    ))
}

/// Provides one role's credentials; the SDK's identity cache in front of it
/// calls it again shortly before they expire.
pub struct RoleProvider {
    sts: aws_sdk_sts::Client,
    role: AssumeRole,
    session_name: String,
    /// Position in the chain, for the log.
    position: usize,
    /// The provider argument that asked for the role (`assume_role` or
    /// `profile`), for the log and a refusal's diagnostic.
    origin: &'static str,
}

impl fmt::Debug for RoleProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RoleProvider")
            .field("role_arn", &self.role.role_arn)
            .field("position", &self.position)
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl RoleProvider {
    /// `sts` must sign with the credentials the role is assumed with.
    pub fn new(
        sts: aws_sdk_sts::Client,
        role: AssumeRole,
        position: usize,
        origin: &'static str,
    ) -> Self {
        let session_name = session_name(role.session_name.as_deref());
        RoleProvider {
            sts,
            role,
            session_name,
            position,
            origin,
        }
    }

    async fn assume(&self) -> provider::Result {
        let role = &self.role;
        tracing::info!(
            role_arn = %role.role_arn,
            session_name = %self.session_name,
            chain_position = self.position,
            origin = self.origin,
            "assuming role"
        );
        let mut request = self
            .sts
            .assume_role()
            .role_arn(&role.role_arn)
            .role_session_name(&self.session_name)
            .set_external_id(role.external_id.clone())
            .set_duration_seconds(role.duration_seconds)
            .set_policy(role.policy.clone())
            .set_source_identity(role.source_identity.clone());
        for arn in &role.policy_arns {
            request = request.policy_arns(PolicyDescriptorType::builder().arn(arn).build());
        }
        for (key, value) in &role.tags {
            let tag = Tag::builder()
                .key(key)
                .value(value)
                .build()
                .map_err(CredentialsError::invalid_configuration)?;
            request = request.tags(tag);
        }
        for key in &role.transitive_tag_keys {
            request = request.transitive_tag_keys(key);
        }
        match request.send().await {
            Ok(output) => from_sts(output.credentials(), self.origin),
            Err(err) => {
                let cause = describe_sts_error(&err);
                let caller = match self.sts.get_caller_identity().send().await {
                    Ok(identity) => identity
                        .arn()
                        .map_or_else(|| "an unknown caller".to_owned(), str::to_owned),
                    Err(_) => "a caller whose identity STS did not reveal".to_owned(),
                };
                Err(CredentialsError::provider_error(RoleRefused {
                    block: self.origin,
                    role_arn: role.role_arn.clone(),
                    caller,
                    cause,
                    advice: ROLE_ADVICE,
                }))
            }
        }
    }
}

/// `roles` assumed in order on top of `start` (`None`: the provider's base
/// credentials), each through an STS client signing with the credentials
/// before it.
pub fn stack(
    start: Option<SharedCredentialsProvider>,
    roles: impl IntoIterator<Item = AssumeRole>,
    origin: &'static str,
    sts: &StsFactory<'_>,
) -> Option<SharedCredentialsProvider> {
    let mut current = start;
    for (position, role) in roles.into_iter().enumerate() {
        let provider = RoleProvider::new(sts(current.clone()), role, position, origin);
        current = Some(SharedCredentialsProvider::new(provider));
    }
    current
}

impl ProvideCredentials for RoleProvider {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(self.assume())
    }
}
