//! Answers for protocol features this provider does not offer: always a
//! clear diagnostic, never an unimplemented error or a hang.

use std::pin::Pin;

use tokio_stream::Stream;

use crate::tf::convert::diagnostics;
use crate::tf::diag::Diagnostics;
use crate::tf::proto::tfplugin6 as pb;

/// A server stream that yields one message and ends.
pub type OneShot<T> = Pin<Box<dyn Stream<Item = Result<T, tonic::Status>> + Send + 'static>>;

pub fn one_shot<T: Send + 'static>(message: T) -> OneShot<T> {
    Box::pin(tokio_stream::once(Ok(message)))
}

/// "This provider has no <kind> named <name>", and what it does offer
/// (`offerings`, one sentence from the engine's registries).
pub fn no_kind(
    provider: &str,
    offerings: &str,
    kind: &str,
    type_name: &str,
) -> Vec<pb::Diagnostic> {
    let mut diags = Diagnostics::new();
    diags.error(
        format!("Unsupported {kind} {type_name:?}"),
        format!(
            "The {provider} provider offers no {kind}s, so there is no {kind} named \
             {type_name:?}. Remove it from the configuration; the provider offers {offerings}."
        ),
    );
    diagnostics::to_proto(diags)
}

pub fn no_move(provider: &str, source: &str, target: &str) -> Vec<pb::Diagnostic> {
    let mut diags = Diagnostics::new();
    diags.error(
        "Moving state between resource types is not supported",
        format!(
            "The {provider} provider cannot move {source:?} state into {target:?}. Remove the \
             old resource from state (terraform state rm) and import its objects into the new \
             one instead (terraform import)."
        ),
    );
    diagnostics::to_proto(diags)
}
