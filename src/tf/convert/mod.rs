//! The one boundary where protobuf messages become engine types and back.
//! Nothing outside `convert` and `server` touches `tf::proto`.

pub mod diagnostics;
pub mod dynamic;
pub mod function;
pub mod schema;
