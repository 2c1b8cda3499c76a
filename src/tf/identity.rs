//! Who the plugin is, supplied by the provider crate: the generic layer
//! names no provider itself.

/// The names the transport and the log need before any RPC.
pub struct Identity {
    /// The executable's name, `terraform-provider-NAME`; the log's
    /// `@module` is `provider.` followed by it, as Terraform's own
    /// providers write.
    pub binary: &'static str,
    /// The registry source address users declare in required_providers,
    /// for the message shown when the binary is run by hand.
    pub source: &'static str,
    /// `tracing` targets (crate names) that belong to the provider and are
    /// logged at the level Terraform asks for; every other crate is capped.
    pub log_targets: &'static [&'static str],
    /// The environment variable that picks the plugin transport (`tcp`, or
    /// `unix` on Unix) instead of go-plugin's choice for the platform.
    pub transport_variable: &'static str,
}

impl Identity {
    pub fn log_module(&self) -> String {
        format!("provider.{}", self.binary)
    }
}
