//! One module per resource type.
