//! Generates the gRPC code for Terraform's plugin protocol and go-plugin's
//! transport services with a pure-Rust protobuf compiler, so a fresh machine
//! needs no system `protoc`.

const PROTOS: &[&str] = &[
    "proto/tfplugin6.proto",
    "proto/plugin/grpc_controller.proto",
    "proto/plugin/grpc_stdio.proto",
    "proto/plugin/grpc_broker.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for proto in PROTOS {
        println!("cargo:rerun-if-changed={proto}");
    }
    let descriptors = protox::compile(PROTOS, ["proto"])?;
    tonic_prost_build::configure()
        .build_server(true)
        // The client side serves the handshake and protocol tests.
        .build_client(true)
        .compile_fds(descriptors)?;
    Ok(())
}
