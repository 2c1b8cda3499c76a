//! The AWS provider layer.
