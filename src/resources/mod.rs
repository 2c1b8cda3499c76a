//! One module per resource type.

pub mod aws_secrets;
