//! The generic Terraform plugin protocol layer. Nothing here imports
//! `crate::provider` or `crate::resources`.

pub mod context;
pub mod convert;
pub mod data_source;
pub mod diag;
pub mod engine;
pub mod function;
pub mod identity;
pub mod list_resource;
pub mod log;
pub mod plugin;
pub mod proto;
pub mod provider;
pub mod schema;
pub mod server;
pub mod stop;
pub mod typed;
pub mod value;
