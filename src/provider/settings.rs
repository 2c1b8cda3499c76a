//! The provider block's AWS arguments as typed settings: what `config`
//! reads from the block and `aws` builds the clients from.

use std::fmt;

use crate::provider::auth::AuthSettings;

/// Everything the provider block can say about reaching AWS (typed; already
/// validated for shape). Empty strings count as unset, as in the AWS provider.
#[derive(Clone, Default)]
pub struct AwsSettings {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub shared_config_files: Vec<String>,
    pub shared_credentials_files: Vec<String>,
    pub access_key: Option<String>,
    pub secret_key: Option<String>,
    pub token: Option<String>,
    pub secretsmanager_endpoint: Option<String>,
    pub sts_endpoint: Option<String>,
    pub kms_endpoint: Option<String>,
    pub skip_credentials_validation: bool,
    pub skip_requesting_account_id: bool,
    pub max_retries: Option<u32>,
    /// `retry_mode = "standard"`: back-off only, no per-operation pacing.
    pub standard_retries: bool,
    pub use_fips_endpoint: bool,
    pub use_dualstack_endpoint: bool,
    pub skip_region_validation: bool,
    /// Role assumption, web identity, account guards, STS region, CA
    /// bundle and proxies.
    pub auth: AuthSettings,
}

impl fmt::Debug for AwsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Only whether a credential is present, never any part of it.
        fn redacted(value: &Option<String>) -> &'static str {
            match value {
                Some(_) => "(sensitive)",
                None => "(unset)",
            }
        }
        f.debug_struct("AwsSettings")
            .field("region", &self.region)
            .field("profile", &self.profile)
            .field("shared_config_files", &self.shared_config_files)
            .field("shared_credentials_files", &self.shared_credentials_files)
            .field("access_key", &redacted(&self.access_key))
            .field("secret_key", &redacted(&self.secret_key))
            .field("token", &redacted(&self.token))
            .field("secretsmanager_endpoint", &self.secretsmanager_endpoint)
            .field("sts_endpoint", &self.sts_endpoint)
            .field("kms_endpoint", &self.kms_endpoint)
            .field(
                "skip_credentials_validation",
                &self.skip_credentials_validation,
            )
            .field(
                "skip_requesting_account_id",
                &self.skip_requesting_account_id,
            )
            .field("max_retries", &self.max_retries)
            .field("standard_retries", &self.standard_retries)
            .field("use_fips_endpoint", &self.use_fips_endpoint)
            .field("use_dualstack_endpoint", &self.use_dualstack_endpoint)
            .field("skip_region_validation", &self.skip_region_validation)
            .field("auth", &self.auth)
            .finish()
    }
}

/// `value` unless it is missing or empty: empty strings count as unset.
pub fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.is_empty())
}
