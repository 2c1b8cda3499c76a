//! The engine: what the provider does for each RPC, in terms of decoded
//! values. It owns the configured client, the registries of what the
//! provider offers and the stop signal; it never sees protobuf.

mod apply;
mod data;
mod function;
mod identity;
mod list;
mod plan;
mod read;
mod registry;

use std::sync::{Arc, RwLock};

use crate::tf::data_source::DataSource;
use crate::tf::diag::Diagnostics;
use crate::tf::function::{Function, Signature};
use crate::tf::list_resource::ListResource;
use crate::tf::provider::{ConfigureRequest, Context, Provider, Resource};
use crate::tf::schema::{IdentitySchema, Schema};
use crate::tf::stop::StopSource;
use crate::tf::value::{Type, Value};

pub use list::ListOutcome;
pub use plan::PlanOutcome;
pub use registry::Registry;

/// A registered resource with its schema computed once.
pub struct ResourceEntry<C> {
    pub resource: Arc<dyn Resource<C>>,
    pub schema: Schema,
    pub value_type: Type,
    /// `None` for a resource without an identity.
    pub identity: Option<IdentityEntry>,
}

/// A resource's identity schema and the type of its values.
pub struct IdentityEntry {
    pub schema: IdentitySchema,
    pub value_type: Type,
}

/// A registered list resource with its schema computed once.
pub struct ListResourceEntry<C> {
    pub list_resource: Arc<dyn ListResource<C>>,
    pub schema: Schema,
    pub value_type: Type,
}

/// What a resource call produced: the state to record and, for a resource
/// with an identity, the identity to record with it (null otherwise).
pub struct Recorded {
    pub state: Value,
    pub identity: Value,
    pub diagnostics: Diagnostics,
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
    list_resources: Registry<ListResourceEntry<P::Client>>,
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
            let identity = resource.identity_schema().map(|schema| IdentityEntry {
                value_type: schema.value_type(),
                schema,
            });
            let entry = ResourceEntry {
                resource,
                schema,
                value_type,
                identity,
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
        let list_resources = provider.list_resources().into_iter().map(|list_resource| {
            let schema = list_resource.schema();
            let value_type = schema.value_type();
            let name = list_resource.type_name();
            let entry = ListResourceEntry {
                list_resource,
                schema,
                value_type,
            };
            (name, entry)
        });
        Self {
            resources: Registry::new("resource type", resources),
            data_sources: Registry::new("data source", data_sources),
            functions: Registry::new("function", functions),
            list_resources: Registry::new("list resource", list_resources),
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
            "resources: {}; data sources: {}; functions: {}; list resources: {}",
            list(self.resources.names()),
            list(self.data_sources.names()),
            list(self.functions.names()),
            list(self.list_resources.names())
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

    pub fn list_resources(
        &self,
    ) -> impl Iterator<Item = (&'static str, &ListResourceEntry<P::Client>)> {
        self.list_resources.iter()
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

    pub fn list_resource(
        &self,
        type_name: &str,
    ) -> Result<&ListResourceEntry<P::Client>, Diagnostics> {
        self.list_resources.get(type_name, self.provider.name())
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
