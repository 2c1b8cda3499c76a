//! The boundary between the generic protocol layer and a concrete provider.
//!
//! A provider describes its own configuration and offers four lists:
//! resources, data sources, functions and list resources. Each entry owns
//! its schema and its behaviour and sees only decoded [`Value`]s and
//! [`Diagnostics`], never protobuf messages. Capabilities not every resource
//! has (import, state upgrade, config generation, resource identity) have
//! defaults, so a new resource implements only what it offers, and one
//! without an identity answers exactly as before identities existed.

use std::sync::Arc;

use async_trait::async_trait;

pub use crate::tf::context::Context;
use crate::tf::data_source::DataSource;
use crate::tf::diag::Diagnostics;
use crate::tf::function::Function;
use crate::tf::list_resource::ListResource;
use crate::tf::schema::{IdentitySchema, Schema};
use crate::tf::stop::StopSignal;
use crate::tf::value::{AttributePath, Value};

/// A Terraform provider: its configuration and what it offers.
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// What `configure` builds and every resource call receives.
    type Client: Send + Sync + 'static;

    /// The provider's local name, the prefix of its resource and data source
    /// type names and the namespace of its functions.
    fn name(&self) -> &'static str;

    /// The provider block's schema.
    fn schema(&self) -> Schema;

    /// Static checks of the provider block; no network access.
    fn validate_config(&self, config: &Value, diags: &mut Diagnostics);

    /// Builds the client from the provider block. `None` with no error
    /// diagnostics means the configuration is not known yet (plan time).
    async fn configure(
        &self,
        request: ConfigureRequest<'_>,
        diags: &mut Diagnostics,
    ) -> Option<Self::Client>;

    fn resources(&self) -> Vec<Arc<dyn Resource<Self::Client>>> {
        Vec::new()
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource<Self::Client>>> {
        Vec::new()
    }

    fn functions(&self) -> Vec<Arc<dyn Function>> {
        Vec::new()
    }

    /// List resources (`terraform query`); each must share its type name
    /// with a resource that has an identity.
    fn list_resources(&self) -> Vec<Arc<dyn ListResource<Self::Client>>> {
        Vec::new()
    }
}

pub struct ConfigureRequest<'a> {
    pub config: &'a Value,
    pub terraform_version: &'a str,
    /// Raised by StopProvider; clients keep it to abandon waits and retries.
    pub stop: StopSignal,
}

/// A plan request for a resource that is created or updated (destroy plans
/// reach the resource as `plan_destroy`).
pub struct PlanRequest<'a> {
    /// `Value::Null` when the resource is being created.
    pub prior: &'a Value,
    /// Terraform's merge of config and prior state.
    pub proposed: &'a Value,
    pub config: &'a Value,
}

/// The planned new state, which attribute changes force replacement, and
/// the plan's private data.
pub struct Planned {
    pub state: Value,
    pub requires_replace: Vec<AttributePath>,
    /// Opaque to Terraform, which hands it back with this plan's apply. A
    /// replacement is one planned change: its destroy half is applied with
    /// the private data of the create half's plan (the prior object's own
    /// data never reaches it), so a resource can tell that destroy from a
    /// plain one. Applied state carries no private data.
    pub private: Vec<u8>,
}

/// A managed resource type. Every method that changes or reads remote
/// objects returns the state to record, which must describe what really
/// exists even when it also reports errors (`Value::Null` = nothing exists).
#[async_trait]
pub trait Resource<C>: Send + Sync + 'static {
    /// Full type name: the provider's name, an underscore, the resource's.
    fn type_name(&self) -> &'static str;

    fn schema(&self) -> Schema;

    /// Static checks of the resource block; no network access. By default
    /// the schema's own type checks are all.
    fn validate_config(&self, _config: &Value, _diags: &mut Diagnostics) {}

    async fn plan(
        &self,
        ctx: &Context<'_, C>,
        request: PlanRequest<'_>,
        diags: &mut Diagnostics,
    ) -> Option<Planned>;

    /// A destroy is being planned (Terraform 1.3 and later, which honour
    /// the `plan_destroy` capability): the resource may warn about what the
    /// destroy will do. Nothing to decide, so by default nothing is said.
    async fn plan_destroy(&self, _ctx: &Context<'_, C>, _prior: &Value, _diags: &mut Diagnostics) {}

    async fn create(
        &self,
        ctx: &Context<'_, C>,
        planned: &Value,
        config: &Value,
        diags: &mut Diagnostics,
    ) -> Value;

    async fn update(
        &self,
        ctx: &Context<'_, C>,
        prior: &Value,
        planned: &Value,
        config: &Value,
        diags: &mut Diagnostics,
    ) -> Value;

    /// Returns `Value::Null` when everything is gone, or what still exists.
    /// `planned_private` is the private data of the plan being applied: for
    /// the destroy half of a replacement, what [`Resource::plan`] returned
    /// for the object that replaces this one (see [`Planned::private`]).
    async fn delete(
        &self,
        ctx: &Context<'_, C>,
        prior: &Value,
        planned_private: &[u8],
        diags: &mut Diagnostics,
    ) -> Value;

    /// Refreshes state; `Value::Null` means the remote object is gone.
    async fn read(&self, ctx: &Context<'_, C>, state: &Value, diags: &mut Diagnostics) -> Value;

    /// Builds state from an import ID. By default the resource cannot be
    /// imported.
    async fn import(&self, _ctx: &Context<'_, C>, _id: &str, diags: &mut Diagnostics) -> Value {
        diags.error(
            format!("{} cannot be imported", self.type_name()),
            format!(
                "The resource type {} does not support terraform import. Declare it in the \
                 configuration and let Terraform create it.",
                self.type_name()
            ),
        );
        Value::Null
    }

    /// Turns state stored under an older schema version (`version`, below
    /// the current one; current-version state never reaches this method)
    /// into the current one. `stored` was decoded with the current schema's
    /// type when that succeeded (an older version of the same shape);
    /// `raw_json` is always the state exactly as stored. By default no older
    /// version exists.
    fn upgrade_state(
        &self,
        version: i64,
        _stored: Option<Value>,
        _raw_json: &[u8],
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        diags.error(
            format!("Unknown {} state version", self.type_name()),
            format!(
                "State schema version {version} was never written by this provider. Remove the \
                 resource from state and import it again."
            ),
        );
        None
    }

    /// The resource identity schema (Terraform 1.12 and later), or `None`
    /// for a resource without one: then no identity is ever sent or read,
    /// and every other method works as it would without identities.
    fn identity_schema(&self) -> Option<IdentitySchema> {
        None
    }

    /// The identity of the object `state` records (never null here), for
    /// the answers to read, plan, apply and import. `held` is the identity
    /// Terraform sent with the request (null when it has none). Null means
    /// the identity cannot be told now; a planned identity that is not
    /// wholly known (a create's) is sent as none. By default: what
    /// Terraform holds.
    fn identity(&self, _ctx: &Context<'_, C>, _state: &Value, held: &Value) -> Value {
        held.clone()
    }

    /// Builds state from an identity (`import { identity = {...} }`); the
    /// identity is decoded and its required attributes are present. By
    /// default the resource cannot be imported that way.
    async fn import_by_identity(
        &self,
        _ctx: &Context<'_, C>,
        _identity: &Value,
        diags: &mut Diagnostics,
    ) -> Value {
        diags.error(
            format!("{} cannot be imported by identity", self.type_name()),
            format!(
                "The resource type {} does not support import by identity. Import it by ID \
                 instead (import {{ id = \"...\" }}).",
                self.type_name()
            ),
        );
        Value::Null
    }

    /// Turns an identity stored under an older identity version (below the
    /// current one) into the current one. By default no older version
    /// exists.
    fn upgrade_identity(
        &self,
        version: i64,
        _raw_json: &[u8],
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        diags.error(
            format!("Unknown {} identity version", self.type_name()),
            format!(
                "Identity version {version} was never written by this provider. Remove the \
                 resource from state and import it again."
            ),
        );
        None
    }

    /// The configuration that would produce this state
    /// (`terraform plan -generate-config-out`). By default: the state with
    /// every computed-only attribute null, which is what a user writes.
    fn generate_config(&self, state: &Value, _diags: &mut Diagnostics) -> Value {
        configurable_part(&self.schema(), state)
    }
}

/// `state` with the attributes a user cannot set (computed, not optional)
/// made null.
fn configurable_part(schema: &Schema, state: &Value) -> Value {
    let Value::Object(attributes) = state else {
        return state.clone();
    };
    Value::Object(
        attributes
            .iter()
            .map(|(name, value)| {
                let settable = schema
                    .block
                    .find_attribute(name)
                    .is_none_or(|a| a.is_required() || a.is_optional());
                let value = if settable { value.clone() } else { Value::Null };
                (name.clone(), value)
            })
            .collect(),
    )
}
