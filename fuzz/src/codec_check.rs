//! The property the value codec must keep for any input, shared by the
//! libFuzzer target (`fuzz_targets/value_codec.rs`) and the bounded
//! randomized test in `tests/malformed_input.rs`:
//!
//! - decoding arbitrary bytes, as msgpack or as JSON, at any of a set of
//!   types, never panics and never hangs;
//! - whatever decodes re-encodes, and decodes back to an equal value;
//! - encoding is canonical: the re-encoded bytes encode again identically;
//! - a value read from JSON (which has no unknowns) also survives msgpack.
//!
//! The including crate provides the codec as `crate::value` (the fuzz crate
//! compiles `src/tf/value` as a module; the test imports
//! `planton::tf::value`).

use crate::value::{json, msgpack, Type, Value};

/// The types inputs are decoded at: every kind of type, the shapes of this
/// provider's resource and provider schemas, and nestings of them.
pub fn types() -> Vec<Type> {
    let strings = || Type::map(Type::String);
    let resource = Type::object([
        ("id", Type::String),
        ("secret_names", Type::set(Type::String)),
        ("secret_arn_map", strings()),
        ("read_policy_json", Type::String),
        ("tags_all", strings()),
    ]);
    let provider = Type::object([
        ("region", Type::String),
        ("shared_config_files", Type::list(Type::String)),
        ("skip_credentials_validation", Type::Bool),
        ("max_retries", Type::Number),
        (
            "endpoints",
            Type::object([("secretsmanager", Type::String), ("sts", Type::String)]),
        ),
        ("default_tags", Type::object([("tags", strings())])),
    ]);
    vec![
        Type::String,
        Type::Number,
        Type::Bool,
        Type::Dynamic,
        Type::list(Type::String),
        Type::set(Type::String),
        Type::map(Type::Number),
        Type::set(Type::Number),
        Type::list(Type::Bool),
        Type::tuple([Type::String, Type::Number, Type::Bool]),
        Type::object_with_optional(
            [
                ("a", Type::String),
                ("b", Type::list(Type::Number)),
                ("c", Type::map(Type::Bool)),
            ],
            ["b"],
        ),
        resource.clone(),
        provider,
        Type::list(Type::Dynamic),
        Type::map(Type::Dynamic),
        Type::object([("d", Type::Dynamic), ("n", Type::Number)]),
        Type::set(Type::list(Type::String)),
        Type::list(Type::list(Type::list(Type::String))),
        Type::set(resource),
        Type::tuple([Type::Dynamic, Type::set(Type::Dynamic)]),
    ]
}

/// Checks the codec on one input: its first byte picks the type, the rest
/// is decoded as msgpack and as JSON. Panics if the property breaks.
pub fn check(data: &[u8]) {
    let Some((&selector, payload)) = data.split_first() else {
        return;
    };
    let types = types();
    let ty = &types[usize::from(selector) % types.len()];
    check_as(payload, ty);
}

/// [`check`] at a given type.
pub fn check_as(payload: &[u8], ty: &Type) {
    if let Ok(value) = msgpack::decode(payload, ty) {
        msgpack_round_trip(&value, ty, payload);
    }
    if let Ok(value) = json::decode(payload, ty) {
        json_round_trip(&value, ty, payload);
        // JSON has no unknowns, so the value also has a msgpack form.
        msgpack_round_trip(&value, ty, payload);
    }
}

fn msgpack_round_trip(value: &Value, ty: &Type, input: &[u8]) {
    let bytes = msgpack::encode(value, ty).unwrap_or_else(|e| {
        panic!(
            "decoded {value:?} from {input:02x?} at {ty:?} but cannot re-encode it as msgpack: {e}"
        )
    });
    let back = msgpack::decode(&bytes, ty).unwrap_or_else(|e| {
        panic!("msgpack {bytes:02x?} (re-encoded from {value:?} at {ty:?}) does not decode: {e}")
    });
    assert_eq!(
        back,
        as_encoded(value),
        "msgpack round trip changed the value at {ty:?} (input {input:02x?}, re-encoded {bytes:02x?})"
    );
    let again = msgpack::encode(&back, ty).expect("a value that encoded once encodes again");
    assert_eq!(again, bytes, "msgpack encoding is not canonical at {ty:?}");
}

/// The longest string-prefix refinement msgpack carries (see
/// [`as_encoded`]).
const MAX_PREFIX_LEN: usize = 256;

/// `value` as msgpack encoding leaves it: like cty, the encoder shortens a
/// string-prefix refinement longer than 256 bytes to at most 255, at a
/// character boundary (a shorter prefix of a true prefix is still true),
/// while decoding keeps whatever prefix it is given. Nothing else changes.
fn as_encoded(value: &Value) -> Value {
    match value {
        Value::Unknown(r) => {
            let mut r = r.clone();
            if let Some(prefix) = &mut r.string_prefix {
                if prefix.len() > MAX_PREFIX_LEN {
                    let mut cut = MAX_PREFIX_LEN - 1;
                    while !prefix.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    prefix.truncate(cut);
                }
            }
            Value::Unknown(r)
        }
        Value::List(items) => Value::List(items.iter().map(as_encoded).collect()),
        Value::Set(items) => Value::Set(items.iter().map(as_encoded).collect()),
        Value::Tuple(items) => Value::Tuple(items.iter().map(as_encoded).collect()),
        Value::Map(entries) => Value::Map(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), as_encoded(v)))
                .collect(),
        ),
        Value::Object(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), as_encoded(v)))
                .collect(),
        ),
        Value::Dynamic { ty, value } => Value::Dynamic {
            ty: ty.clone(),
            value: Box::new(as_encoded(value)),
        },
        other => other.clone(),
    }
}

fn json_round_trip(value: &Value, ty: &Type, input: &[u8]) {
    let bytes = json::encode(value, ty).unwrap_or_else(|e| {
        panic!(
            "decoded {value:?} from JSON {:?} at {ty:?} but cannot re-encode it: {e}",
            String::from_utf8_lossy(input)
        )
    });
    let back = json::decode(&bytes, ty).unwrap_or_else(|e| {
        panic!(
            "JSON {:?} (re-encoded from {value:?} at {ty:?}) does not decode: {e}",
            String::from_utf8_lossy(&bytes)
        )
    });
    assert_eq!(
        &back,
        value,
        "JSON round trip changed the value at {ty:?} (input {:?}, re-encoded {:?})",
        String::from_utf8_lossy(input),
        String::from_utf8_lossy(&bytes)
    );
    let again = json::encode(&back, ty).expect("a value that encoded once encodes again");
    assert_eq!(again, bytes, "JSON encoding is not canonical at {ty:?}");
}
