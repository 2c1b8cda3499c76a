//! PlanResourceChange.

use crate::tf::diag::Diagnostics;
use crate::tf::provider::{PlanRequest, Provider};
use crate::tf::value::{AttributePath, Value};

use super::{Engine, ResourceEntry};

pub struct PlanOutcome {
    pub planned_state: Value,
    /// Null for a resource without an identity, or when none can be told.
    pub planned_identity: Value,
    pub requires_replace: Vec<AttributePath>,
    pub private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

impl<P: Provider> Engine<P> {
    pub async fn plan(
        &self,
        entry: &ResourceEntry<P::Client>,
        prior: &Value,
        proposed: &Value,
        config: &Value,
        prior_identity: &Value,
    ) -> PlanOutcome {
        let mut diagnostics = Diagnostics::new();
        let client = self.current_client();
        let ctx = self.context(client.as_deref());
        // A destroy plan: nothing for the resource to decide, only to say.
        if proposed.is_null() {
            if !prior.is_null() {
                entry
                    .resource
                    .plan_destroy(&ctx, prior, &mut diagnostics)
                    .await;
            }
            return PlanOutcome {
                planned_state: Value::Null,
                planned_identity: Value::Null,
                requires_replace: Vec::new(),
                private: Vec::new(),
                diagnostics,
            };
        }
        let request = PlanRequest {
            prior,
            proposed,
            config,
        };
        match entry.resource.plan(&ctx, request, &mut diagnostics).await {
            Some(planned) => PlanOutcome {
                planned_identity: known_or_none(Self::identify(
                    entry,
                    &ctx,
                    &planned.state,
                    prior_identity,
                )),
                planned_state: planned.state,
                requires_replace: planned.requires_replace,
                private: planned.private,
                diagnostics,
            },
            None => {
                if !diagnostics.has_errors() {
                    diagnostics.error(
                        "Resource produced no plan",
                        format!(
                            "{} returned no planned state and no error; this is a provider bug.",
                            entry.resource.type_name()
                        ),
                    );
                }
                // Terraform ignores the planned state when there are errors.
                PlanOutcome {
                    planned_state: proposed.clone(),
                    planned_identity: Value::Null,
                    requires_replace: Vec::new(),
                    private: Vec::new(),
                    diagnostics,
                }
            }
        }
    }
}

/// A planned identity goes out only when wholly known: Terraform accepts
/// unknown parts for a create, but then fails to show or save the plan
/// (Terraform 1.16 renders identities as JSON, which has no unknown). The
/// identity of a new object arrives with the apply.
fn known_or_none(identity: Value) -> Value {
    if identity.is_wholly_known() {
        identity
    } else {
        Value::Null
    }
}
