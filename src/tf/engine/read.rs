//! ReadResource, ImportResourceState, UpgradeResourceState and
//! GenerateResourceConfig: the calls that produce state without a plan.

use crate::tf::diag::Diagnostics;
use crate::tf::provider::Provider;
use crate::tf::value::{json, Value};

use super::{Engine, Recorded, ResourceEntry};

impl<P: Provider> Engine<P> {
    /// Refreshes `state`; `held` is the identity Terraform has for it.
    pub async fn read(
        &self,
        entry: &ResourceEntry<P::Client>,
        state: &Value,
        held: &Value,
    ) -> Recorded {
        let mut diagnostics = Diagnostics::new();
        if state.is_null() {
            return Recorded {
                state: Value::Null,
                identity: Value::Null,
                diagnostics,
            };
        }
        let client = self.current_client();
        let ctx = self.context(client.as_deref());
        let state = entry.resource.read(&ctx, state, &mut diagnostics).await;
        let identity = Self::identify(entry, &ctx, &state, held);
        Recorded {
            state,
            identity,
            diagnostics,
        }
    }

    pub async fn import(&self, entry: &ResourceEntry<P::Client>, id: &str) -> Recorded {
        let mut diagnostics = Diagnostics::new();
        let client = self.current_client();
        let ctx = self.context(client.as_deref());
        let state = entry.resource.import(&ctx, id, &mut diagnostics).await;
        let identity = Self::identify(entry, &ctx, &state, &Value::Null);
        Recorded {
            state,
            identity,
            diagnostics,
        }
    }

    /// State written by the current schema version decodes as it is; older
    /// versions go through the resource's own upgrade.
    pub fn upgrade_state(
        &self,
        entry: &ResourceEntry<P::Client>,
        version: i64,
        raw_json: &[u8],
    ) -> (Option<Value>, Diagnostics) {
        let mut diags = Diagnostics::new();
        let current = entry.schema.version;
        if version > current {
            diags.error(
                "State written by a newer provider",
                format!(
                    "This {} state has schema version {version}, but this provider release only \
                     knows versions up to {current}. Upgrade the provider (terraform init -upgrade) \
                     or restore state written by this release.",
                    entry.resource.type_name()
                ),
            );
            return (None, diags);
        }
        let decoded = json::decode(raw_json, &entry.value_type);
        if version == current {
            return match decoded {
                Ok(value) => (Some(value), diags),
                Err(error) => {
                    diags.error(
                        "Stored state does not match the schema",
                        format!(
                            "The stored {} state could not be read: {error}. Restore a state \
                             backup or remove the resource from state and import it again.",
                            entry.resource.type_name()
                        ),
                    );
                    (None, diags)
                }
            };
        }
        let upgraded = entry
            .resource
            .upgrade_state(version, decoded.ok(), raw_json, &mut diags);
        (upgraded, diags)
    }

    pub fn generate_config(
        &self,
        entry: &ResourceEntry<P::Client>,
        state: &Value,
    ) -> (Value, Diagnostics) {
        let mut diags = Diagnostics::new();
        let config = entry.resource.generate_config(state, &mut diags);
        (config, diags)
    }
}
