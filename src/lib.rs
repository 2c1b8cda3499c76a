//! terraform-provider-planton: a Terraform/OpenTofu provider for AWS Secrets
//! Manager secret containers, speaking plugin protocol 6 natively.
//!
//! - [`tf`] is the generic protocol layer: plugin transport, the tfplugin6
//!   server, the value codec and the schema model. It knows nothing of AWS.
//! - [`provider`] is the AWS provider: its configuration and client.
//! - [`resources`], [`data_sources`] and [`functions`] hold one module per
//!   resource type, data source type and provider function.
//! - [`registry`] is the provider itself: its block and the lists of what it
//!   offers.

pub mod data_sources;
pub mod functions;
pub mod provider;
pub mod registry;
pub mod resources;
pub mod tf;

/// Who this plugin is, for the generic transport and log.
pub const IDENTITY: tf::identity::Identity = tf::identity::Identity {
    binary: "terraform-provider-planton",
    source: "project-planton/planton",
    log_targets: &["planton", "terraform_provider_planton"],
    transport_variable: "PLANTON_PLUGIN_TRANSPORT",
};

/// The gRPC routes of this provider's tfplugin6 service, ready for the
/// plugin transport to serve beside its own services.
pub fn provider_routes() -> tonic::service::Routes {
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        "terraform-provider-planton starting"
    );
    let service = tf::server::ProviderService::new(registry::PlantonProvider);
    tonic::service::Routes::new(service.into_server())
}
