//! One module per provider function.

pub mod read_policy_json;
