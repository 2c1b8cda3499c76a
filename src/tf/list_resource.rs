//! The list resource side of the provider boundary (protocol 6.10,
//! Terraform 1.14 and later): `list` blocks in `.tfquery.hcl` files, run by
//! `terraform query`, find existing objects of a resource type so they can
//! be imported. Each result is named by the resource's identity.

use async_trait::async_trait;

use crate::tf::context::Context;
use crate::tf::diag::Diagnostics;
use crate::tf::schema::Schema;
use crate::tf::value::Value;

/// What one `list` block asks for.
pub struct ListRequest<'a> {
    /// The `config` block, decoded with the list resource's schema (every
    /// attribute null when the block is absent).
    pub config: &'a Value,
    /// Whether each result should carry the full resource object.
    pub include_resource: bool,
    /// At most this many results are wanted; more are cut off.
    pub limit: usize,
}

/// One object found.
pub struct Listed {
    /// Its identity, wholly known, of the resource's identity type.
    pub identity: Value,
    /// A short text a person can recognise the object by.
    pub display_name: String,
    /// The object as the resource's state, when it was asked for.
    pub resource: Option<Value>,
}

/// A list resource type. Its type name is that of the resource whose
/// objects it lists; that resource must have an identity.
#[async_trait]
pub trait ListResource<C>: Send + Sync + 'static {
    fn type_name(&self) -> &'static str;

    /// The schema of the `config` block.
    fn schema(&self) -> Schema;

    /// Static checks of the `config` block; no network access. By default
    /// the schema's own type checks are all.
    fn validate_config(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// The objects found, in a stable order; results past `limit` are
    /// dropped by the caller, so a list may stop early once it has them.
    async fn list(
        &self,
        ctx: &Context<'_, C>,
        request: ListRequest<'_>,
        diags: &mut Diagnostics,
    ) -> Vec<Listed>;
}
