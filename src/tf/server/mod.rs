//! The tfplugin6 gRPC service. Every RPC does the same steps: log, convert
//! the request into engine values, call the engine, convert the answer.
//! Failures become diagnostics in the response, never gRPC errors or panics.

mod identity;
mod list;
mod memory;
#[cfg(test)]
mod tests;
mod timing;
mod unsupported;

use std::sync::Arc;

use tonic::{Request, Response, Status};
use tracing::debug;

use timing::RpcTimer;

use crate::tf::convert::{diagnostics, dynamic, function, schema};
use crate::tf::diag::Diagnostics;
use crate::tf::engine::{Engine, FunctionEntry};
use crate::tf::function::FunctionError;
use crate::tf::proto::tfplugin6 as pb;
use crate::tf::proto::tfplugin6::provider_server::{Provider as ProviderRpc, ProviderServer};
use crate::tf::provider::Provider;
use crate::tf::value::Value;

type RpcResult<T> = Result<Response<T>, Status>;

/// The block of a `list` block that holds the list resource's configuration.
const LIST_CONFIG_BLOCK: &str = "config";

/// Returns early from an RPC with a response holding only the diagnostics.
macro_rules! or_respond {
    ($result:expr, $response:ty) => {
        match $result {
            Ok(value) => value,
            Err(diags) => {
                return Ok(Response::new(<$response>::from_diagnostics(diags)));
            }
        }
    };
}

/// Responses that can carry nothing but diagnostics.
trait FromDiagnostics: Default {
    fn from_diagnostics(diags: Diagnostics) -> Self;
}

macro_rules! diagnostics_response {
    ($($ty:ty),* $(,)?) => {
        $(#[allow(clippy::needless_update)] // some responses have no other fields
        impl FromDiagnostics for $ty {
            fn from_diagnostics(diags: Diagnostics) -> Self {
                Self { diagnostics: diagnostics::to_proto(diags), ..Default::default() }
            }
        })*
    };
}

diagnostics_response!(
    pb::validate_resource_config::Response,
    pb::upgrade_resource_state::Response,
    pb::upgrade_resource_identity::Response,
    pb::validate_list_resource_config::Response,
    pb::read_resource::Response,
    pb::plan_resource_change::Response,
    pb::apply_resource_change::Response,
    pb::import_resource_state::Response,
    pb::generate_resource_config::Response,
    pb::validate_data_resource_config::Response,
    pb::read_data_source::Response,
);

/// Serves one provider over tfplugin6.
pub struct ProviderService<P: Provider> {
    engine: Arc<Engine<P>>,
}

impl<P: Provider> ProviderService<P> {
    pub fn new(provider: P) -> Self {
        Self {
            engine: Arc::new(Engine::new(provider)),
        }
    }

    /// The tonic service, with message limits raised for large plans.
    pub fn into_server(self) -> ProviderServer<Self> {
        // Terraform's own client allows 256 MiB messages; state for many
        // thousands of names is far beyond tonic's 4 MiB default.
        const MAX_MESSAGE: usize = 256 << 20;
        ProviderServer::new(self)
            .max_decoding_message_size(MAX_MESSAGE)
            .max_encoding_message_size(MAX_MESSAGE)
    }

    fn function_definitions(&self) -> std::collections::HashMap<String, pb::Function> {
        self.engine
            .functions()
            .map(|(name, entry)| {
                (
                    name.to_owned(),
                    function::signature_to_proto(&entry.signature),
                )
            })
            .collect()
    }

    /// Diagnostics for a request of a kind this provider does not offer.
    fn unsupported(&self, kind: &str, type_name: &str) -> Vec<pb::Diagnostic> {
        unsupported::no_kind(
            self.engine.provider_name(),
            &self.engine.offerings(),
            kind,
            type_name,
        )
    }

    fn server_capabilities() -> pb::ServerCapabilities {
        pb::ServerCapabilities {
            plan_destroy: true,
            get_provider_schema_optional: true,
            move_resource_state: false,
            generate_resource_config: true,
        }
    }
}

#[tonic::async_trait]
impl<P: Provider> ProviderRpc for ProviderService<P> {
    async fn get_metadata(
        &self,
        _: Request<pb::get_metadata::Request>,
    ) -> RpcResult<pb::get_metadata::Response> {
        let _timer = RpcTimer::start("GetMetadata");
        let resources = self
            .engine
            .resources()
            .map(|(type_name, _)| pb::get_metadata::ResourceMetadata {
                type_name: type_name.to_owned(),
            })
            .collect();
        let data_sources = self
            .engine
            .data_sources()
            .map(|(type_name, _)| pb::get_metadata::DataSourceMetadata {
                type_name: type_name.to_owned(),
            })
            .collect();
        let functions = self
            .engine
            .functions()
            .map(|(name, _)| pb::get_metadata::FunctionMetadata {
                name: name.to_owned(),
            })
            .collect();
        let list_resources = self
            .engine
            .list_resources()
            .map(|(type_name, _)| pb::get_metadata::ListResourceMetadata {
                type_name: type_name.to_owned(),
            })
            .collect();
        Ok(Response::new(pb::get_metadata::Response {
            server_capabilities: Some(Self::server_capabilities()),
            resources,
            data_sources,
            functions,
            list_resources,
            ..Default::default()
        }))
    }

    async fn get_provider_schema(
        &self,
        _: Request<pb::get_provider_schema::Request>,
    ) -> RpcResult<pb::get_provider_schema::Response> {
        let _timer = RpcTimer::start("GetProviderSchema");
        let resource_schemas = self
            .engine
            .resources()
            .map(|(type_name, entry)| (type_name.to_owned(), schema::to_proto(&entry.schema)))
            .collect();
        let data_source_schemas = self
            .engine
            .data_sources()
            .map(|(type_name, entry)| (type_name.to_owned(), schema::to_proto(&entry.schema)))
            .collect();
        let list_resource_schemas = self
            .engine
            .list_resources()
            .map(|(type_name, entry)| (type_name.to_owned(), schema::to_proto(&entry.schema)))
            .collect();
        Ok(Response::new(pb::get_provider_schema::Response {
            provider: Some(schema::to_proto(self.engine.provider_schema())),
            resource_schemas,
            data_source_schemas,
            list_resource_schemas,
            functions: self.function_definitions(),
            server_capabilities: Some(Self::server_capabilities()),
            ..Default::default()
        }))
    }

    async fn get_resource_identity_schemas(
        &self,
        _: Request<pb::get_resource_identity_schemas::Request>,
    ) -> RpcResult<pb::get_resource_identity_schemas::Response> {
        let _timer = RpcTimer::start("GetResourceIdentitySchemas");
        let identity_schemas = self
            .engine
            .resources()
            .filter_map(|(type_name, entry)| {
                let identity = entry.identity.as_ref()?;
                Some((
                    type_name.to_owned(),
                    schema::identity_to_proto(&identity.schema),
                ))
            })
            .collect();
        Ok(Response::new(pb::get_resource_identity_schemas::Response {
            identity_schemas,
            diagnostics: Vec::new(),
        }))
    }

    async fn validate_provider_config(
        &self,
        request: Request<pb::validate_provider_config::Request>,
    ) -> RpcResult<pb::validate_provider_config::Response> {
        let _timer = RpcTimer::start("ValidateProviderConfig");
        let request = request.into_inner();
        let diags = match dynamic::decode(
            request.config.as_ref(),
            self.engine.provider_type(),
            "provider configuration",
        ) {
            Ok(config) => self.engine.validate_provider_config(&config),
            Err(diags) => diags,
        };
        Ok(Response::new(pb::validate_provider_config::Response {
            diagnostics: diagnostics::to_proto(diags),
        }))
    }

    async fn configure_provider(
        &self,
        request: Request<pb::configure_provider::Request>,
    ) -> RpcResult<pb::configure_provider::Response> {
        let request = request.into_inner();
        let _timer = RpcTimer::start("ConfigureProvider");
        let diags = match dynamic::decode(
            request.config.as_ref(),
            self.engine.provider_type(),
            "provider configuration",
        ) {
            Ok(config) => {
                self.engine
                    .configure(&config, &request.terraform_version)
                    .await
            }
            Err(diags) => diags,
        };
        Ok(Response::new(pb::configure_provider::Response {
            diagnostics: diagnostics::to_proto(diags),
        }))
    }

    async fn validate_resource_config(
        &self,
        request: Request<pb::validate_resource_config::Request>,
    ) -> RpcResult<pb::validate_resource_config::Response> {
        type Resp = pb::validate_resource_config::Response;
        let request = request.into_inner();
        let _timer = RpcTimer::start("ValidateResourceConfig");
        let entry = or_respond!(self.engine.resource(&request.type_name), Resp);
        let config = or_respond!(
            dynamic::decode(
                request.config.as_ref(),
                &entry.value_type,
                "resource configuration"
            ),
            Resp
        );
        Ok(Response::new(Resp::from_diagnostics(
            self.engine.validate_resource_config(entry, &config),
        )))
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<pb::upgrade_resource_state::Request>,
    ) -> RpcResult<pb::upgrade_resource_state::Response> {
        type Resp = pb::upgrade_resource_state::Response;
        let request = request.into_inner();
        let _timer = RpcTimer::start("UpgradeResourceState");
        memory::release_freed_memory();
        let entry = or_respond!(self.engine.resource(&request.type_name), Resp);
        let raw = request.raw_state.unwrap_or_default();
        if raw.json.is_empty() && !raw.flatmap.is_empty() {
            let mut diags = Diagnostics::new();
            diags.error(
                "Legacy flatmap state is not supported",
                "This state was written in Terraform 0.11's flatmap format, which no release of \
                 this provider ever wrote. Remove the resource from state and import it again.",
            );
            return Ok(Response::new(Resp::from_diagnostics(diags)));
        }
        let (upgraded, mut diags) = self.engine.upgrade_state(entry, request.version, &raw.json);
        let upgraded_state = match upgraded {
            Some(value) => match dynamic::encode(&value, &entry.value_type, "upgraded state") {
                Ok(encoded) => Some(encoded),
                Err(more) => {
                    diags.extend(more);
                    None
                }
            },
            None => None,
        };
        Ok(Response::new(Resp {
            upgraded_state,
            diagnostics: diagnostics::to_proto(diags),
        }))
    }

    async fn upgrade_resource_identity(
        &self,
        request: Request<pb::upgrade_resource_identity::Request>,
    ) -> RpcResult<pb::upgrade_resource_identity::Response> {
        type Resp = pb::upgrade_resource_identity::Response;
        let request = request.into_inner();
        let _timer = RpcTimer::start("UpgradeResourceIdentity");
        let entry = or_respond!(self.engine.resource(&request.type_name), Resp);
        let raw = request.raw_identity.unwrap_or_default();
        let (upgraded, mut diags) = self
            .engine
            .upgrade_identity(entry, request.version, &raw.json);
        let upgraded_identity =
            upgraded.and_then(|value| identity::encode(entry, &value, &mut diags));
        Ok(Response::new(Resp {
            upgraded_identity,
            diagnostics: diagnostics::to_proto(diags),
        }))
    }

    async fn read_resource(
        &self,
        request: Request<pb::read_resource::Request>,
    ) -> RpcResult<pb::read_resource::Response> {
        type Resp = pb::read_resource::Response;
        let request = request.into_inner();
        let _timer = RpcTimer::start("ReadResource");
        memory::release_freed_memory();
        let entry = or_respond!(self.engine.resource(&request.type_name), Resp);
        let state = or_respond!(
            dynamic::decode(
                request.current_state.as_ref(),
                &entry.value_type,
                "current state"
            ),
            Resp
        );
        let held = or_respond!(
            identity::decode(entry, request.current_identity.as_ref(), "current identity"),
            Resp
        );
        let mut read = self.engine.read(entry, &state, &held).await;
        drop(state);
        let diags = &mut read.diagnostics;
        let new_state = encode_state(&read.state, entry, diags).or(request.current_state);
        // Kept as held when it cannot be told now (only for a resource
        // with an identity: the others never answer with one).
        let held = request
            .current_identity
            .filter(|_| entry.identity.is_some());
        let new_identity = identity::encode(entry, &read.identity, diags).or(held);
        Ok(Response::new(Resp {
            new_state,
            diagnostics: diagnostics::to_proto(read.diagnostics),
            private: request.private,
            new_identity,
            ..Default::default()
        }))
    }

    async fn plan_resource_change(
        &self,
        request: Request<pb::plan_resource_change::Request>,
    ) -> RpcResult<pb::plan_resource_change::Response> {
        type Resp = pb::plan_resource_change::Response;
        let mut request = request.into_inner();
        let _timer = RpcTimer::start("PlanResourceChange");
        memory::release_freed_memory();
        let entry = or_respond!(self.engine.resource(&request.type_name), Resp);
        let ty = &entry.value_type;
        // Each wire form is dropped once decoded, and the decoded inputs
        // before the answer is encoded: with thousands of names these copies
        // are what the peak memory is made of.
        let prior = or_respond!(
            dynamic::decode(request.prior_state.take().as_ref(), ty, "prior state"),
            Resp
        );
        let proposed = or_respond!(
            dynamic::decode(
                request.proposed_new_state.take().as_ref(),
                ty,
                "proposed new state"
            ),
            Resp
        );
        let config = or_respond!(
            dynamic::decode(request.config.take().as_ref(), ty, "resource configuration"),
            Resp
        );
        let prior_identity = or_respond!(
            identity::decode(entry, request.prior_identity.as_ref(), "prior identity"),
            Resp
        );
        let mut outcome = self
            .engine
            .plan(entry, &prior, &proposed, &config, &prior_identity)
            .await;
        drop((prior, proposed, config));
        let planned_state = encode_state(&outcome.planned_state, entry, &mut outcome.diagnostics);
        let planned_identity =
            identity::encode(entry, &outcome.planned_identity, &mut outcome.diagnostics);
        Ok(Response::new(Resp {
            planned_state,
            planned_identity,
            requires_replace: outcome
                .requires_replace
                .iter()
                .map(diagnostics::path_to_proto)
                .collect(),
            planned_private: outcome.private,
            diagnostics: diagnostics::to_proto(outcome.diagnostics),
            ..Default::default()
        }))
    }

    async fn apply_resource_change(
        &self,
        request: Request<pb::apply_resource_change::Request>,
    ) -> RpcResult<pb::apply_resource_change::Response> {
        type Resp = pb::apply_resource_change::Response;
        let mut request = request.into_inner();
        let _timer = RpcTimer::start("ApplyResourceChange");
        memory::release_freed_memory();
        let entry = or_respond!(self.engine.resource(&request.type_name), Resp);
        let ty = &entry.value_type;
        // As in PlanResourceChange, but the prior state's wire form stays:
        // it is the answer if the new state cannot be encoded.
        let prior = or_respond!(
            dynamic::decode(request.prior_state.as_ref(), ty, "prior state"),
            Resp
        );
        let planned = or_respond!(
            dynamic::decode(request.planned_state.take().as_ref(), ty, "planned state"),
            Resp
        );
        let config = or_respond!(
            dynamic::decode(request.config.take().as_ref(), ty, "resource configuration"),
            Resp
        );
        let planned_identity = or_respond!(
            identity::decode(entry, request.planned_identity.as_ref(), "planned identity"),
            Resp
        );
        let mut applied = self
            .engine
            .apply(
                entry,
                &prior,
                &planned,
                &config,
                &planned_identity,
                &request.planned_private,
            )
            .await;
        drop((prior, planned, config));
        let diags = &mut applied.diagnostics;
        // If the new state cannot be encoded, keep the prior state: it is
        // the last thing known to be true.
        let new_state = encode_state(&applied.state, entry, diags).or(request.prior_state);
        let new_identity = identity::encode(entry, &applied.identity, diags);
        Ok(Response::new(Resp {
            new_state,
            // Private data belongs to plans (see `Planned::private`).
            private: Vec::new(),
            diagnostics: diagnostics::to_proto(applied.diagnostics),
            new_identity,
            ..Default::default()
        }))
    }

    async fn import_resource_state(
        &self,
        request: Request<pb::import_resource_state::Request>,
    ) -> RpcResult<pb::import_resource_state::Response> {
        type Resp = pb::import_resource_state::Response;
        let request = request.into_inner();
        let _timer = RpcTimer::start("ImportResourceState");
        memory::release_freed_memory();
        let entry = or_respond!(self.engine.resource(&request.type_name), Resp);
        // Terraform sends either an ID or an identity. A resource without
        // an identity sees only the ID, as before identities existed.
        let by_identity = match (&entry.identity, &request.identity) {
            (Some(_), Some(data)) if request.id.is_empty() => Some(data),
            _ => None,
        };
        let mut imported = match by_identity {
            Some(data) => {
                let requested =
                    or_respond!(identity::decode(entry, Some(data), "import identity"), Resp);
                self.engine.import_by_identity(entry, &requested).await
            }
            None => self.engine.import(entry, &request.id).await,
        };
        let diags = &mut imported.diagnostics;
        let imported_resources = if diags.has_errors() || imported.state.is_null() {
            Vec::new()
        } else {
            let state = encode_state(&imported.state, entry, diags);
            let identity = identity::encode(entry, &imported.identity, diags);
            state
                .map(|state| pb::import_resource_state::ImportedResource {
                    type_name: request.type_name.clone(),
                    state: Some(state),
                    identity,
                    ..Default::default()
                })
                .into_iter()
                .collect()
        };
        Ok(Response::new(Resp {
            imported_resources,
            diagnostics: diagnostics::to_proto(imported.diagnostics),
            ..Default::default()
        }))
    }

    async fn move_resource_state(
        &self,
        request: Request<pb::move_resource_state::Request>,
    ) -> RpcResult<pb::move_resource_state::Response> {
        let request = request.into_inner();
        Ok(Response::new(pb::move_resource_state::Response {
            diagnostics: unsupported::no_move(
                self.engine.provider_name(),
                &request.source_type_name,
                &request.target_type_name,
            ),
            ..Default::default()
        }))
    }

    async fn generate_resource_config(
        &self,
        request: Request<pb::generate_resource_config::Request>,
    ) -> RpcResult<pb::generate_resource_config::Response> {
        type Resp = pb::generate_resource_config::Response;
        let request = request.into_inner();
        let _timer = RpcTimer::start("GenerateResourceConfig");
        let entry = or_respond!(self.engine.resource(&request.type_name), Resp);
        let state = or_respond!(
            dynamic::decode(request.state.as_ref(), &entry.value_type, "state"),
            Resp
        );
        let (config, mut diags) = self.engine.generate_config(entry, &state);
        let config = encode_state(&config, entry, &mut diags);
        Ok(Response::new(Resp {
            config,
            diagnostics: diagnostics::to_proto(diags),
        }))
    }

    async fn read_data_source(
        &self,
        request: Request<pb::read_data_source::Request>,
    ) -> RpcResult<pb::read_data_source::Response> {
        type Resp = pb::read_data_source::Response;
        let request = request.into_inner();
        let _timer = RpcTimer::start("ReadDataSource");
        let entry = or_respond!(self.engine.data_source(&request.type_name), Resp);
        let ty = &entry.value_type;
        let config = or_respond!(
            dynamic::decode(request.config.as_ref(), ty, "data source configuration"),
            Resp
        );
        let (state, mut diags) = self.engine.read_data_source(entry, &config).await;
        let state = if diags.has_errors() {
            None
        } else {
            match dynamic::encode(&state, ty, "data source state") {
                Ok(encoded) => Some(encoded),
                Err(more) => {
                    diags.extend(more);
                    None
                }
            }
        };
        Ok(Response::new(Resp {
            state,
            diagnostics: diagnostics::to_proto(diags),
            ..Default::default()
        }))
    }

    async fn validate_data_resource_config(
        &self,
        request: Request<pb::validate_data_resource_config::Request>,
    ) -> RpcResult<pb::validate_data_resource_config::Response> {
        type Resp = pb::validate_data_resource_config::Response;
        let request = request.into_inner();
        let _timer = RpcTimer::start("ValidateDataResourceConfig");
        let entry = or_respond!(self.engine.data_source(&request.type_name), Resp);
        let config = or_respond!(
            dynamic::decode(
                request.config.as_ref(),
                &entry.value_type,
                "data source configuration"
            ),
            Resp
        );
        Ok(Response::new(Resp::from_diagnostics(
            self.engine.validate_data_source_config(entry, &config),
        )))
    }

    async fn validate_ephemeral_resource_config(
        &self,
        request: Request<pb::validate_ephemeral_resource_config::Request>,
    ) -> RpcResult<pb::validate_ephemeral_resource_config::Response> {
        let request = request.into_inner();
        Ok(Response::new(
            pb::validate_ephemeral_resource_config::Response {
                diagnostics: self.unsupported("ephemeral resource", &request.type_name),
            },
        ))
    }

    async fn open_ephemeral_resource(
        &self,
        request: Request<pb::open_ephemeral_resource::Request>,
    ) -> RpcResult<pb::open_ephemeral_resource::Response> {
        let request = request.into_inner();
        Ok(Response::new(pb::open_ephemeral_resource::Response {
            diagnostics: self.unsupported("ephemeral resource", &request.type_name),
            ..Default::default()
        }))
    }

    async fn renew_ephemeral_resource(
        &self,
        request: Request<pb::renew_ephemeral_resource::Request>,
    ) -> RpcResult<pb::renew_ephemeral_resource::Response> {
        let request = request.into_inner();
        Ok(Response::new(pb::renew_ephemeral_resource::Response {
            diagnostics: self.unsupported("ephemeral resource", &request.type_name),
            ..Default::default()
        }))
    }

    async fn close_ephemeral_resource(
        &self,
        request: Request<pb::close_ephemeral_resource::Request>,
    ) -> RpcResult<pb::close_ephemeral_resource::Response> {
        let request = request.into_inner();
        Ok(Response::new(pb::close_ephemeral_resource::Response {
            diagnostics: self.unsupported("ephemeral resource", &request.type_name),
        }))
    }

    type ListResourceStream = list::Events;

    async fn list_resource(
        &self,
        request: Request<pb::list_resource::Request>,
    ) -> RpcResult<Self::ListResourceStream> {
        let request = request.into_inner();
        let _timer = RpcTimer::start("ListResource");
        Ok(Response::new(list::run(&self.engine, request).await))
    }

    async fn validate_list_resource_config(
        &self,
        request: Request<pb::validate_list_resource_config::Request>,
    ) -> RpcResult<pb::validate_list_resource_config::Response> {
        type Resp = pb::validate_list_resource_config::Response;
        let request = request.into_inner();
        let _timer = RpcTimer::start("ValidateListResourceConfig");
        let entry = or_respond!(self.engine.list_resource(&request.type_name), Resp);
        let config = or_respond!(
            dynamic::decode(
                request.config.as_ref(),
                &entry.value_type,
                "list resource configuration"
            ),
            Resp
        );
        // Terraform places these diagnostics in the whole `list` block,
        // where the configuration is the `config` block (ListResource
        // events get that prefix from Terraform itself).
        Ok(Response::new(Resp::from_diagnostics(
            self.engine
                .validate_list_resource_config(entry, &config)
                .within(LIST_CONFIG_BLOCK),
        )))
    }

    async fn get_functions(
        &self,
        _: Request<pb::get_functions::Request>,
    ) -> RpcResult<pb::get_functions::Response> {
        let _timer = RpcTimer::start("GetFunctions");
        Ok(Response::new(pb::get_functions::Response {
            functions: self.function_definitions(),
            diagnostics: Vec::new(),
        }))
    }

    async fn call_function(
        &self,
        request: Request<pb::call_function::Request>,
    ) -> RpcResult<pb::call_function::Response> {
        let request = request.into_inner();
        let _timer = RpcTimer::start("CallFunction");
        let answer = match self.engine.function(&request.name) {
            Ok(entry) => call(&self.engine, entry, &request.arguments),
            Err(diags) => Err(FunctionError::new(
                diags.iter().map(|d| d.detail.as_str()).collect::<String>(),
            )),
        };
        Ok(Response::new(match answer {
            Ok(result) => pb::call_function::Response {
                result: Some(result),
                error: None,
            },
            Err(error) => pb::call_function::Response {
                result: None,
                error: Some(function::error_to_proto(error)),
            },
        }))
    }

    async fn validate_state_store_config(
        &self,
        request: Request<pb::validate_state_store::Request>,
    ) -> RpcResult<pb::validate_state_store::Response> {
        let request = request.into_inner();
        Ok(Response::new(pb::validate_state_store::Response {
            diagnostics: self.unsupported("state store", &request.type_name),
        }))
    }

    async fn configure_state_store(
        &self,
        request: Request<pb::configure_state_store::Request>,
    ) -> RpcResult<pb::configure_state_store::Response> {
        let request = request.into_inner();
        Ok(Response::new(pb::configure_state_store::Response {
            diagnostics: self.unsupported("state store", &request.type_name),
            capabilities: None,
        }))
    }

    type ReadStateBytesStream = unsupported::OneShot<pb::read_state_bytes::Response>;

    async fn read_state_bytes(
        &self,
        request: Request<pb::read_state_bytes::Request>,
    ) -> RpcResult<Self::ReadStateBytesStream> {
        let request = request.into_inner();
        Ok(Response::new(unsupported::one_shot(
            pb::read_state_bytes::Response {
                diagnostics: self.unsupported("state store", &request.type_name),
                ..Default::default()
            },
        )))
    }

    async fn write_state_bytes(
        &self,
        request: Request<tonic::Streaming<pb::write_state_bytes::RequestChunk>>,
    ) -> RpcResult<pb::write_state_bytes::Response> {
        let mut chunks = request.into_inner();
        let mut type_name = String::new();
        // Read the stream to its end so the client is not left blocked.
        while let Ok(Some(chunk)) = chunks.message().await {
            if let Some(meta) = chunk.meta {
                type_name = meta.type_name;
            }
        }
        Ok(Response::new(pb::write_state_bytes::Response {
            diagnostics: self.unsupported("state store", &type_name),
        }))
    }

    async fn lock_state(
        &self,
        request: Request<pb::lock_state::Request>,
    ) -> RpcResult<pb::lock_state::Response> {
        let request = request.into_inner();
        Ok(Response::new(pb::lock_state::Response {
            lock_id: String::new(),
            diagnostics: self.unsupported("state store", &request.type_name),
        }))
    }

    async fn unlock_state(
        &self,
        request: Request<pb::unlock_state::Request>,
    ) -> RpcResult<pb::unlock_state::Response> {
        let request = request.into_inner();
        Ok(Response::new(pb::unlock_state::Response {
            diagnostics: self.unsupported("state store", &request.type_name),
        }))
    }

    async fn get_states(
        &self,
        request: Request<pb::get_states::Request>,
    ) -> RpcResult<pb::get_states::Response> {
        let request = request.into_inner();
        Ok(Response::new(pb::get_states::Response {
            state_id: Vec::new(),
            diagnostics: self.unsupported("state store", &request.type_name),
        }))
    }

    async fn delete_state(
        &self,
        request: Request<pb::delete_state::Request>,
    ) -> RpcResult<pb::delete_state::Response> {
        let request = request.into_inner();
        Ok(Response::new(pb::delete_state::Response {
            diagnostics: self.unsupported("state store", &request.type_name),
        }))
    }

    async fn plan_action(
        &self,
        request: Request<pb::plan_action::Request>,
    ) -> RpcResult<pb::plan_action::Response> {
        let request = request.into_inner();
        Ok(Response::new(pb::plan_action::Response {
            diagnostics: self.unsupported("action", &request.action_type),
            deferred: None,
        }))
    }

    type InvokeActionStream = unsupported::OneShot<pb::invoke_action::Event>;

    async fn invoke_action(
        &self,
        request: Request<pb::invoke_action::Request>,
    ) -> RpcResult<Self::InvokeActionStream> {
        let request = request.into_inner();
        let completed = pb::invoke_action::event::Completed {
            diagnostics: self.unsupported("action", &request.action_type),
        };
        Ok(Response::new(unsupported::one_shot(
            pb::invoke_action::Event {
                r#type: Some(pb::invoke_action::event::Type::Completed(completed)),
            },
        )))
    }

    async fn validate_action_config(
        &self,
        request: Request<pb::validate_action_config::Request>,
    ) -> RpcResult<pb::validate_action_config::Response> {
        let request = request.into_inner();
        Ok(Response::new(pb::validate_action_config::Response {
            diagnostics: self.unsupported("action", &request.type_name),
        }))
    }

    async fn stop_provider(
        &self,
        _: Request<pb::stop_provider::Request>,
    ) -> RpcResult<pb::stop_provider::Response> {
        debug!(rpc = "StopProvider", "request: cancelling in-flight work");
        self.engine.stop();
        Ok(Response::new(pb::stop_provider::Response {
            error: String::new(),
        }))
    }
}

/// Decodes each argument with its parameter's type, calls the function and
/// encodes its result.
fn call<P: Provider>(
    engine: &Engine<P>,
    entry: &FunctionEntry,
    arguments: &[pb::DynamicValue],
) -> Result<pb::DynamicValue, FunctionError> {
    let parameters = &entry.signature.parameters;
    let mut values = Vec::with_capacity(arguments.len());
    for (position, argument) in arguments.iter().enumerate() {
        let Some(parameter) = parameters.get(position) else {
            return Err(FunctionError::in_argument(
                position,
                format!(
                    "{} takes {} argument(s); this one is extra.",
                    entry.function.name(),
                    parameters.len()
                ),
            ));
        };
        let value = dynamic::decode(Some(argument), &parameter.ty, "function argument").map_err(
            |diags| {
                FunctionError::in_argument(
                    position,
                    diags.iter().map(|d| d.detail.as_str()).collect::<String>(),
                )
            },
        )?;
        values.push(value);
    }
    let result = engine.call_function(entry, &values)?;
    dynamic::encode(&result, &entry.signature.returns, "function result").map_err(|diags| {
        FunctionError::new(diags.iter().map(|d| d.detail.as_str()).collect::<String>())
    })
}

/// Encodes a state value with the resource's type; a failure is added to
/// `diags` and yields `None`.
fn encode_state<C>(
    state: &Value,
    entry: &crate::tf::engine::ResourceEntry<C>,
    diags: &mut Diagnostics,
) -> Option<pb::DynamicValue> {
    match dynamic::encode(state, &entry.value_type, "state") {
        Ok(encoded) => Some(encoded),
        Err(more) => {
            diags.extend(more);
            None
        }
    }
}
