//! The engine: what the provider does for each RPC, in terms of decoded
//! values. It owns the configured client, the registries of what the
//! provider offers and the stop signal; it never sees protobuf.

mod apply;
mod data;
mod function;
mod plan;
mod read;
mod registry;

use std::sync::{Arc, RwLock};

use crate::tf::data_source::DataSource;
use crate::tf::diag::Diagnostics;
use crate::tf::function::{Function, Signature};
use crate::tf::provider::{ConfigureRequest, Context, Provider, Resource};
use crate::tf::schema::Schema;
use crate::tf::stop::StopSource;
use crate::tf::value::{Type, Value};

pub use plan::PlanOutcome;
pub use registry::Registry;

/// A registered resource with its schema computed once.
pub struct ResourceEntry<C> {
    pub resource: Arc<dyn Resource<C>>,
    pub schema: Schema,
    pub value_type: Type,
}

/// A registered data source with its schema computed once.
pub struct DataSourceEntry<C> {
    pub data_source: Arc<dyn DataSource<C>>,
    pub schema: Schema,
    pub value_type: Type,
}

/// A registered function with its signature computed once.
pub struct FunctionEntry {
    pub function: Arc<dyn Function>,
    pub signature: Signature,
}

pub struct Engine<P: Provider> {
    provider: P,
    provider_schema: Schema,
    provider_type: Type,
    resources: Registry<ResourceEntry<P::Client>>,
    data_sources: Registry<DataSourceEntry<P::Client>>,
    functions: Registry<FunctionEntry>,
    client: RwLock<Option<Arc<P::Client>>>,
    stop: StopSource,
}

impl<P: Provider> Engine<P> {
    pub fn new(provider: P) -> Self {
        let provider_schema = provider.schema();
        let provider_type = provider_schema.value_type();
        let resources = provider.resources().into_iter().map(|resource| {
            let schema = resource.schema();
            let value_type = schema.value_type();
            let name = resource.type_name();
            let entry = ResourceEntry {
                resource,
                schema,
                value_type,
            };
            (name, entry)
        });
        let data_sources = provider.data_sources().into_iter().map(|data_source| {
            let schema = data_source.schema();
            let value_type = schema.value_type();
            let name = data_source.type_name();
            let entry = DataSourceEntry {
                data_source,
                schema,
                value_type,
            };
            (name, entry)
        });
        let functions = provider.functions().into_iter().map(|function| {
            let signature = function.signature();
            (
                function.name(),
                FunctionEntry {
                    function,
                    signature,
                },
            )
        });
        Self {
            resources: Registry::new("resource type", resources),
            data_sources: Registry::new("data source", data_sources),
            functions: Registry::new("function", functions),
            provider,
            provider_schema,
            provider_type,
            client: RwLock::new(None),
            stop: StopSource::new(),
        }
    }

    pub fn provider_name(&self) -> &'static str {
        self.provider.name()
    }

    /// One sentence on everything the provider offers, for answers to
    /// requests of a kind it does not offer.
    pub fn offerings(&self) -> String {
        let list = |names: Vec<&str>| {
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(", ")
            }
        };
        format!(
            "resources: {}; data sources: {}; functions: {}",
            list(self.resources.names()),
            list(self.data_sources.names()),
            list(self.functions.names())
        )
    }

    pub fn provider_schema(&self) -> &Schema {
        &self.provider_schema
    }

    pub fn provider_type(&self) -> &Type {
        &self.provider_type
    }

    pub fn resources(&self) -> impl Iterator<Item = (&'static str, &ResourceEntry<P::Client>)> {
        self.resources.iter()
    }

    pub fn data_sources(
        &self,
    ) -> impl Iterator<Item = (&'static str, &DataSourceEntry<P::Client>)> {
        self.data_sources.iter()
    }

    pub fn functions(&self) -> impl Iterator<Item = (&'static str, &FunctionEntry)> {
        self.functions.iter()
    }

    /// Looks up a resource type, or explains that this provider has none by
    /// that name.
    pub fn resource(&self, type_name: &str) -> Result<&ResourceEntry<P::Client>, Diagnostics> {
        self.resources.get(type_name, self.provider.name())
    }

    pub fn data_source(&self, type_name: &str) -> Result<&DataSourceEntry<P::Client>, Diagnostics> {
        self.data_sources.get(type_name, self.provider.name())
    }

    pub fn function(&self, name: &str) -> Result<&FunctionEntry, Diagnostics> {
        self.functions.get(name, self.provider.name())
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
