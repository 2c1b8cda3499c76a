//! One module per data source type.

pub mod aws_secrets;
