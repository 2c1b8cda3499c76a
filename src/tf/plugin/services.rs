//! The services go-plugin's client calls beside the provider itself:
//! health (its ping), the controller (its shutdown), stdio and the broker
//! (streams it opens on every launch and expects to stay open).

use std::future::Future;
use std::pin::Pin;

use futures::{Stream, StreamExt};
use tonic::service::Routes;
use tonic::{Request, Response, Status, Streaming};
use tonic_health::ServingStatus;

use super::lifecycle::{Reason, Shutdown};
use crate::tf::proto::plugin::grpc_broker_server::{GrpcBroker, GrpcBrokerServer};
use crate::tf::proto::plugin::grpc_controller_server::{GrpcController, GrpcControllerServer};
use crate::tf::proto::plugin::grpc_stdio_server::{GrpcStdio, GrpcStdioServer};
use crate::tf::proto::plugin::{ConnInfo, Empty, StdioData};

/// The service name go-plugin's health check asks about.
pub const HEALTH_SERVICE: &str = "plugin";

/// `provider` plus go-plugin's services, all bound to `shutdown`.
pub async fn with_plugin_services(provider: Routes, shutdown: &Shutdown) -> Routes {
    let (reporter, health) = tonic_health::server::health_reporter();
    reporter
        .set_service_status(HEALTH_SERVICE, ServingStatus::Serving)
        .await;
    let on_shutdown = shutdown.clone();
    tokio::spawn(async move {
        on_shutdown.wait().await;
        reporter
            .set_service_status(HEALTH_SERVICE, ServingStatus::NotServing)
            .await;
    });
    provider
        .add_service(health)
        .add_service(GrpcControllerServer::new(Controller {
            shutdown: shutdown.clone(),
        }))
        .add_service(GrpcStdioServer::new(Stdio {
            shutdown: shutdown.clone(),
        }))
        .add_service(GrpcBrokerServer::new(Broker {
            shutdown: shutdown.clone(),
        }))
}

type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

/// A response stream that sends nothing and ends when `end` completes.
fn silent_until<T: Send + 'static>(end: impl Future<Output = ()> + Send + 'static) -> BoxStream<T> {
    Box::pin(futures::stream::once(end).filter_map(|()| async { None }))
}

/// Shutdown ends the process: the server stops taking calls, in-flight ones
/// get a short grace, then `run` returns.
struct Controller {
    shutdown: Shutdown,
}

#[tonic::async_trait]
impl GrpcController for Controller {
    async fn shutdown(&self, _request: Request<Empty>) -> Result<Response<Empty>, Status> {
        self.shutdown.trigger(Reason::Controller);
        Ok(Response::new(Empty {}))
    }
}

/// go-plugin forwards a plugin's stdout/stderr through this stream. We log
/// straight to stderr and print nothing to stdout, so it only stays open,
/// silent, until shutdown (its end tells the host we are going).
struct Stdio {
    shutdown: Shutdown,
}

#[tonic::async_trait]
impl GrpcStdio for Stdio {
    type StreamStdioStream = BoxStream<StdioData>;

    async fn stream_stdio(
        &self,
        _request: Request<()>,
    ) -> Result<Response<Self::StreamStdioStream>, Status> {
        let shutdown = self.shutdown.clone();
        Ok(Response::new(silent_until(async move {
            shutdown.wait().await;
        })))
    }
}

/// The broker lets a plugin ask the host for extra connections; this
/// provider never does. The host opens the stream anyway, so: read and drop
/// whatever it sends, send nothing, end at shutdown or when the host hangs up.
struct Broker {
    shutdown: Shutdown,
}

#[tonic::async_trait]
impl GrpcBroker for Broker {
    type StartStreamStream = BoxStream<ConnInfo>;

    async fn start_stream(
        &self,
        request: Request<Streaming<ConnInfo>>,
    ) -> Result<Response<Self::StartStreamStream>, Status> {
        let mut inbound = request.into_inner();
        let shutdown = self.shutdown.clone();
        let drain = async move {
            loop {
                tokio::select! {
                    message = inbound.message() => match message {
                        Ok(Some(info)) => tracing::debug!(
                            service_id = info.service_id,
                            "ignoring a go-plugin broker message; this provider brokers no connections"
                        ),
                        Ok(None) | Err(_) => return,
                    },
                    _ = shutdown.wait() => return,
                }
            }
        };
        Ok(Response::new(silent_until(drain)))
    }
}
