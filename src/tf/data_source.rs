//! The data source side of the provider boundary.

use async_trait::async_trait;

use crate::tf::context::Context;
use crate::tf::diag::Diagnostics;
use crate::tf::schema::Schema;
use crate::tf::value::Value;

/// A data source type: reads what exists, never changes it.
#[async_trait]
pub trait DataSource<C>: Send + Sync + 'static {
    /// Full type name: the provider's name, an underscore, the data source's.
    /// Data sources have their own namespace, so it may equal a resource's.
    fn type_name(&self) -> &'static str;

    fn schema(&self) -> Schema;

    /// Static checks of the data block; no network access. By default the
    /// schema's own type checks are all.
    fn validate_config(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// The data source's state for a wholly known configuration: the
    /// configuration with its computed attributes filled in.
    async fn read(&self, ctx: &Context<'_, C>, config: &Value, diags: &mut Diagnostics) -> Value;
}
