//! The engine: what the provider does for each RPC, in terms of decoded
//! values. It owns the configured client, the resource registry and the
//! stop signal; it never sees protobuf.

mod apply;
mod plan;
mod read;

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use crate::tf::diag::Diagnostics;
use crate::tf::provider::{ConfigureRequest, Context, Provider, Resource};
use crate::tf::schema::Schema;
use crate::tf::stop::StopSource;
use crate::tf::value::{Type, Value};

pub use plan::PlanOutcome;

/// A registered resource with its schema computed once.
pub struct ResourceEntry<C> {
    pub resource: Arc<dyn Resource<C>>,
    pub schema: Schema,
    pub value_type: Type,
}

pub struct Engine<P: Provider> {
    provider: P,
    provider_schema: Schema,
    provider_type: Type,
    resources: BTreeMap<&'static str, ResourceEntry<P::Client>>,
    client: RwLock<Option<Arc<P::Client>>>,
    stop: StopSource,
}

impl<P: Provider> Engine<P> {
    pub fn new(provider: P) -> Self {
        let provider_schema = provider.schema();
        let provider_type = provider_schema.value_type();
        let resources = provider
            .resources()
            .into_iter()
            .map(|resource| {
                let schema = resource.schema();
                let value_type = schema.value_type();
                let entry = ResourceEntry {
                    resource,
                    schema,
                    value_type,
                };
                (entry.resource.type_name(), entry)
            })
            .collect();
        Self {
            provider,
            provider_schema,
            provider_type,
            resources,
            client: RwLock::new(None),
            stop: StopSource::new(),
        }
    }

    pub fn provider_schema(&self) -> &Schema {
        &self.provider_schema
    }

    pub fn provider_type(&self) -> &Type {
        &self.provider_type
    }

    pub fn resources(&self) -> impl Iterator<Item = (&'static str, &ResourceEntry<P::Client>)> {
        self.resources.iter().map(|(name, entry)| (*name, entry))
    }

    /// Looks up a resource type, or explains that this provider has none by
    /// that name.
    pub fn resource(&self, type_name: &str) -> Result<&ResourceEntry<P::Client>, Diagnostics> {
        self.resources.get(type_name).ok_or_else(|| {
            let known: Vec<&str> = self.resources.keys().copied().collect();
            let mut diags = Diagnostics::new();
            diags.error(
                format!("Unknown resource type {type_name:?}"),
                format!(
                    "The {} provider has no resource type named {type_name:?}; it offers: {}.",
                    self.provider.name(),
                    known.join(", ")
                ),
            );
            diags
        })
    }

    pub fn validate_provider_config(&self, config: &Value) -> Diagnostics {
        let mut diags = Diagnostics::new();
        self.provider.validate_config(config, &mut diags);
        diags
    }

    pub async fn configure(&self, config: &Value, terraform_version: &str) -> Diagnostics {
        let mut diags = Diagnostics::new();
        let request = ConfigureRequest {
            config,
            terraform_version,
            stop: self.stop.signal(),
        };
        let client = self.provider.configure(request, &mut diags).await;
        *self.client.write().unwrap_or_else(|e| e.into_inner()) = client.map(Arc::new);
        diags
    }

    pub fn validate_resource_config(
        &self,
        entry: &ResourceEntry<P::Client>,
        config: &Value,
    ) -> Diagnostics {
        let mut diags = Diagnostics::new();
        entry.resource.validate_config(config, &mut diags);
        diags
    }

    /// Asks every in-flight and future operation to wind down.
    pub fn stop(&self) {
        self.stop.stop();
    }

    /// The client as configured now; held for the whole call so a
    /// concurrent reconfigure cannot pull it away mid-operation.
    fn current_client(&self) -> Option<Arc<P::Client>> {
        self.client
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn context<'a>(&self, client: Option<&'a P::Client>) -> Context<'a, P::Client> {
        Context::new(client, self.stop.signal())
    }
}
