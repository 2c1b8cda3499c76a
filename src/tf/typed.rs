//! Typed reads of a decoded object: the step from a schema-shaped [`Value`]
//! to a provider's or resource's own model.
//!
//! Values not yet known (plan time) are reported as `None` and remembered,
//! so a caller can tell "absent" from "not known yet" with [`ObjectReader::saw_unknown`].

use std::cell::Cell;
use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use crate::tf::diag::Diagnostics;
use crate::tf::value::{AttributePath, Value};

/// Reads the attributes of one object value, adding a diagnostic with the
/// attribute's path for any value of the wrong shape.
pub struct ObjectReader<'a> {
    value: &'a Value,
    path: Option<AttributePath>,
    saw_unknown: &'a Cell<bool>,
}

impl<'a> ObjectReader<'a> {
    /// A reader over a top-level object; `unknown_flag` collects whether any
    /// value read through it (or its nested readers) was unknown.
    pub fn new(value: &'a Value, unknown_flag: &'a Cell<bool>) -> Self {
        if value.is_unknown() {
            unknown_flag.set(true);
        }
        Self {
            value,
            path: None,
            saw_unknown: unknown_flag,
        }
    }

    pub fn saw_unknown(&self) -> bool {
        self.saw_unknown.get()
    }

    pub fn path(&self, name: &str) -> AttributePath {
        match &self.path {
            Some(path) => path.clone().attribute(name),
            None => AttributePath::root(name),
        }
    }

    /// The attribute's value when it is known and not null.
    fn known(&self, name: &str) -> Option<&'a Value> {
        let value = self.value.get_attribute(name)?;
        if value.is_unknown() {
            self.saw_unknown.set(true);
            return None;
        }
        (!value.is_null()).then_some(value)
    }

    /// A nested single block or object attribute.
    pub fn object(&self, name: &str) -> ObjectReader<'a> {
        static NULL: Value = Value::Null;
        let value = self.value.get_attribute(name).unwrap_or(&NULL);
        if value.is_unknown() {
            self.saw_unknown.set(true);
        }
        ObjectReader {
            value,
            path: Some(self.path(name)),
            saw_unknown: self.saw_unknown,
        }
    }

    /// The elements of a list nested block (or list of objects), each with
    /// its index in the path. Absent, null or unknown gives none (an unknown
    /// one is remembered).
    pub fn blocks(&self, name: &str) -> Vec<ObjectReader<'a>> {
        let Some(value) = self.known(name) else {
            return Vec::new();
        };
        let path = self.path(name);
        value
            .as_elements()
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(index, element)| {
                if element.is_unknown() {
                    self.saw_unknown.set(true);
                }
                ObjectReader {
                    value: element,
                    path: Some(path.clone().index(index as i64)),
                    saw_unknown: self.saw_unknown,
                }
            })
            .collect()
    }

    pub fn string(&self, name: &str, diags: &mut Diagnostics) -> Option<String> {
        let value = self.known(name)?;
        match value.as_str() {
            Some(s) => Some(s.to_owned()),
            None => {
                diags.error_at(self.path(name), "Expected a string", wrong_shape(name));
                None
            }
        }
    }

    pub fn bool(&self, name: &str, diags: &mut Diagnostics) -> Option<bool> {
        let value = self.known(name)?;
        match value.as_bool() {
            Some(b) => Some(b),
            None => {
                diags.error_at(self.path(name), "Expected a bool", wrong_shape(name));
                None
            }
        }
    }

    /// A whole number within `range`; anything else is an error naming the range.
    pub fn integer(
        &self,
        name: &str,
        range: RangeInclusive<i64>,
        diags: &mut Diagnostics,
    ) -> Option<i64> {
        let value = self.known(name)?;
        let number = value.as_number();
        match number.and_then(|n| n.as_i64()) {
            Some(n) if range.contains(&n) => Some(n),
            _ => {
                let shown = number
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "a non-number".into());
                diags.error_at(
                    self.path(name),
                    format!("Invalid {name}"),
                    format!(
                        "{name} must be a whole number from {} to {}, but it is {shown}.",
                        range.start(),
                        range.end()
                    ),
                );
                None
            }
        }
    }

    /// A list or set of strings; unknown or null elements are skipped (and
    /// an unknown one is remembered).
    pub fn strings(&self, name: &str, diags: &mut Diagnostics) -> Option<Vec<String>> {
        let value = self.known(name)?;
        let Some(elements) = value.as_elements() else {
            diags.error_at(
                self.path(name),
                "Expected a collection of strings",
                wrong_shape(name),
            );
            return None;
        };
        let mut out = Vec::with_capacity(elements.len());
        for element in elements {
            if element.is_unknown() {
                self.saw_unknown.set(true);
            } else if let Some(s) = element.as_str() {
                out.push(s.to_owned());
            }
        }
        Some(out)
    }

    /// A map of strings; unknown values are remembered and skipped.
    pub fn string_map(
        &self,
        name: &str,
        diags: &mut Diagnostics,
    ) -> Option<BTreeMap<String, String>> {
        let value = self.known(name)?;
        let Some(entries) = value.as_map() else {
            diags.error_at(
                self.path(name),
                "Expected a map of strings",
                wrong_shape(name),
            );
            return None;
        };
        let mut out = BTreeMap::new();
        for (key, element) in entries {
            if element.is_unknown() {
                self.saw_unknown.set(true);
            } else if let Some(s) = element.as_str() {
                out.insert(key.clone(), s.to_owned());
            }
        }
        Some(out)
    }
}

fn wrong_shape(name: &str) -> String {
    format!(
        "The value of {name} does not have the type the schema declares. This is a bug: \
         Terraform checks types before the provider sees them."
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tf::value::Number;

    fn object(pairs: Vec<(&str, Value)>) -> Value {
        Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }

    #[test]
    fn reads_known_values_and_flags_unknown_ones() {
        let value = object(vec![
            ("region", Value::String("eu-west-1".into())),
            ("window", Value::Number(Number::from_i64(7))),
            ("later", Value::unknown()),
            (
                "nested",
                object(vec![("url", Value::String("http://x".into()))]),
            ),
        ]);
        let flag = Cell::new(false);
        let reader = ObjectReader::new(&value, &flag);
        let mut diags = Diagnostics::new();
        assert_eq!(
            reader.string("region", &mut diags).as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(reader.integer("window", 7..=30, &mut diags), Some(7));
        assert_eq!(
            reader.object("nested").string("url", &mut diags).as_deref(),
            Some("http://x")
        );
        assert!(!reader.saw_unknown());
        assert_eq!(reader.string("later", &mut diags), None);
        assert!(reader.saw_unknown());
        assert!(diags.is_empty());
    }

    #[test]
    fn out_of_range_integer_names_the_range_and_path() {
        let value = object(vec![("window", Value::Number(Number::from_i64(3)))]);
        let flag = Cell::new(false);
        let reader = ObjectReader::new(&value, &flag);
        let mut diags = Diagnostics::new();
        assert_eq!(reader.integer("window", 7..=30, &mut diags), None);
        let diag = diags.iter().next().unwrap();
        assert!(diag.detail.contains("from 7 to 30"), "{}", diag.detail);
        assert!(diag.detail.contains('3'));
        assert_eq!(diag.path, Some(AttributePath::root("window")));
    }

    #[test]
    fn list_blocks_carry_their_index_in_the_path() {
        let value = object(vec![(
            "rule",
            Value::List(vec![
                object(vec![("arn", Value::String("a".into()))]),
                object(vec![("arn", Value::unknown())]),
            ]),
        )]);
        let flag = Cell::new(false);
        let reader = ObjectReader::new(&value, &flag);
        let mut diags = Diagnostics::new();
        let blocks = reader.blocks("rule");
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].string("arn", &mut diags).as_deref(), Some("a"));
        assert_eq!(
            blocks[1].path("arn"),
            AttributePath::root("rule").index(1).attribute("arn")
        );
        assert!(!reader.saw_unknown());
        assert_eq!(blocks[1].string("arn", &mut diags), None);
        assert!(reader.saw_unknown());
        assert!(reader.blocks("missing").is_empty());
    }

    #[test]
    fn fractional_number_is_rejected() {
        let value = object(vec![("n", Value::Number(Number::from_f64(7.5)))]);
        let flag = Cell::new(false);
        let mut diags = Diagnostics::new();
        assert_eq!(
            ObjectReader::new(&value, &flag).integer("n", 0..=10, &mut diags),
            None
        );
        assert!(diags.has_errors());
    }
}
