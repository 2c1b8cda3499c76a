//! The generic Terraform plugin protocol layer. Nothing here imports
//! `crate::provider` or `crate::resources`.

pub mod plugin;
pub mod proto;
pub mod value;
