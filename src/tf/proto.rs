//! Generated protobuf and gRPC code. These types stay inside `tf`: the
//! conversion layer turns them into the engine's own types.

#![allow(missing_docs, clippy::all, clippy::pedantic)]

/// Terraform plugin protocol 6.
pub mod tfplugin6 {
    tonic::include_proto!("tfplugin6");
}

/// go-plugin's transport services (controller, stdio, broker).
pub mod plugin {
    tonic::include_proto!("plugin");
}
