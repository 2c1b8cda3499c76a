//! cty types and their JSON description.
//!
//! The JSON form is the one Terraform uses for attribute types in a schema
//! and for the concrete type travelling with a value at a `dynamic`
//! position: `"string"`, `"number"`, `"bool"`, `"dynamic"`,
//! `["list", T]`, `["set", T]`, `["map", T]`, `["tuple", [T, ...]]`,
//! `["object", {"name": T, ...}]` and, with optional attributes,
//! `["object", {...}, ["name", ...]]`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::Value as Json;

use super::path::write_quoted;
use super::MAX_DEPTH;

/// A cty type.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Type {
    String,
    Number,
    Bool,
    /// cty's `DynamicPseudoType`: any type, decided by the value.
    Dynamic,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Tuple(Vec<Type>),
    Object {
        attributes: BTreeMap<String, Type>,
        /// Attributes that may be omitted in a type *constraint*; values of
        /// the type still have every attribute. Always a subset of
        /// `attributes`' names.
        optional: BTreeSet<String>,
    },
}

/// A type description that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeError {
    pub message: String,
}

impl fmt::Display for TypeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid type description: {}", self.message)
    }
}

impl std::error::Error for TypeError {}

fn type_error(message: impl Into<String>) -> TypeError {
    TypeError {
        message: message.into(),
    }
}

impl Type {
    pub fn list(element: Type) -> Type {
        Type::List(Box::new(element))
    }

    pub fn set(element: Type) -> Type {
        Type::Set(Box::new(element))
    }

    pub fn map(element: Type) -> Type {
        Type::Map(Box::new(element))
    }

    pub fn tuple(elements: impl IntoIterator<Item = Type>) -> Type {
        Type::Tuple(elements.into_iter().collect())
    }

    /// An object type with no optional attributes.
    pub fn object<K: Into<String>>(attributes: impl IntoIterator<Item = (K, Type)>) -> Type {
        Type::Object {
            attributes: attributes.into_iter().map(|(k, t)| (k.into(), t)).collect(),
            optional: BTreeSet::new(),
        }
    }

    /// An object type whose listed attributes are optional. Names that are
    /// not attributes are ignored.
    pub fn object_with_optional<K: Into<String>, O: Into<String>>(
        attributes: impl IntoIterator<Item = (K, Type)>,
        optional: impl IntoIterator<Item = O>,
    ) -> Type {
        let attributes: BTreeMap<String, Type> =
            attributes.into_iter().map(|(k, t)| (k.into(), t)).collect();
        let optional = optional
            .into_iter()
            .map(Into::into)
            .filter(|name| attributes.contains_key(name))
            .collect();
        Type::Object {
            attributes,
            optional,
        }
    }

    pub fn is_primitive(&self) -> bool {
        matches!(self, Type::String | Type::Number | Type::Bool)
    }

    /// List, set or map.
    pub fn is_collection(&self) -> bool {
        matches!(self, Type::List(_) | Type::Set(_) | Type::Map(_))
    }

    pub fn is_dynamic(&self) -> bool {
        matches!(self, Type::Dynamic)
    }

    /// The element type of a list, set or map.
    pub fn element_type(&self) -> Option<&Type> {
        match self {
            Type::List(e) | Type::Set(e) | Type::Map(e) => Some(e),
            _ => None,
        }
    }

    /// The type of an object attribute.
    pub fn attribute_type(&self, name: &str) -> Option<&Type> {
        match self {
            Type::Object { attributes, .. } => attributes.get(name),
            _ => None,
        }
    }

    /// The JSON description of this type, as Terraform expects it in a
    /// schema (compact, object attributes in name order).
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = String::new();
        self.write_json(&mut out);
        out.into_bytes()
    }

    /// [`Type::to_json`] as a string.
    pub fn to_json_string(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut String) {
        match self {
            Type::String => out.push_str("\"string\""),
            Type::Number => out.push_str("\"number\""),
            Type::Bool => out.push_str("\"bool\""),
            Type::Dynamic => out.push_str("\"dynamic\""),
            Type::List(e) | Type::Set(e) | Type::Map(e) => {
                out.push_str(match self {
                    Type::List(_) => "[\"list\",",
                    Type::Set(_) => "[\"set\",",
                    _ => "[\"map\",",
                });
                e.write_json(out);
                out.push(']');
            }
            Type::Tuple(elements) => {
                out.push_str("[\"tuple\",[");
                for (i, e) in elements.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    e.write_json(out);
                }
                out.push_str("]]");
            }
            Type::Object {
                attributes,
                optional,
            } => {
                out.push_str("[\"object\",{");
                for (i, (name, t)) in attributes.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    push_quoted(out, name);
                    out.push(':');
                    t.write_json(out);
                }
                out.push('}');
                if !optional.is_empty() {
                    out.push_str(",[");
                    for (i, name) in optional.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        push_quoted(out, name);
                    }
                    out.push(']');
                }
                out.push(']');
            }
        }
    }

    /// Reads a JSON type description (see the module documentation).
    /// Descriptions nested deeper than [`MAX_DEPTH`] are refused.
    pub fn from_json(bytes: &[u8]) -> Result<Type, TypeError> {
        let json: Json = serde_json::from_slice(bytes)
            .map_err(|e| type_error(format!("not valid JSON ({e})")))?;
        Type::from_json_value(&json)
    }

    pub(crate) fn from_json_value(json: &Json) -> Result<Type, TypeError> {
        from_json_at(json, 0)
    }
}

fn push_quoted(out: &mut String, s: &str) {
    // Writing into a String cannot fail.
    let _ = write_quoted(out, s);
}

fn from_json_at(json: &Json, depth: usize) -> Result<Type, TypeError> {
    if depth > MAX_DEPTH {
        return Err(type_error(format!(
            "nested more than {MAX_DEPTH} levels deep"
        )));
    }
    match json {
        Json::String(name) => match name.as_str() {
            "string" => Ok(Type::String),
            "number" => Ok(Type::Number),
            "bool" => Ok(Type::Bool),
            "dynamic" => Ok(Type::Dynamic),
            other => Err(type_error(format!("unknown primitive type {other:?}"))),
        },
        Json::Array(items) => {
            let Some(Json::String(kind)) = items.first() else {
                return Err(type_error(
                    "a complex type must be an array starting with its kind",
                ));
            };
            let args = &items[1..];
            match kind.as_str() {
                "list" | "set" | "map" => {
                    let [element] = args else {
                        return Err(type_error(format!("{kind} takes exactly one element type")));
                    };
                    let element = Box::new(from_json_at(element, depth + 1)?);
                    Ok(match kind.as_str() {
                        "list" => Type::List(element),
                        "set" => Type::Set(element),
                        _ => Type::Map(element),
                    })
                }
                "tuple" => {
                    let [Json::Array(elements)] = args else {
                        return Err(type_error("tuple takes one array of element types"));
                    };
                    let elements = elements
                        .iter()
                        .map(|e| from_json_at(e, depth + 1))
                        .collect::<Result<Vec<_>, _>>()?;
                    Ok(Type::Tuple(elements))
                }
                "object" => {
                    let (attrs, optional) = match args {
                        [Json::Object(attrs)] => (attrs, None),
                        [Json::Object(attrs), Json::Array(optional)] => (attrs, Some(optional)),
                        _ => {
                            return Err(type_error(
                                "object takes an object of attribute types and optionally an array of optional attribute names",
                            ))
                        }
                    };
                    let mut attributes = BTreeMap::new();
                    for (name, t) in attrs {
                        attributes.insert(name.clone(), from_json_at(t, depth + 1)?);
                    }
                    let mut names = BTreeSet::new();
                    for name in optional.into_iter().flatten() {
                        let Json::String(name) = name else {
                            return Err(type_error("optional attribute names must be strings"));
                        };
                        if !attributes.contains_key(name) {
                            return Err(type_error(format!(
                                "optional attribute {name:?} is not an attribute of the object"
                            )));
                        }
                        names.insert(name.clone());
                    }
                    Ok(Type::Object {
                        attributes,
                        optional: names,
                    })
                }
                other => Err(type_error(format!("unknown type kind {other:?}"))),
            }
        }
        _ => Err(type_error("a type must be a string or an array")),
    }
}

impl fmt::Display for Type {
    /// A short name for messages, in cty's style: `string`, `list of number`,
    /// `object`, `tuple`, `dynamic`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::String => f.write_str("string"),
            Type::Number => f.write_str("number"),
            Type::Bool => f.write_str("bool"),
            Type::Dynamic => f.write_str("dynamic"),
            Type::List(e) => write!(f, "list of {e}"),
            Type::Set(e) => write!(f, "set of {e}"),
            Type::Map(e) => write!(f, "map of {e}"),
            Type::Tuple(_) => f.write_str("tuple"),
            Type::Object { .. } => f.write_str("object"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(t: &Type) -> String {
        String::from_utf8(t.to_json()).unwrap()
    }

    #[test]
    fn json_form_matches_cty() {
        assert_eq!(json(&Type::String), r#""string""#);
        assert_eq!(json(&Type::Number), r#""number""#);
        assert_eq!(json(&Type::Bool), r#""bool""#);
        assert_eq!(json(&Type::Dynamic), r#""dynamic""#);
        assert_eq!(json(&Type::list(Type::String)), r#"["list","string"]"#);
        assert_eq!(json(&Type::set(Type::Number)), r#"["set","number"]"#);
        assert_eq!(json(&Type::map(Type::Bool)), r#"["map","bool"]"#);
        assert_eq!(
            json(&Type::tuple([Type::String, Type::Dynamic])),
            r#"["tuple",["string","dynamic"]]"#
        );
        assert_eq!(json(&Type::Tuple(vec![])), r#"["tuple",[]]"#);
        assert_eq!(
            json(&Type::object([
                ("b", Type::String),
                ("a", Type::list(Type::Number))
            ])),
            r#"["object",{"a":["list","number"],"b":"string"}]"#
        );
        assert_eq!(
            json(&Type::object_with_optional(
                [("x", Type::String), ("y", Type::Bool)],
                ["y", "nope"]
            )),
            r#"["object",{"x":"string","y":"bool"},["y"]]"#
        );
        assert_eq!(json(&Type::object::<&str>([])), r#"["object",{}]"#);
        assert_eq!(
            json(&Type::object([("we\"ird", Type::String)])),
            r#"["object",{"we\"ird":"string"}]"#
        );
    }

    #[test]
    fn json_round_trip() {
        let types = [
            Type::String,
            Type::Number,
            Type::Bool,
            Type::Dynamic,
            Type::list(Type::set(Type::map(Type::String))),
            Type::tuple([Type::Number, Type::object([("n", Type::Dynamic)])]),
            Type::object_with_optional([("a", Type::String), ("b", Type::Number)], ["b"]),
            Type::object::<&str>([]),
        ];
        for t in types {
            assert_eq!(Type::from_json(&t.to_json()).unwrap(), t, "{}", json(&t));
        }
    }

    #[test]
    fn from_json_accepts_whitespace() {
        assert_eq!(
            Type::from_json(br#" [ "map" , [ "list" , "bool" ] ] "#).unwrap(),
            Type::map(Type::list(Type::Bool))
        );
    }

    #[test]
    fn from_json_rejects_bad_descriptions() {
        let bad: &[&[u8]] = &[
            b"",
            b"\"str\"",
            b"42",
            b"[]",
            b"[\"list\"]",
            b"[\"list\",\"string\",\"string\"]",
            b"[\"tuple\",\"string\"]",
            b"[\"object\",[]]",
            b"[\"object\",{},[\"missing\"]]",
            b"[\"object\",{\"a\":\"string\"},[1]]",
            b"[\"object\",{\"a\":\"string\"},[],[]]",
            b"[\"frob\",\"string\"]",
            b"\"string\" x",
            b"[\"list\",\"string\"",
            b"\xff",
        ];
        for input in bad {
            let err = Type::from_json(input).unwrap_err();
            assert!(
                err.to_string().starts_with("invalid type description"),
                "{err}"
            );
        }
    }

    #[test]
    fn from_json_limits_depth() {
        let nest = |n: usize| {
            let mut s = String::new();
            for _ in 0..n {
                s.push_str("[\"list\",");
            }
            s.push_str("\"string\"");
            for _ in 0..n {
                s.push(']');
            }
            s
        };
        assert!(Type::from_json(nest(MAX_DEPTH).as_bytes()).is_ok());
        let err = Type::from_json(nest(MAX_DEPTH + 1).as_bytes()).unwrap_err();
        assert!(err.message.contains("nested"), "{err}");
        // Far deeper than serde_json's own recursion limit: still an error.
        assert!(Type::from_json(nest(100_000).as_bytes()).is_err());
    }

    #[test]
    fn display_names() {
        assert_eq!(
            Type::list(Type::map(Type::String)).to_string(),
            "list of map of string"
        );
        assert_eq!(Type::object([("a", Type::Bool)]).to_string(), "object");
        assert_eq!(Type::Dynamic.to_string(), "dynamic");
    }
}
