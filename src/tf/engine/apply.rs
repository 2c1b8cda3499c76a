//! ApplyResourceChange: create, update or delete by what the plan says.

use crate::tf::diag::Diagnostics;
use crate::tf::provider::Provider;
use crate::tf::value::Value;

use super::{Engine, ResourceEntry};

impl<P: Provider> Engine<P> {
    /// Returns the new state to record; on failure it still describes what
    /// exists, so Terraform's state never lies.
    pub async fn apply(
        &self,
        entry: &ResourceEntry<P::Client>,
        prior: &Value,
        planned: &Value,
        config: &Value,
        planned_private: &[u8],
    ) -> (Value, Diagnostics) {
        let mut diags = Diagnostics::new();
        let client = self.current_client();
        let ctx = self.context(client.as_deref());
        let resource = &entry.resource;
        let state = match (prior.is_null(), planned.is_null()) {
            (true, true) => Value::Null,
            (true, false) => resource.create(&ctx, planned, config, &mut diags).await,
            (false, true) => {
                resource
                    .delete(&ctx, prior, planned_private, &mut diags)
                    .await
            }
            (false, false) => {
                resource
                    .update(&ctx, prior, planned, config, &mut diags)
                    .await
            }
        };
        (state, diags)
    }
}
