//! The one error type of client construction, phrased for a Terraform
//! diagnostic on the provider block.

/// Why the provider cannot talk to AWS, phrased for a Terraform diagnostic.
///
/// `attribute` names the provider-block argument at fault, when one is
/// (`"region"`, `"access_key"`, `"secret_key"`, `"profile"`,
/// `"shared_config_files"`, `"shared_credentials_files"`, `"endpoints"`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{summary}: {detail}")]
pub struct ConnectError {
    pub attribute: Option<&'static str>,
    pub summary: String,
    pub detail: String,
}

impl ConnectError {
    pub(super) fn new(
        attribute: Option<&'static str>,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        ConnectError {
            attribute,
            summary: summary.into(),
            detail: detail.into(),
        }
    }
}
