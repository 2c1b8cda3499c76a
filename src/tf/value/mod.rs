//! The cty value model and its msgpack / JSON codecs.
//!
//! Terraform describes every value it exchanges with a provider in terms of
//! the type system of its `cty` library: a [`Type`] (string, number, bool,
//! collections, structural types and the `dynamic` pseudo-type) and a
//! [`Value`] of that type, which may be null or unknown at any level. This
//! module holds that model and the two wire forms Terraform uses:
//!
//! - [`msgpack`]: every `DynamicValue` Terraform sends over plugin protocol 6
//!   (config, prior and planned state, provider meta). Unknown values, which
//!   JSON cannot carry, travel as msgpack extension values; since Terraform
//!   1.6 they may carry *refinements* ([`Refinements`]): facts known about
//!   the eventual value, such as "not null" or a string prefix.
//! - [`json`]: stored state handed to `UpgradeResourceState`, and the JSON
//!   form of `DynamicValue`.
//!
//! Values are decoded *against* a type: the wire forms do not say which type
//! a value has, except at `dynamic` positions where a concrete type travels
//! with the value ([`Value::Dynamic`]).
//!
//! Decoding never panics. Malformed, truncated, mistyped or hostile input
//! produces a [`DecodeError`] naming the [`AttributePath`] where decoding
//! stopped; nesting deeper than [`MAX_DEPTH`] levels is refused, and no
//! allocation is sized from a length prefix beyond what the input can hold.
//!
//! Numbers are exact ([`Number`]): integers of any size and decimal
//! fractions survive a decode/encode round trip unchanged.

mod encode;
mod error;
pub mod json;
pub mod msgpack;
mod number;
mod path;
mod position;
mod types;
#[allow(clippy::module_inception)]
mod value;

pub use error::{DecodeError, EncodeError};
pub use number::{Number, ParseNumberError};
pub use path::{AttributePath, PathStep};
pub use types::{Type, TypeError};
pub use value::{Refinements, Value};

/// The deepest nesting of collections, structural values and dynamic
/// wrappers the codecs accept (and of type descriptions read from JSON).
/// Terraform schemas come nowhere near it; it exists so hostile input cannot
/// exhaust the stack.
pub const MAX_DEPTH: usize = 64;
