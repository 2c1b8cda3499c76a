//! Resource identities: what each answer carries, import by identity and
//! UpgradeResourceIdentity. A resource without an identity never reaches
//! its own identity methods.

use crate::tf::diag::Diagnostics;
use crate::tf::provider::{Context, Provider};
use crate::tf::value::{json, AttributePath, Value};

use super::{Engine, IdentityEntry, Recorded, ResourceEntry};

impl<P: Provider> Engine<P> {
    /// The identity to answer with: null for a resource without one and
    /// for an object that is gone.
    pub(super) fn identify(
        entry: &ResourceEntry<P::Client>,
        ctx: &Context<'_, P::Client>,
        state: &Value,
        held: &Value,
    ) -> Value {
        if entry.identity.is_none() || state.is_null() {
            return Value::Null;
        }
        entry.resource.identity(ctx, state, held)
    }

    /// `import { identity = {...} }`: every attribute the identity schema
    /// requires for import must be there before the resource is asked.
    pub async fn import_by_identity(
        &self,
        entry: &ResourceEntry<P::Client>,
        identity: &Value,
    ) -> Recorded {
        let mut diagnostics = Diagnostics::new();
        let nothing = |diagnostics| Recorded {
            state: Value::Null,
            identity: Value::Null,
            diagnostics,
        };
        let Some(schema) = &entry.identity else {
            diagnostics.error(
                format!(
                    "{} cannot be imported by identity",
                    entry.resource.type_name()
                ),
                format!(
                    "The resource type {} has no resource identity. Import it by ID instead \
                     (import {{ id = \"...\" }}).",
                    entry.resource.type_name()
                ),
            );
            return nothing(diagnostics);
        };
        check_required(schema, identity, &mut diagnostics);
        if diagnostics.has_errors() {
            return nothing(diagnostics);
        }
        let client = self.current_client();
        let ctx = self.context(client.as_deref());
        let state = entry
            .resource
            .import_by_identity(&ctx, identity, &mut diagnostics)
            .await;
        let identity = Self::identify(entry, &ctx, &state, identity);
        Recorded {
            state,
            identity,
            diagnostics,
        }
    }

    /// Identity stored by the current identity version decodes as it is;
    /// older versions go through the resource's own upgrade.
    pub fn upgrade_identity(
        &self,
        entry: &ResourceEntry<P::Client>,
        version: i64,
        raw_json: &[u8],
    ) -> (Option<Value>, Diagnostics) {
        let mut diags = Diagnostics::new();
        let type_name = entry.resource.type_name();
        let Some(schema) = &entry.identity else {
            diags.error(
                "Resource identity is not supported",
                format!(
                    "{type_name:?} declares no resource identity, so there is none to upgrade."
                ),
            );
            return (None, diags);
        };
        let current = schema.schema.version;
        if version > current {
            diags.error(
                "Identity written by a newer provider",
                format!(
                    "This {type_name} identity has version {version}, but this provider release \
                     only knows versions up to {current}. Upgrade the provider (terraform init \
                     -upgrade) or restore state written by this release."
                ),
            );
            return (None, diags);
        }
        if version < current {
            let upgraded = entry
                .resource
                .upgrade_identity(version, raw_json, &mut diags);
            return (upgraded, diags);
        }
        match json::decode(raw_json, &schema.value_type) {
            Ok(value) if !value.is_null() => (Some(value), diags),
            Ok(_) => {
                diags.error(
                    "No identity to upgrade",
                    format!(
                        "UpgradeResourceIdentity for {type_name} carried no identity. Remove the \
                         resource from state and import it again."
                    ),
                );
                (None, diags)
            }
            Err(error) => {
                diags.error(
                    "Stored identity does not match the schema",
                    format!(
                        "The stored {type_name} identity could not be read: {error}. Restore a \
                         state backup, or remove the resource from state and import it again."
                    ),
                );
                (None, diags)
            }
        }
    }
}

/// Errors for attributes the identity schema requires for import that the
/// identity leaves null or unknown.
fn check_required(schema: &IdentityEntry, identity: &Value, diags: &mut Diagnostics) {
    if identity.is_null() || !identity.is_known() {
        diags.error(
            "Import needs an identity",
            "The import request carried neither an ID nor a known identity. Give the import \
             block an id or an identity.",
        );
        return;
    }
    for attribute in schema
        .schema
        .attributes
        .iter()
        .filter(|a| a.required_for_import)
    {
        let value = identity.get_attribute(&attribute.name);
        if value.is_none_or(|v| v.is_null() || !v.is_wholly_known()) {
            diags.error_at(
                AttributePath::root(attribute.name.clone()),
                format!("Identity attribute {:?} is required", attribute.name),
                format!(
                    "Importing by identity needs {:?} ({}). Set it in the import block's identity.",
                    attribute.name,
                    attribute.description.trim_end_matches('.')
                ),
            );
        }
    }
}
