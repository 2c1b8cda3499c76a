//! ValidateListResourceConfig and ListResource.

use crate::tf::diag::Diagnostics;
use crate::tf::list_resource::{ListRequest, Listed};
use crate::tf::provider::Provider;
use crate::tf::value::Value;

use super::{Engine, ListResourceEntry, ResourceEntry};

/// What a list produced, already cut to the limit and checked.
pub struct ListOutcome {
    pub results: Vec<Listed>,
    pub diagnostics: Diagnostics,
}

impl<P: Provider> Engine<P> {
    pub fn validate_list_resource_config(
        &self,
        entry: &ListResourceEntry<P::Client>,
        config: &Value,
    ) -> Diagnostics {
        let mut diags = Diagnostics::new();
        entry.list_resource.validate_config(config, &mut diags);
        diags
    }

    /// The resource whose objects a list resource finds: the one with the
    /// same type name, which must have an identity.
    pub fn listed_resource(
        &self,
        entry: &ListResourceEntry<P::Client>,
    ) -> Result<&ResourceEntry<P::Client>, Diagnostics> {
        let type_name = entry.list_resource.type_name();
        let resource = self.resource(type_name)?;
        if resource.identity.is_some() {
            return Ok(resource);
        }
        let mut diags = Diagnostics::new();
        diags.error(
            format!("List resource {type_name:?} has no resource identity"),
            format!(
                "The resource type {type_name} declares no identity, so its list results could \
                 not be imported. This is a provider bug; report it."
            ),
        );
        Err(diags)
    }

    /// Runs the list. A negative limit counts as zero. Results without a
    /// wholly known identity are provider bugs and become errors.
    pub async fn list(
        &self,
        entry: &ListResourceEntry<P::Client>,
        config: &Value,
        include_resource: bool,
        limit: i64,
    ) -> ListOutcome {
        let mut diagnostics = Diagnostics::new();
        let limit = usize::try_from(limit).unwrap_or(0);
        let client = self.current_client();
        let ctx = self.context(client.as_deref());
        let request = ListRequest {
            config,
            include_resource,
            limit,
        };
        let mut results = entry
            .list_resource
            .list(&ctx, request, &mut diagnostics)
            .await;
        results.truncate(limit);
        if let Some(bad) = results
            .iter()
            .find(|r| r.identity.is_null() || !r.identity.is_wholly_known())
        {
            diagnostics.error(
                "List result without an identity",
                format!(
                    "{} listed {:?} without a wholly known identity, so it could not be \
                     imported. This is a provider bug; report it.",
                    entry.list_resource.type_name(),
                    bad.display_name
                ),
            );
        }
        if !include_resource {
            for result in &mut results {
                result.resource = None;
            }
        }
        ListOutcome {
            results,
            diagnostics,
        }
    }
}
