//! ApplyResourceChange: create, update or delete by what the plan says.

use crate::tf::diag::Diagnostics;
use crate::tf::provider::Provider;
use crate::tf::value::Value;

use super::{Engine, Recorded, ResourceEntry};

impl<P: Provider> Engine<P> {
    /// Returns the new state to record; on failure it still describes what
    /// exists, so Terraform's state never lies. `planned_identity` is the
    /// identity the plan gave (null when none); `planned_private` the
    /// plan's private data (see `Planned::private`).
    pub async fn apply(
        &self,
        entry: &ResourceEntry<P::Client>,
        prior: &Value,
        planned: &Value,
        config: &Value,
        planned_identity: &Value,
        planned_private: &[u8],
    ) -> Recorded {
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
        let identity = Self::identify(entry, &ctx, &state, planned_identity);
        Recorded {
            state,
            identity,
            diagnostics: diags,
        }
    }
}
