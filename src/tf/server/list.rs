//! ListResource: the list runs to its end, then its results go out as a
//! stream of events. Diagnostics come first, in an event of their own
//! without an identity: Terraform stops reading at the first error and
//! skips identity-less events once it has seen a warning.

use std::pin::Pin;

use tokio_stream::Stream;

use crate::tf::convert::{diagnostics, dynamic};
use crate::tf::diag::Diagnostics;
use crate::tf::engine::Engine;
use crate::tf::proto::tfplugin6 as pb;
use crate::tf::provider::Provider;

use super::identity;

pub type Events =
    Pin<Box<dyn Stream<Item = Result<pb::list_resource::Event, tonic::Status>> + Send + 'static>>;

pub async fn run<P: Provider>(engine: &Engine<P>, request: pb::list_resource::Request) -> Events {
    let events = match events(engine, request).await {
        Ok(events) => events,
        Err(diags) => vec![diagnostics_event(diags)],
    };
    Box::pin(tokio_stream::iter(events.into_iter().map(Ok)))
}

async fn events<P: Provider>(
    engine: &Engine<P>,
    request: pb::list_resource::Request,
) -> Result<Vec<pb::list_resource::Event>, Diagnostics> {
    let entry = engine.list_resource(&request.type_name)?;
    let resource = engine.listed_resource(entry)?;
    let config = dynamic::decode(
        request.config.as_ref(),
        &entry.value_type,
        "list resource configuration",
    )?;
    let outcome = engine
        .list(
            entry,
            &config,
            request.include_resource_object,
            request.limit,
        )
        .await;
    drop(config);
    let mut diags = outcome.diagnostics;
    if diags.has_errors() {
        return Err(diags);
    }
    let mut results = Vec::with_capacity(outcome.results.len());
    for listed in outcome.results {
        let identity = identity::encode(resource, &listed.identity, &mut diags);
        let resource_object = match &listed.resource {
            Some(state) => match dynamic::encode(state, &resource.value_type, "resource object") {
                Ok(encoded) => Some(encoded),
                Err(more) => {
                    diags.extend(more);
                    None
                }
            },
            None => None,
        };
        results.push(pb::list_resource::Event {
            identity,
            display_name: listed.display_name,
            resource_object,
            diagnostic: Vec::new(),
        });
    }
    if diags.has_errors() {
        return Err(diags);
    }
    let mut events = Vec::with_capacity(results.len() + 1);
    if !diags.is_empty() {
        events.push(diagnostics_event(diags));
    }
    events.extend(results);
    Ok(events)
}

fn diagnostics_event(diags: Diagnostics) -> pb::list_resource::Event {
    pb::list_resource::Event {
        diagnostic: diagnostics::to_proto(diags),
        ..Default::default()
    }
}
