//! The AWS provider layer.

pub mod aws;
