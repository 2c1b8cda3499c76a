//! The walk both encoders share. It checks every value against the type it
//! must be written as, keeps the attribute path that errors name and the
//! nesting depth that [`MAX_DEPTH`](super::MAX_DEPTH) bounds, and leaves the
//! bytes to a [`Format`]: msgpack and JSON differ only in how they spell
//! what the walk meets.

use super::error::EncodeError;
use super::number::Number;
use super::path::PathStep;
use super::position::Position;
use super::types::Type;
use super::value::{Refinements, Value};

/// How one wire form writes each part of a value. A method that can fail
/// returns the message; the walk adds the path.
pub(super) trait Format {
    /// Null, at any type.
    fn null(&mut self);
    /// An unknown value of type `ty`, refined as far as the form allows.
    fn unknown(&mut self, refinements: &Refinements, ty: &Type) -> Result<(), String>;
    fn bool(&mut self, b: bool);
    fn number(&mut self, n: &Number) -> Result<(), String>;
    fn string(&mut self, s: &str) -> Result<(), String>;
    /// Opens the value at a `dynamic` position, whose concrete type is `ty`.
    fn begin_dynamic(&mut self, ty: &Type) -> Result<(), String>;
    fn end_dynamic(&mut self, ty: &Type);
    /// Opens a list, set or tuple of `len` elements; [`Format::element`]
    /// comes before each element.
    fn begin_sequence(&mut self, len: usize) -> Result<(), String>;
    fn element(&mut self, index: usize);
    fn end_sequence(&mut self);
    /// Opens a map or object of `len` entries; [`Format::key`] comes before
    /// each entry's value.
    fn begin_map(&mut self, len: usize) -> Result<(), String>;
    fn key(&mut self, index: usize, key: &str) -> Result<(), String>;
    fn end_map(&mut self);
}

/// Writes `value` as type `ty` through `format`.
pub(super) fn encode(
    format: &mut impl Format,
    value: &Value,
    ty: &Type,
) -> Result<(), EncodeError> {
    Walk {
        format,
        at: Position::default(),
    }
    .value(value, ty)
}

struct Walk<'f, F> {
    format: &'f mut F,
    at: Position,
}

impl<F: Format> Walk<'_, F> {
    /// Adds the current path to a format's failure.
    fn check(&self, written: Result<(), String>) -> Result<(), EncodeError> {
        written.map_err(|message| self.at.error(message))
    }

    fn value(&mut self, value: &Value, ty: &Type) -> Result<(), EncodeError> {
        match value {
            Value::Unknown(refinements) => {
                let written = self.format.unknown(refinements, ty);
                return self.check(written);
            }
            Value::Null => {
                self.format.null();
                return Ok(());
            }
            _ => {}
        }
        if let Type::Dynamic = ty {
            let Value::Dynamic {
                ty: concrete,
                value,
            } = value
            else {
                return Err(self.at.error(format!(
                    "a {} at a dynamic position needs its concrete type (Value::Dynamic)",
                    value.kind()
                )));
            };
            let opened = self.format.begin_dynamic(concrete);
            self.check(opened)?;
            self.nested(value, concrete)?;
            self.format.end_dynamic(concrete);
            return Ok(());
        }
        match (value, ty) {
            (
                Value::Dynamic {
                    ty: concrete,
                    value,
                },
                _,
            ) if **concrete == *ty => self.nested(value, ty),
            (Value::String(s), Type::String) => {
                let written = self.format.string(s);
                self.check(written)
            }
            (Value::Number(n), Type::Number) => {
                let written = self.format.number(n);
                self.check(written)
            }
            (Value::Bool(b), Type::Bool) => {
                self.format.bool(*b);
                Ok(())
            }
            (
                Value::List(vs) | Value::Set(vs) | Value::Tuple(vs),
                Type::List(element) | Type::Set(element),
            ) => self.sequence(vs, |_| element),
            (Value::List(vs) | Value::Set(vs) | Value::Tuple(vs), Type::Tuple(types)) => {
                if vs.len() != types.len() {
                    return Err(self.at.error(format!(
                        "a tuple of {} elements is required, but the value has {}",
                        types.len(),
                        vs.len()
                    )));
                }
                self.sequence(vs, |i| &types[i])
            }
            (Value::Map(entries) | Value::Object(entries), Type::Map(element)) => {
                let entries = entries.iter().map(|(key, v)| (key, v, &**element));
                self.map(entries.len(), entries, PathStep::Key)
            }
            (Value::Map(entries) | Value::Object(entries), Type::Object { attributes, .. }) => {
                if let Some(extra) = entries.keys().find(|k| !attributes.contains_key(*k)) {
                    self.at.path.push(PathStep::Attribute(extra.clone()));
                    return Err(self.at.error(
                        "unsupported attribute: the object type has no attribute of this name",
                    ));
                }
                // Every attribute of the type, missing ones as null.
                let entries = attributes.iter().map(|(name, attribute_type)| {
                    (
                        name,
                        entries.get(name).unwrap_or(&Value::Null),
                        attribute_type,
                    )
                });
                self.map(attributes.len(), entries, PathStep::Attribute)
            }
            (Value::Dynamic { ty: concrete, .. }, _) => Err(self.at.error(format!(
                "a value of type {concrete} cannot stand where {ty} is required"
            ))),
            (value, ty) => Err(self
                .at
                .error(format!("a {} cannot be encoded as {ty}", value.kind()))),
        }
    }

    /// One level deeper, for the value inside a dynamic wrapper.
    fn nested(&mut self, value: &Value, ty: &Type) -> Result<(), EncodeError> {
        self.at.enter()?;
        self.value(value, ty)?;
        self.at.leave();
        Ok(())
    }

    fn sequence<'t>(
        &mut self,
        values: &[Value],
        type_of: impl Fn(usize) -> &'t Type,
    ) -> Result<(), EncodeError> {
        let opened = self.format.begin_sequence(values.len());
        self.check(opened)?;
        self.at.enter()?;
        for (i, v) in values.iter().enumerate() {
            self.format.element(i);
            self.at.path.push(PathStep::Index(i as i64));
            self.value(v, type_of(i))?;
            self.at.path.pop();
        }
        self.at.leave();
        self.format.end_sequence();
        Ok(())
    }

    /// `len` entries of (key, value, type); `step` names a key in a path.
    fn map<'v>(
        &mut self,
        len: usize,
        entries: impl Iterator<Item = (&'v String, &'v Value, &'v Type)>,
        step: fn(String) -> PathStep,
    ) -> Result<(), EncodeError> {
        let opened = self.format.begin_map(len);
        self.check(opened)?;
        self.at.enter()?;
        for (i, (key, v, ty)) in entries.enumerate() {
            self.at.path.push(step(key.clone()));
            let written = self.format.key(i, key);
            self.check(written)?;
            self.value(v, ty)?;
            self.at.path.pop();
        }
        self.at.leave();
        self.format.end_map();
        Ok(())
    }
}
