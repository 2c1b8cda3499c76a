//! What every call into a provider's offerings receives besides its own
//! input. It sits below the traits of resources, data sources and list
//! resources, which all take it, so none of them imports another for it.

use crate::tf::diag::Diagnostics;
use crate::tf::stop::StopSignal;

/// What a resource call may use besides its own input: the configured
/// client, if any, and the signal that Terraform asked the provider to stop.
pub struct Context<'a, C> {
    client: Option<&'a C>,
    pub stop: StopSignal,
}

impl<'a, C> Context<'a, C> {
    pub fn new(client: Option<&'a C>, stop: StopSignal) -> Self {
        Self { client, stop }
    }

    /// The configured client, or an error diagnostic saying why there is none.
    pub fn client(&self, diags: &mut Diagnostics) -> Option<&'a C> {
        if self.client.is_none() {
            diags.error(
                "Provider not configured",
                "This operation needs the configured provider, but the provider block could \
                 not be configured (its values may not be known until apply, or configuring it \
                 failed with an error shown above). Make the provider's arguments known and valid.",
            );
        }
        self.client
    }

    /// The client when configured; plan uses this to enrich, never to require.
    pub fn client_if_configured(&self) -> Option<&'a C> {
        self.client
    }
}
