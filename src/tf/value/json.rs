//! The JSON form of values, as cty writes it: Terraform's stored state (the
//! `raw_state` of `UpgradeResourceState`) and the JSON variant of
//! `DynamicValue`.
//!
//! - null is `null` at any type; JSON has no form for unknown values, so
//!   encoding one is an error.
//! - Strings, numbers and bools are JSON scalars. Numbers are written as
//!   exact decimals. Reading follows cty's leniency: a number may also be a
//!   string holding one, a bool may be `"true"`/`"false"`/`"1"`/`"0"`, and a
//!   string may be given as a JSON number (its literal text) or bool.
//! - Lists, sets and tuples are arrays; maps and objects are objects.
//!   Reading an object refuses attributes the type does not have and fills
//!   in missing ones as null.
//! - At a `dynamic` position a typed value is `{"value": ..., "type": ...}`
//!   with the type's JSON description; plain `null` is an untyped null.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value as Json;

use super::encode::{self, Format};
use super::error::{DecodeError, EncodeError};
use super::number::Number;
use super::path::{write_quoted, PathStep};
use super::position::Position;
use super::types::Type;
use super::value::{Refinements, Value};

/// Decodes a JSON document as one value of type `ty`.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    let json: Json = serde_json::from_slice(bytes)
        .map_err(|e| DecodeError::new(Default::default(), format!("not valid JSON: {e}")))?;
    let mut decoder = Decoder {
        at: Position::default(),
    };
    decoder.value(&json, ty)
}

/// Encodes `value` as type `ty`. Fails on unknown values, which JSON cannot
/// represent, and on infinite numbers.
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, EncodeError> {
    let mut format = JsonFormat::default();
    encode::encode(&mut format, value, ty)?;
    Ok(format.out.into_bytes())
}

fn describe(json: &Json) -> &'static str {
    match json {
        Json::Null => "null",
        Json::Bool(_) => "a bool",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

struct Decoder {
    at: Position,
}

impl Decoder {
    fn error(&self, message: impl Into<String>) -> DecodeError {
        self.at.error(message)
    }

    fn required(&self, what: &str, found: &Json) -> DecodeError {
        self.error(format!("{what} is required, but found {}", describe(found)))
    }

    fn enter(&mut self) -> Result<(), DecodeError> {
        self.at.enter()
    }

    fn leave(&mut self) {
        self.at.leave();
    }

    fn value(&mut self, json: &Json, ty: &Type) -> Result<Value, DecodeError> {
        if json.is_null() {
            return Ok(Value::Null);
        }
        match ty {
            Type::Dynamic => self.dynamic(json),
            Type::String => match json {
                Json::String(s) => Ok(Value::String(s.clone())),
                Json::Number(n) => Ok(Value::String(n.to_string())),
                Json::Bool(b) => Ok(Value::String(b.to_string())),
                other => Err(self.required("a string", other)),
            },
            Type::Number => {
                let text = match json {
                    Json::Number(n) => n.to_string(),
                    Json::String(s) => s.clone(),
                    other => return Err(self.required("a number", other)),
                };
                match Number::parse(&text) {
                    // A string may spell an infinity, which JSON cannot
                    // write back: refusing it here keeps every decoded
                    // value encodable.
                    Ok(n) if n.is_infinite() => Err(self.error(format!(
                        "a finite number is required, but found {text:?}; JSON cannot hold \
                         infinities"
                    ))),
                    Ok(n) => Ok(Value::Number(n)),
                    Err(e) => Err(self.error(format!("a number is required: {e}"))),
                }
            }
            Type::Bool => match json {
                Json::Bool(b) => Ok(Value::Bool(*b)),
                Json::String(s) => match s.as_str() {
                    "true" | "1" => Ok(Value::Bool(true)),
                    "false" | "0" => Ok(Value::Bool(false)),
                    _ => Err(self.error(format!("a bool is required, but found the string {s:?}"))),
                },
                other => Err(self.required("a bool", other)),
            },
            Type::List(element) | Type::Set(element) => {
                let Json::Array(items) = json else {
                    let what = if matches!(ty, Type::List(_)) {
                        "a list"
                    } else {
                        "a set"
                    };
                    return Err(self.required(what, json));
                };
                let elements = self.elements(items, |_| element)?;
                Ok(match ty {
                    Type::List(_) => Value::List(elements),
                    _ => Value::Set(elements),
                })
            }
            Type::Tuple(types) => {
                let Json::Array(items) = json else {
                    return Err(self.required("a tuple", json));
                };
                if items.len() != types.len() {
                    return Err(self.error(format!(
                        "a tuple of {} elements is required, but found {} elements",
                        types.len(),
                        items.len()
                    )));
                }
                Ok(Value::Tuple(self.elements(items, |i| &types[i])?))
            }
            Type::Map(element) => {
                let Json::Object(entries) = json else {
                    return Err(self.required("a map", json));
                };
                self.enter()?;
                let mut out = BTreeMap::new();
                for (key, item) in entries {
                    self.at.path.push(PathStep::Key(key.clone()));
                    out.insert(key.clone(), self.value(item, element)?);
                    self.at.path.pop();
                }
                self.leave();
                Ok(Value::Map(out))
            }
            Type::Object { attributes, .. } => {
                let Json::Object(entries) = json else {
                    return Err(self.required("an object", json));
                };
                self.enter()?;
                let mut out = BTreeMap::new();
                for (name, item) in entries {
                    self.at.path.push(PathStep::Attribute(name.clone()));
                    let Some(attribute_type) = attributes.get(name) else {
                        return Err(self.error(
                            "unsupported attribute: the object type has no attribute of this name",
                        ));
                    };
                    out.insert(name.clone(), self.value(item, attribute_type)?);
                    self.at.path.pop();
                }
                self.leave();
                for name in attributes.keys() {
                    if !out.contains_key(name) {
                        out.insert(name.clone(), Value::Null);
                    }
                }
                Ok(Value::Object(out))
            }
        }
    }

    fn elements<'t>(
        &mut self,
        items: &[Json],
        type_of: impl Fn(usize) -> &'t Type,
    ) -> Result<Vec<Value>, DecodeError> {
        self.enter()?;
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            self.at.path.push(PathStep::Index(i as i64));
            out.push(self.value(item, type_of(i))?);
            self.at.path.pop();
        }
        self.leave();
        Ok(out)
    }

    fn dynamic(&mut self, json: &Json) -> Result<Value, DecodeError> {
        let Json::Object(fields) = json else {
            return Err(self.required("a dynamic value ({\"value\": ..., \"type\": ...})", json));
        };
        if let Some(other) = fields.keys().find(|k| *k != "value" && *k != "type") {
            return Err(self.error(format!("invalid key {other:?} in a dynamic value")));
        }
        let Some(description) = fields.get("type") else {
            return Err(self.error("a dynamic value is missing its \"type\""));
        };
        let Some(value) = fields.get("value") else {
            return Err(self.error("a dynamic value is missing its \"value\""));
        };
        let ty = Type::from_json_value(description)
            .map_err(|e| self.error(format!("in a dynamic value: {e}")))?;
        self.enter()?;
        let value = self.value(value, &ty)?;
        self.leave();
        Ok(Value::dynamic(ty, value))
    }
}

/// JSON's spelling of a value, for the shared walk.
#[derive(Default)]
struct JsonFormat {
    out: String,
}

impl JsonFormat {
    fn quoted(&mut self, s: &str) {
        // Writing into a String cannot fail.
        let _ = write_quoted(&mut self.out, s);
    }

    /// The comma before every item but the first.
    fn separate(&mut self, index: usize) {
        if index > 0 {
            self.out.push(',');
        }
    }
}

impl Format for JsonFormat {
    fn null(&mut self) {
        self.out.push_str("null");
    }

    fn unknown(&mut self, _: &Refinements, _: &Type) -> Result<(), String> {
        Err("the value is not known yet, and JSON cannot represent unknown values".into())
    }

    fn bool(&mut self, b: bool) {
        self.out.push_str(if b { "true" } else { "false" });
    }

    fn number(&mut self, n: &Number) -> Result<(), String> {
        if n.is_nan() || n.is_infinite() {
            return Err(format!("{n} cannot be represented in JSON"));
        }
        let _ = write!(self.out, "{n}");
        Ok(())
    }

    fn string(&mut self, s: &str) -> Result<(), String> {
        self.quoted(s);
        Ok(())
    }

    fn begin_dynamic(&mut self, _: &Type) -> Result<(), String> {
        self.out.push_str("{\"value\":");
        Ok(())
    }

    fn end_dynamic(&mut self, ty: &Type) {
        self.out.push_str(",\"type\":");
        self.out.push_str(&ty.to_json_string());
        self.out.push('}');
    }

    fn begin_sequence(&mut self, _: usize) -> Result<(), String> {
        self.out.push('[');
        Ok(())
    }

    fn element(&mut self, index: usize) {
        self.separate(index);
    }

    fn end_sequence(&mut self) {
        self.out.push(']');
    }

    fn begin_map(&mut self, _: usize) -> Result<(), String> {
        self.out.push('{');
        Ok(())
    }

    fn key(&mut self, index: usize, key: &str) -> Result<(), String> {
        self.separate(index);
        self.quoted(key);
        self.out.push(':');
        Ok(())
    }

    fn end_map(&mut self) {
        self.out.push('}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tf::value::{AttributePath, Refinements, MAX_DEPTH};

    fn num(s: &str) -> Number {
        Number::parse(s).unwrap()
    }

    fn text(value: &Value, ty: &Type) -> String {
        String::from_utf8(encode(value, ty).unwrap()).unwrap()
    }

    fn round_trip(value: &Value, ty: &Type, expected: &str) {
        let json = text(value, ty);
        assert_eq!(json, expected);
        assert_eq!(
            &decode(json.as_bytes(), ty).unwrap(),
            value,
            "decode of {json}"
        );
    }

    #[test]
    fn infinities_spelled_as_strings_are_refused() {
        for spelled in [r#""Inf""#, r#""-inf""#, r#""+Inf""#] {
            let error = decode(spelled.as_bytes(), &Type::Number).unwrap_err();
            assert!(error.to_string().contains("finite"), "{spelled}: {error}");
        }
        assert_eq!(
            decode(br#""1.5""#, &Type::Number).unwrap(),
            Value::Number(num("1.5"))
        );
    }

    #[test]
    fn scalars() {
        round_trip(
            &Value::from("hello \"you\"\n"),
            &Type::String,
            r#""hello \"you\"\n""#,
        );
        round_trip(&Value::Null, &Type::String, "null");
        round_trip(&Value::from(true), &Type::Bool, "true");
        round_trip(&Value::from(-7i64), &Type::Number, "-7");
        round_trip(&Value::number(num("0.1")), &Type::Number, "0.1");
        round_trip(&Value::number(1.5), &Type::Number, "1.5");
        round_trip(
            &Value::number(num("18446744073709551617")),
            &Type::Number,
            "18446744073709551617",
        );
        round_trip(&Value::number(num("1e400")), &Type::Number, "1e400");
        round_trip(
            &Value::number(0.1),
            &Type::Number,
            "0.1000000000000000055511151231257827021181583404541015625",
        );
    }

    #[test]
    fn lenient_scalar_forms_cty_accepts() {
        let d = |json: &str, ty: &Type| decode(json.as_bytes(), ty).unwrap();
        assert_eq!(d(r#""12.50""#, &Type::Number), Value::number(num("12.5")));
        assert_eq!(d("1.0", &Type::Number), Value::from(1i64));
        assert_eq!(
            d("123456789012345678901234567890", &Type::Number),
            Value::number(num("123456789012345678901234567890"))
        );
        assert_eq!(d(r#""true""#, &Type::Bool), Value::from(true));
        assert_eq!(d(r#""0""#, &Type::Bool), Value::from(false));
        assert_eq!(d("1.50", &Type::String), Value::from("1.50"));
        assert_eq!(d("false", &Type::String), Value::from("false"));
        assert!(decode(br#""True""#, &Type::Bool).is_err());
        assert!(decode(br#""x""#, &Type::Number).is_err());
    }

    #[test]
    fn collections_objects_and_dynamic() {
        let ty = Type::object([
            ("names", Type::set(Type::String)),
            ("arns", Type::map(Type::String)),
            ("pair", Type::tuple([Type::Number, Type::Bool])),
            ("any", Type::Dynamic),
            ("none", Type::Dynamic),
        ]);
        let value = Value::object([
            ("names", Value::set([Value::from("b"), Value::from("a")])),
            (
                "arns",
                Value::map([("a", Value::from("arn:a")), ("b", Value::Null)]),
            ),
            (
                "pair",
                Value::tuple([Value::from(1i64), Value::from(false)]),
            ),
            (
                "any",
                Value::dynamic(
                    Type::list(Type::object([("x", Type::String)])),
                    Value::list([Value::object([("x", Value::from("y"))])]),
                ),
            ),
            ("none", Value::Null),
        ]);
        round_trip(
            &value,
            &ty,
            r#"{"any":{"value":[{"x":"y"}],"type":["list",["object",{"x":"string"}]]},"arns":{"a":"arn:a","b":null},"names":["b","a"],"none":null,"pair":[1,false]}"#,
        );
        round_trip(
            &Value::dynamic(Type::String, Value::Null),
            &Type::Dynamic,
            r#"{"value":null,"type":"string"}"#,
        );
        // Missing attributes are null; key order does not matter.
        assert_eq!(
            decode(br#"{"pair":[2,true],"names":[]}"#, &ty).unwrap(),
            Value::object([
                ("names", Value::set([])),
                ("arns", Value::Null),
                ("pair", Value::tuple([Value::from(2i64), Value::from(true)])),
                ("any", Value::Null),
                ("none", Value::Null),
            ])
        );
        // "type" may come first.
        assert_eq!(
            decode(br#"{"type":"number","value":"5"}"#, &Type::Dynamic).unwrap(),
            Value::dynamic(Type::Number, Value::from(5i64))
        );
    }

    fn expect_error(input: &str, ty: &Type, path: AttributePath, needle: &str) {
        let err = decode(input.as_bytes(), ty).unwrap_err();
        assert_eq!(err.path, path, "path of error for {input}: {err}");
        assert!(err.message.contains(needle), "message for {input}: {err}");
    }

    #[test]
    fn decode_errors_carry_paths() {
        let ty = Type::object([
            ("tags", Type::map(Type::list(Type::Number))),
            ("t", Type::tuple([Type::String])),
            ("d", Type::Dynamic),
        ]);
        expect_error(
            r#"{"tags":{"k":[1,"x"]}}"#,
            &ty,
            AttributePath::root("tags").key("k").index(1),
            "a number is required",
        );
        expect_error(
            r#"{"tags":{"k":{}}}"#,
            &ty,
            AttributePath::root("tags").key("k"),
            "a list is required, but found an object",
        );
        expect_error(
            r#"{"zzz":1}"#,
            &ty,
            AttributePath::root("zzz"),
            "unsupported attribute",
        );
        expect_error(
            r#"{"t":[]}"#,
            &ty,
            AttributePath::root("t"),
            "a tuple of 1 elements",
        );
        expect_error(
            r#"{"d":"x"}"#,
            &ty,
            AttributePath::root("d"),
            "dynamic value",
        );
        expect_error(
            r#"{"d":{"value":1}}"#,
            &ty,
            AttributePath::root("d"),
            "missing its \"type\"",
        );
        expect_error(
            r#"{"d":{"type":"bool"}}"#,
            &ty,
            AttributePath::root("d"),
            "missing its \"value\"",
        );
        expect_error(
            r#"{"d":{"type":"bool","value":true,"x":1}}"#,
            &ty,
            AttributePath::root("d"),
            "invalid key",
        );
        expect_error(
            r#"{"d":{"type":"boo","value":true}}"#,
            &ty,
            AttributePath::root("d"),
            "invalid type description",
        );
        expect_error(
            r#"{"d":{"type":"bool","value":7}}"#,
            &ty,
            AttributePath::root("d"),
            "a bool is required",
        );
        expect_error("[]", &ty, AttributePath::new(), "an object is required");
        expect_error(r#"{"t":["a"]"#, &ty, AttributePath::new(), "not valid JSON");
        expect_error(
            r#"{"t":["a"]} x"#,
            &ty,
            AttributePath::new(),
            "not valid JSON",
        );
        let err = decode(b"\"\xff\"", &Type::String).unwrap_err();
        assert!(err.message.contains("not valid JSON"), "{err}");
    }

    #[test]
    fn encode_errors() {
        let ty = Type::object([("n", Type::Number), ("l", Type::list(Type::String))]);
        let err = encode(
            &Value::object([("l", Value::list([Value::from("a"), Value::unknown()]))]),
            &ty,
        )
        .unwrap_err();
        assert_eq!(err.path, AttributePath::root("l").index(1));
        assert!(err.message.contains("not known"), "{err}");
        let err = encode(&Value::refined(Refinements::not_null()), &Type::String).unwrap_err();
        assert!(err.path.is_empty());
        let err = encode(&Value::object([("n", Value::number(f64::INFINITY))]), &ty).unwrap_err();
        assert_eq!(err.path, AttributePath::root("n"));
        assert!(encode(&Value::number(f64::NAN), &Type::Number).is_err());
        let err = encode(&Value::object([("x", Value::Null)]), &ty).unwrap_err();
        assert_eq!(err.path, AttributePath::root("x"));
        assert!(encode(&Value::from("s"), &Type::Dynamic).is_err());
    }

    #[test]
    fn depth_is_limited() {
        let nested_type = |levels: usize| (0..levels).fold(Type::Bool, |t, _| Type::list(t));
        let nested_json =
            |levels: usize| format!("{}true{}", "[".repeat(levels), "]".repeat(levels));
        assert!(decode(nested_json(MAX_DEPTH).as_bytes(), &nested_type(MAX_DEPTH)).is_ok());
        let err = decode(
            nested_json(MAX_DEPTH + 1).as_bytes(),
            &nested_type(MAX_DEPTH + 1),
        )
        .unwrap_err();
        assert!(err.message.contains("nested"), "{err}");
        // Deeper than the JSON parser's own limit: an error, not a crash.
        assert!(decode(nested_json(100_000).as_bytes(), &Type::Dynamic).is_err());
    }

    #[test]
    fn truncations_and_random_input_never_panic() {
        let ty = Type::object([
            ("names", Type::set(Type::String)),
            ("n", Type::Number),
            ("d", Type::Dynamic),
        ]);
        let valid = br#"{"names":["a","b"],"n":1.5,"d":{"value":{"k":[1,2]},"type":["map",["list","number"]]}}"#;
        assert!(decode(valid, &ty).is_ok());
        for len in 0..valid.len() {
            assert!(
                decode(&valid[..len], &ty).is_err(),
                "prefix of {len} bytes decoded"
            );
        }
        let mut state: u64 = 0x0dd_ba11_cafe_f00d;
        let alphabet = br#"{}[]",:0123456789.eE+-truefalsnl abc\"#;
        for _ in 0..5_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 40) as usize;
            let input: Vec<u8> = (0..len)
                .map(|i| alphabet[((state >> (i % 50)) as usize + i * 7) % alphabet.len()])
                .collect();
            for t in [
                &ty,
                &Type::Dynamic,
                &Type::Number,
                &Type::list(Type::String),
            ] {
                let _ = decode(&input, t);
            }
        }
    }
}
