//! The msgpack form of values, as Terraform and cty write it.
//!
//! - Null is msgpack nil at any type.
//! - An unknown value is a msgpack extension value. cty writes a value
//!   about which nothing is known as extension type 0 with a single zero
//!   byte (`d4 00 00`). A refined unknown (Terraform 1.6+) is extension type
//!   12 whose payload is a msgpack map with small integer keys: 1 nullness
//!   (bool; `false` = definitely not null), 2 string prefix (string), 3 / 4
//!   number lower / upper bound (`[number, inclusive bool]`), 5 / 6
//!   collection length lower / upper bound (integer). Decoding treats every
//!   other extension, and any extension whose payload is at most one byte,
//!   as a plain unknown; unknown refinement keys are skipped, as are
//!   refinements that do not apply to the type.
//! - Strings are msgpack strings (binary is accepted too).
//! - Numbers: integers in the i64 range as msgpack integers in their most
//!   compact form, other values a float64 holds exactly as float64, and
//!   everything else as a decimal string. All integer widths, float32 and
//!   strings are accepted.
//! - Lists, sets and tuples are arrays; maps and objects are maps keyed by
//!   element key or attribute name, in name order.
//! - At a `dynamic` position a known (or null-but-typed) value is a
//!   two-element array: the type's JSON description as msgpack binary,
//!   then the value encoded at that type. A null of no particular type is
//!   nil and an unknown is the extension value, unwrapped.
//!
//! Decoding an object refuses attributes the type does not have and fills
//! in missing ones as null.

use std::collections::BTreeMap;

use super::encode::{self, Format};
use super::error::{DecodeError, EncodeError};
use super::number::{Number, WireNumber};
use super::path::PathStep;
use super::position::Position;
use super::types::Type;
use super::value::{Refinements, Value};

/// The extension type cty uses for an unknown value with refinements.
const EXT_REFINED_UNKNOWN: i8 = 12;

/// cty's encoding of an unknown value with no refinements.
const PLAIN_UNKNOWN: [u8; 3] = [0xd4, 0x00, 0x00];

/// String prefixes longer than this are shortened when encoded, as cty does
/// to keep refinement payloads small.
const MAX_PREFIX_LEN: usize = 256;

/// Decodes `bytes` as one value of type `ty`. Trailing bytes are an error.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    let mut decoder = Decoder::new(bytes, Position::default());
    let value = decoder.value(ty)?;
    if decoder.reader.remaining() > 0 {
        return Err(decoder.error(format!(
            "{} unexpected bytes after the end of the value",
            decoder.reader.remaining()
        )));
    }
    Ok(value)
}

/// Encodes `value` as type `ty`, byte for byte as cty would.
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, EncodeError> {
    let mut writer = Writer::default();
    encode::encode(&mut writer, value, ty)?;
    Ok(writer.out)
}

// ---------------------------------------------------------------------------
// Reading

/// The head of one msgpack item: its kind and, for scalars, its content;
/// for strings, binary and extensions the length of the body that follows.
enum Head {
    Nil,
    Bool(bool),
    Int(i64),
    UInt(u64),
    F32(f32),
    F64(f64),
    Str(usize),
    Bin(usize),
    Array(usize),
    Map(usize),
    Ext { code: i8, len: usize },
    Reserved(u8),
}

impl Head {
    fn describe(&self) -> String {
        match self {
            Head::Nil => "nil".into(),
            Head::Bool(_) => "a bool".into(),
            Head::Int(_) | Head::UInt(_) => "an integer".into(),
            Head::F32(_) | Head::F64(_) => "a float".into(),
            Head::Str(_) => "a string".into(),
            Head::Bin(_) => "binary data".into(),
            Head::Array(n) => format!("an array of {n} elements"),
            Head::Map(n) => format!("a map of {n} entries"),
            Head::Ext { .. } => "an extension value".into(),
            Head::Reserved(b) => format!("the invalid msgpack byte 0x{b:02x}"),
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.remaining() {
            return None;
        }
        let slice = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Some(slice)
    }

    fn byte(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    /// A big-endian unsigned integer of `n` (at most 8) bytes.
    fn uint(&mut self, n: usize) -> Option<u64> {
        Some(
            self.take(n)?
                .iter()
                .fold(0u64, |acc, b| acc << 8 | u64::from(*b)),
        )
    }

    fn len(&mut self, n: usize) -> Option<usize> {
        self.uint(n).and_then(|v| usize::try_from(v).ok())
    }

    /// Reads the head of the next item; `None` when the input ends first.
    fn head(&mut self) -> Option<Head> {
        let b = self.byte()?;
        Some(match b {
            0x00..=0x7f => Head::Int(i64::from(b)),
            0x80..=0x8f => Head::Map(usize::from(b & 0x0f)),
            0x90..=0x9f => Head::Array(usize::from(b & 0x0f)),
            0xa0..=0xbf => Head::Str(usize::from(b & 0x1f)),
            0xc0 => Head::Nil,
            0xc1 => Head::Reserved(b),
            0xc2 => Head::Bool(false),
            0xc3 => Head::Bool(true),
            0xc4 => Head::Bin(self.len(1)?),
            0xc5 => Head::Bin(self.len(2)?),
            0xc6 => Head::Bin(self.len(4)?),
            0xc7..=0xc9 => {
                let len = self.len(1 << (b - 0xc7))?;
                let code = self.byte()? as i8;
                Head::Ext { code, len }
            }
            0xca => Head::F32(f32::from_bits(self.uint(4)? as u32)),
            0xcb => Head::F64(f64::from_bits(self.uint(8)?)),
            0xcc..=0xcf => Head::UInt(self.uint(1 << (b - 0xcc))?),
            0xd0 => Head::Int(i64::from(self.uint(1)? as u8 as i8)),
            0xd1 => Head::Int(i64::from(self.uint(2)? as u16 as i16)),
            0xd2 => Head::Int(i64::from(self.uint(4)? as u32 as i32)),
            0xd3 => Head::Int(self.uint(8)? as i64),
            0xd4..=0xd8 => {
                let code = self.byte()? as i8;
                Head::Ext {
                    code,
                    len: 1 << (b - 0xd4),
                }
            }
            0xd9 => Head::Str(self.len(1)?),
            0xda => Head::Str(self.len(2)?),
            0xdb => Head::Str(self.len(4)?),
            0xdc => Head::Array(self.len(2)?),
            0xdd => Head::Array(self.len(4)?),
            0xde => Head::Map(self.len(2)?),
            0xdf => Head::Map(self.len(4)?),
            0xe0..=0xff => Head::Int(i64::from(b as i8)),
        })
    }
}

struct Decoder<'a> {
    reader: Reader<'a>,
    /// Where the item being decoded stands.
    at: Position,
}

impl<'a> Decoder<'a> {
    fn new(bytes: &'a [u8], at: Position) -> Self {
        Decoder {
            reader: Reader { bytes, pos: 0 },
            at,
        }
    }

    fn error(&self, message: impl Into<String>) -> DecodeError {
        self.at.error(message)
    }

    fn truncated(&self) -> DecodeError {
        self.error("the input ends in the middle of a value")
    }

    fn required(&self, what: &str, found: &Head) -> DecodeError {
        self.error(format!(
            "{what} is required, but found {}",
            found.describe()
        ))
    }

    fn head(&mut self) -> Result<Head, DecodeError> {
        self.reader.head().ok_or_else(|| self.truncated())
    }

    fn body(&mut self, len: usize) -> Result<&'a [u8], DecodeError> {
        self.reader.take(len).ok_or_else(|| self.truncated())
    }

    fn text(&mut self, len: usize, what: &str) -> Result<String, DecodeError> {
        let bytes = self.body(len)?;
        match std::str::from_utf8(bytes) {
            Ok(s) => Ok(s.to_owned()),
            Err(e) => Err(self.error(format!("{what} is not valid UTF-8 ({e})"))),
        }
    }

    /// Room for at most `n` elements, each of which needs at least a byte.
    fn capacity(&self, n: usize) -> usize {
        n.min(self.reader.remaining())
    }

    fn enter(&mut self) -> Result<(), DecodeError> {
        self.at.enter()
    }

    fn leave(&mut self) {
        self.at.leave();
    }

    fn value(&mut self, ty: &Type) -> Result<Value, DecodeError> {
        let head = self.head()?;
        match head {
            Head::Ext { code, len } => {
                let body = self.body(len)?;
                return self.unknown(code, body, ty);
            }
            Head::Nil => return Ok(Value::Null),
            _ => {}
        }
        match ty {
            Type::Dynamic => self.dynamic(head),
            Type::String => match head {
                Head::Str(n) | Head::Bin(n) => Ok(Value::String(self.text(n, "the string")?)),
                other => Err(self.required("a string", &other)),
            },
            Type::Number => Ok(Value::Number(self.number(head)?)),
            Type::Bool => match head {
                Head::Bool(b) => Ok(Value::Bool(b)),
                other => Err(self.required("a bool", &other)),
            },
            Type::List(element) | Type::Set(element) => {
                let Head::Array(n) = head else {
                    let what = if matches!(ty, Type::List(_)) {
                        "a list"
                    } else {
                        "a set"
                    };
                    return Err(self.required(what, &head));
                };
                let elements = self.elements(n, |_| element)?;
                Ok(match ty {
                    Type::List(_) => Value::List(elements),
                    _ => Value::Set(elements),
                })
            }
            Type::Tuple(types) => {
                let Head::Array(n) = head else {
                    return Err(self.required("a tuple", &head));
                };
                if n != types.len() {
                    return Err(self.error(format!(
                        "a tuple of {} elements is required, but found {n} elements",
                        types.len()
                    )));
                }
                Ok(Value::Tuple(self.elements(n, |i| &types[i])?))
            }
            Type::Map(element) => {
                let Head::Map(n) = head else {
                    return Err(self.required("a map", &head));
                };
                Ok(Value::Map(self.entries(
                    n,
                    |_| Some(element),
                    PathStep::Key,
                )?))
            }
            Type::Object { attributes, .. } => {
                let Head::Map(n) = head else {
                    return Err(self.required("an object", &head));
                };
                let mut values =
                    self.entries(n, |name| attributes.get(name), PathStep::Attribute)?;
                for name in attributes.keys() {
                    if !values.contains_key(name) {
                        values.insert(name.clone(), Value::Null);
                    }
                }
                Ok(Value::Object(values))
            }
        }
    }

    fn elements<'t>(
        &mut self,
        n: usize,
        type_of: impl Fn(usize) -> &'t Type,
    ) -> Result<Vec<Value>, DecodeError> {
        self.enter()?;
        let mut out = Vec::with_capacity(self.capacity(n));
        for i in 0..n {
            self.at.path.push(PathStep::Index(i as i64));
            out.push(self.value(type_of(i))?);
            self.at.path.pop();
        }
        self.leave();
        Ok(out)
    }

    /// The entries of a map or object; `type_of` gives the type of each
    /// key's value (`None`: not an attribute of the object).
    fn entries<'t>(
        &mut self,
        n: usize,
        type_of: impl Fn(&str) -> Option<&'t Type>,
        step: fn(String) -> PathStep,
    ) -> Result<BTreeMap<String, Value>, DecodeError> {
        self.enter()?;
        let mut out = BTreeMap::new();
        for _ in 0..n {
            let key = match self.head()? {
                Head::Str(len) | Head::Bin(len) => self.text(len, "a key")?,
                other => {
                    return Err(self.error(format!(
                        "keys must be strings, but found {}",
                        other.describe()
                    )))
                }
            };
            self.at.path.push(step(key.clone()));
            if out.contains_key(&key) {
                return Err(self.error("this key appears more than once"));
            }
            let Some(ty) = type_of(&key) else {
                return Err(self.error(
                    "unsupported attribute: the object type has no attribute of this name",
                ));
            };
            let value = self.value(ty)?;
            self.at.path.pop();
            out.insert(key, value);
        }
        self.leave();
        Ok(out)
    }

    fn dynamic(&mut self, head: Head) -> Result<Value, DecodeError> {
        let Head::Array(n) = head else {
            return Err(self.required("a dynamic value ([type, value] array)", &head));
        };
        if n != 2 {
            return Err(self.error(format!(
                "a dynamic value must be an array of two elements (type and value), but found {n} elements"
            )));
        }
        self.enter()?;
        let ty = match self.head()? {
            Head::Str(len) | Head::Bin(len) => {
                let description = self.body(len)?;
                Type::from_json(description)
                    .map_err(|e| self.error(format!("in a dynamic value: {e}")))?
            }
            other => {
                return Err(self.error(format!(
                    "the type of a dynamic value must be its JSON description, but found {}",
                    other.describe()
                )))
            }
        };
        let value = self.value(&ty)?;
        self.leave();
        Ok(Value::dynamic(ty, value))
    }

    fn number(&mut self, head: Head) -> Result<Number, DecodeError> {
        let float = |this: &Self, f: f64| {
            if f.is_nan() {
                Err(this.error("a number is required, but found a float NaN"))
            } else {
                Ok(Number::from_f64(f))
            }
        };
        match head {
            Head::Int(i) => Ok(Number::from_i64(i)),
            Head::UInt(u) => Ok(Number::from_u64(u)),
            Head::F32(f) => float(self, f64::from(f)),
            Head::F64(f) => float(self, f),
            Head::Str(len) | Head::Bin(len) => {
                let text = self.text(len, "the number")?;
                Number::parse(&text).map_err(|e| self.error(format!("a number is required: {e}")))
            }
            other => Err(self.required("a number", &other)),
        }
    }

    /// An unknown value from an extension item.
    fn unknown(&mut self, code: i8, body: &'a [u8], ty: &Type) -> Result<Value, DecodeError> {
        // cty: a payload of at most one byte never carries refinements, and
        // refinements of a dynamic value are ignored. Other extension types
        // are treated as unknown too, whatever their payload.
        if body.len() <= 1 || code != EXT_REFINED_UNKNOWN || ty.is_dynamic() {
            return Ok(Value::unknown());
        }
        let mut payload = Decoder::new(body, self.at.clone());
        payload.refinements(ty).map_err(|e| {
            DecodeError::new(
                e.path,
                format!("invalid refinements of an unknown value: {}", e.message),
            )
        })
    }

    /// The refinement map of an extension 12 payload (bytes after the map
    /// are ignored, as cty does).
    fn refinements(&mut self, ty: &Type) -> Result<Value, DecodeError> {
        let n = match self.head()? {
            Head::Map(n) => n,
            other => return Err(self.required("a map", &other)),
        };
        let mut refinements = Refinements::default();
        let mut null = false;
        for _ in 0..n {
            let key = match self.head()? {
                Head::Int(i) => i,
                Head::UInt(u) => i64::try_from(u).unwrap_or(i64::MAX),
                other => {
                    return Err(self.error(format!(
                        "keys must be integers, but found {}",
                        other.describe()
                    )))
                }
            };
            match key {
                1 => match self.head()? {
                    Head::Bool(true) => null = true,
                    Head::Bool(false) => refinements.not_null = true,
                    other => return Err(self.required("a bool for nullness", &other)),
                },
                2 if *ty == Type::String => match self.head()? {
                    Head::Str(len) | Head::Bin(len) => {
                        let prefix = self.text(len, "the string prefix")?;
                        refinements.string_prefix = (!prefix.is_empty()).then_some(prefix);
                    }
                    other => return Err(self.required("a string prefix", &other)),
                },
                3 | 4 if *ty == Type::Number => {
                    match self.head()? {
                        Head::Array(2) => {}
                        other => return Err(self.required("a [number, bool] bound", &other)),
                    }
                    let head = self.head()?;
                    let bound = self.number(head)?;
                    let inclusive = match self.head()? {
                        Head::Bool(b) => b,
                        other => {
                            return Err(self
                                .required("a bool saying whether the bound is inclusive", &other))
                        }
                    };
                    let slot = if key == 3 {
                        &mut refinements.number_lower
                    } else {
                        &mut refinements.number_upper
                    };
                    *slot = Some((bound, inclusive));
                }
                5 | 6 if ty.is_collection() => {
                    let bound = match self.head()? {
                        Head::Int(i) if i >= 0 => i as u64,
                        Head::UInt(u) => u,
                        other => {
                            return Err(self.required("a non-negative integer length bound", &other))
                        }
                    };
                    if key == 5 {
                        refinements.length_lower = Some(bound);
                    } else {
                        refinements.length_upper = Some(bound);
                    }
                }
                // A refinement for another type, or one this decoder does not
                // know: skip its value.
                _ => self.skip()?,
            }
        }
        if null {
            // Definitely null: that is the one null value.
            return Ok(Value::Null);
        }
        Ok(Value::Unknown(Box::new(refinements)))
    }

    /// Skips one item of any kind, without recursion.
    fn skip(&mut self) -> Result<(), DecodeError> {
        let mut pending: u64 = 1;
        while pending > 0 {
            pending -= 1;
            match self.head()? {
                Head::Str(n) | Head::Bin(n) | Head::Ext { len: n, .. } => {
                    self.body(n)?;
                }
                Head::Array(n) => pending = pending.saturating_add(n as u64),
                Head::Map(n) => pending = pending.saturating_add(2 * n as u64),
                _ => {}
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Writing

/// msgpack's spelling of a value, for the shared walk. Failures are
/// messages; the walk adds the path.
#[derive(Default)]
struct Writer {
    out: Vec<u8>,
}

impl Writer {
    fn put(&mut self, marker: u8, n: u64, width: usize) {
        self.out.push(marker);
        self.out.extend_from_slice(&n.to_be_bytes()[8 - width..]);
    }

    fn nil(&mut self) {
        self.out.push(0xc0);
    }

    fn uint(&mut self, n: u64) {
        match n {
            0..=0x7f => self.out.push(n as u8),
            0x80..=0xff => self.put(0xcc, n, 1),
            0x100..=0xffff => self.put(0xcd, n, 2),
            0x1_0000..=0xffff_ffff => self.put(0xce, n, 4),
            _ => self.put(0xcf, n, 8),
        }
    }

    fn int(&mut self, n: i64) {
        if n >= 0 {
            return self.uint(n as u64);
        }
        match n {
            -32..=-1 => self.out.push(n as u8),
            -128..=-33 => self.put(0xd0, n as u64, 1),
            -32_768..=-129 => self.put(0xd1, n as u64, 2),
            -2_147_483_648..=-32_769 => self.put(0xd2, n as u64, 4),
            _ => self.put(0xd3, n as u64, 8),
        }
    }

    fn f64(&mut self, f: f64) {
        self.put(0xcb, f.to_bits(), 8);
    }

    /// A length for a string, binary, array or map header.
    fn length(&self, n: usize) -> Result<u64, String> {
        u32::try_from(n)
            .map(u64::from)
            .map_err(|_| "too long for msgpack (more than 2^32 - 1)".to_owned())
    }

    fn str(&mut self, s: &str) -> Result<(), String> {
        let n = self.length(s.len())?;
        match n {
            0..=31 => self.out.push(0xa0 | n as u8),
            32..=0xff => self.put(0xd9, n, 1),
            0x100..=0xffff => self.put(0xda, n, 2),
            _ => self.put(0xdb, n, 4),
        }
        self.out.extend_from_slice(s.as_bytes());
        Ok(())
    }

    fn bin(&mut self, b: &[u8]) -> Result<(), String> {
        let n = self.length(b.len())?;
        match n {
            0..=0xff => self.put(0xc4, n, 1),
            0x100..=0xffff => self.put(0xc5, n, 2),
            _ => self.put(0xc6, n, 4),
        }
        self.out.extend_from_slice(b);
        Ok(())
    }

    fn array_len(&mut self, n: usize) -> Result<(), String> {
        let n = self.length(n)?;
        match n {
            0..=15 => self.out.push(0x90 | n as u8),
            16..=0xffff => self.put(0xdc, n, 2),
            _ => self.put(0xdd, n, 4),
        }
        Ok(())
    }

    fn map_len(&mut self, n: usize) -> Result<(), String> {
        let n = self.length(n)?;
        match n {
            0..=15 => self.out.push(0x80 | n as u8),
            16..=0xffff => self.put(0xde, n, 2),
            _ => self.put(0xdf, n, 4),
        }
        Ok(())
    }

    fn ext_header(&mut self, code: i8, len: usize) -> Result<(), String> {
        let n = self.length(len)?;
        match n {
            1 => self.out.push(0xd4),
            2 => self.out.push(0xd5),
            4 => self.out.push(0xd6),
            8 => self.out.push(0xd7),
            16 => self.out.push(0xd8),
            0..=0xff => self.put(0xc7, n, 1),
            0x100..=0xffff => self.put(0xc8, n, 2),
            _ => self.put(0xc9, n, 4),
        }
        self.out.push(code as u8);
        Ok(())
    }
}

impl Format for Writer {
    fn null(&mut self) {
        self.nil();
    }

    fn unknown(&mut self, refinements: &Refinements, ty: &Type) -> Result<(), String> {
        if ty.is_dynamic() {
            self.out.extend_from_slice(&PLAIN_UNKNOWN);
            return Ok(());
        }
        let mut payload = Writer::default();
        let mut count = 0;
        if refinements.not_null {
            payload.uint(1);
            payload.bool(false);
            count += 1;
        }
        match ty {
            Type::String => {
                let prefix = refinements
                    .string_prefix
                    .as_deref()
                    .map(shortened_prefix)
                    .unwrap_or("");
                if !prefix.is_empty() {
                    payload.uint(2);
                    payload.str(prefix)?;
                    count += 1;
                }
            }
            Type::Number => {
                // An infinite bound says nothing; cty leaves it out.
                if let Some((bound, inclusive)) = &refinements.number_lower {
                    let says_nothing = bound.is_infinite() && bound.is_negative();
                    if !says_nothing {
                        payload.uint(3);
                        payload.array_len(2)?;
                        payload.number(bound)?;
                        payload.bool(*inclusive);
                        count += 1;
                    }
                }
                if let Some((bound, inclusive)) = &refinements.number_upper {
                    let says_nothing = bound.is_infinite() && !bound.is_negative();
                    if !says_nothing {
                        payload.uint(4);
                        payload.array_len(2)?;
                        payload.number(bound)?;
                        payload.bool(*inclusive);
                        count += 1;
                    }
                }
            }
            Type::List(_) | Type::Set(_) | Type::Map(_) => {
                if let Some(lower) = refinements.length_lower.filter(|l| *l > 0) {
                    payload.uint(5);
                    payload.uint(lower);
                    count += 1;
                }
                if let Some(upper) = refinements.length_upper {
                    payload.uint(6);
                    payload.uint(upper);
                    count += 1;
                }
            }
            _ => {}
        }
        if count == 0 {
            self.out.extend_from_slice(&PLAIN_UNKNOWN);
            return Ok(());
        }
        let mut header = Writer::default();
        header.map_len(count)?;
        self.ext_header(EXT_REFINED_UNKNOWN, header.out.len() + payload.out.len())?;
        self.out.extend_from_slice(&header.out);
        self.out.extend_from_slice(&payload.out);
        Ok(())
    }

    fn bool(&mut self, b: bool) {
        self.out.push(if b { 0xc3 } else { 0xc2 });
    }

    fn number(&mut self, n: &Number) -> Result<(), String> {
        match n.wire_form() {
            WireNumber::Int(i) => self.int(i),
            WireNumber::Float(f) => self.f64(f),
            WireNumber::Text(s) => self.str(&s)?,
            WireNumber::NaN => return Err("NaN is not a number; it cannot be encoded".into()),
        }
        Ok(())
    }

    fn string(&mut self, s: &str) -> Result<(), String> {
        self.str(s)
    }

    /// A two-element array: the type's JSON description as binary, then
    /// the value.
    fn begin_dynamic(&mut self, ty: &Type) -> Result<(), String> {
        self.array_len(2)?;
        self.bin(&ty.to_json())
    }

    fn end_dynamic(&mut self, _: &Type) {}

    fn begin_sequence(&mut self, len: usize) -> Result<(), String> {
        self.array_len(len)
    }

    fn element(&mut self, _: usize) {}

    fn end_sequence(&mut self) {}

    fn begin_map(&mut self, len: usize) -> Result<(), String> {
        self.map_len(len)
    }

    fn key(&mut self, _: usize, key: &str) -> Result<(), String> {
        self.str(key)
    }

    fn end_map(&mut self) {}
}

/// A string prefix short enough for the wire: cty keeps up to 256 bytes and
/// otherwise cuts to at most 255, at a character boundary. (Any byte prefix
/// of a true prefix is itself true, so the cut never makes the refinement
/// wrong.)
fn shortened_prefix(prefix: &str) -> &str {
    if prefix.len() <= MAX_PREFIX_LEN {
        return prefix;
    }
    let mut cut = MAX_PREFIX_LEN - 1;
    while !prefix.is_char_boundary(cut) {
        cut -= 1;
    }
    &prefix[..cut]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tf::value::{AttributePath, MAX_DEPTH};

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn to_hex(b: &[u8]) -> String {
        b.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn num(s: &str) -> Number {
        Number::parse(s).unwrap()
    }

    fn round_trip(value: &Value, ty: &Type) -> Vec<u8> {
        let bytes = encode(value, ty).unwrap_or_else(|e| panic!("encode {value:?} as {ty}: {e}"));
        let back =
            decode(&bytes, ty).unwrap_or_else(|e| panic!("decode {} as {ty}: {e}", to_hex(&bytes)));
        assert_eq!(&back, value, "round trip through {}", to_hex(&bytes));
        bytes
    }

    /// Expected bytes are cty's own encodings (as listed in the test suites
    /// of go-cty and terraform-plugin-go, or derived from cty's encoder).
    fn exact(value: &Value, ty: &Type, expected_hex: &str) {
        let bytes = round_trip(value, ty);
        assert_eq!(
            to_hex(&bytes),
            to_hex(&hex(expected_hex)),
            "encoding of {value:?} as {ty}"
        );
        assert_eq!(&decode(&hex(expected_hex), ty).unwrap(), value);
    }

    fn greeting() -> Type {
        Type::object([("greeting", Type::String)])
    }

    #[test]
    fn bytes_match_cty_for_primitives() {
        exact(&Value::from("hello"), &Type::String, "a568656c6c6f");
        exact(&Value::from(""), &Type::String, "a0");
        exact(&Value::Null, &Type::String, "c0");
        exact(&Value::unknown(), &Type::String, "d40000");
        exact(&Value::from(true), &Type::Bool, "c3");
        exact(&Value::from(false), &Type::Bool, "c2");
        exact(&Value::unknown(), &Type::Bool, "d40000");
        exact(&Value::from(1i64), &Type::Number, "01");
        exact(&Value::number(1.5), &Type::Number, "cb3ff8000000000000");
        exact(&Value::number(num("0.8")), &Type::Number, "a3302e38");
        exact(
            &Value::number(f64::INFINITY),
            &Type::Number,
            "cb7ff0000000000000",
        );
        exact(
            &Value::number(f64::NEG_INFINITY),
            &Type::Number,
            "cbfff0000000000000",
        );
        let nines = "9".repeat(100);
        exact(
            &Value::number(num(&nines)),
            &Type::Number,
            &format!("d964{}", to_hex(nines.as_bytes())),
        );
    }

    #[test]
    fn bytes_match_cty_for_integers_of_every_width() {
        let cases = [
            ("0", "00"),
            ("127", "7f"),
            ("128", "cc80"),
            ("255", "ccff"),
            ("256", "cd0100"),
            ("65536", "ce00010000"),
            ("4294967296", "cf0000000100000000"),
            ("9223372036854775807", "cf7fffffffffffffff"),
            ("-1", "ff"),
            ("-7", "f9"),
            ("-32", "e0"),
            ("-33", "d0df"),
            ("-129", "d1ff7f"),
            ("-32769", "d2ffff7fff"),
            ("-9223372036854775808", "d38000000000000000"),
            // Beyond i64: decimal text, as cty writes it.
            (
                "9223372036854775808",
                "b3 39323233333732303336383534373735383038",
            ),
            (
                "18446744073709551616",
                "b4 3138343436373434303733373039353531363136",
            ),
            (
                "18446744073709551617",
                "b4 3138343436373434303733373039353531363137",
            ),
        ];
        for (text, expected) in cases {
            exact(&Value::number(num(text)), &Type::Number, expected);
        }
    }

    #[test]
    fn numbers_are_decoded_from_every_msgpack_form() {
        let cases = [
            ("05", "5"),
            ("cc05", "5"),
            ("cd0005", "5"),
            ("ce00000005", "5"),
            ("cf0000000000000005", "5"),
            ("d0fb", "-5"),
            ("d1fffb", "-5"),
            ("d2fffffffb", "-5"),
            ("d3fffffffffffffffb", "-5"),
            ("cfffffffffffffffff", "18446744073709551615"),
            ("ca3fc00000", "1.5"),
            ("ca40a00000", "5"),
            ("cb4014000000000000", "5"),
            ("a3302e31", "0.1"),
            ("c403302e31", "0.1"),
            ("a4312e3030", "1"),
            ("a6316534303030", "1e4000"),
        ];
        for (input, expected) in cases {
            let got = decode(&hex(input), &Type::Number).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(got, Value::number(num(expected)), "{input}");
        }
    }

    #[test]
    fn big_and_fractional_numbers_round_trip_exactly() {
        for text in [
            "18446744073709551617",
            "-18446744073709551617",
            "123456789012345678901234567890.123456789",
            "1e400",
            "-1.5e-400",
            "0.1",
            "-7",
            "0.5",
            "3.14159",
            "1180591620717411303424",
        ] {
            let v = Value::number(num(text));
            let bytes = round_trip(&v, &Type::Number);
            let back = decode(&bytes, &Type::Number).unwrap();
            assert_eq!(back.as_number().unwrap().to_string(), num(text).to_string());
        }
        // 0.1 is not a float64: it travels as text. 0.5 is, and does not.
        assert_eq!(
            encode(&Value::number(num("0.1")), &Type::Number).unwrap(),
            b"\xa30.1"
        );
        assert_eq!(
            to_hex(&encode(&Value::number(num("0.5")), &Type::Number).unwrap()),
            "cb3fe0000000000000"
        );
        // A float64 keeps its binary value.
        round_trip(&Value::number(0.1), &Type::Number);
        // Integral float64s beyond 64 bits go as their exact digits.
        assert_eq!(
            encode(&Value::number(1e20), &Type::Number).unwrap(),
            b"\xb5100000000000000000000"
        );
        assert!(encode(&Value::number(f64::NAN), &Type::Number).is_err());
    }

    #[test]
    fn bytes_match_cty_for_collections_and_objects() {
        let hello = || Value::from("hello");
        exact(
            &Value::list([hello()]),
            &Type::list(Type::String),
            "91a568656c6c6f",
        );
        exact(
            &Value::list([Value::unknown()]),
            &Type::list(Type::String),
            "91d40000",
        );
        exact(
            &Value::list([Value::Null]),
            &Type::list(Type::String),
            "91c0",
        );
        exact(&Value::Null, &Type::list(Type::String), "c0");
        exact(&Value::list([]), &Type::list(Type::String), "90");
        exact(
            &Value::set([hello()]),
            &Type::set(Type::String),
            "91a568656c6c6f",
        );
        exact(&Value::set([]), &Type::set(Type::String), "90");
        exact(
            &Value::map([("greeting", hello())]),
            &Type::map(Type::String),
            "81a86772656574696e67a568656c6c6f",
        );
        exact(
            &Value::map([("greeting", Value::Null)]),
            &Type::map(Type::String),
            "81a86772656574696e67c0",
        );
        exact(&Value::map::<&str>([]), &Type::map(Type::String), "80");
        exact(
            &Value::tuple([hello()]),
            &Type::tuple([Type::String]),
            "91a568656c6c6f",
        );
        exact(&Value::tuple([]), &Type::tuple([]), "90");
        exact(
            &Value::object([("greeting", hello())]),
            &greeting(),
            "81a86772656574696e67a568656c6c6f",
        );
        exact(
            &Value::object([("greeting", Value::unknown())]),
            &greeting(),
            "81a86772656574696e67d40000",
        );
        let ab = Type::object([("a", Type::String), ("b", Type::String)]);
        exact(
            &Value::object([("a", Value::Null), ("b", Value::Null)]),
            &ab,
            "82a161c0a162c0",
        );
        exact(
            &Value::object([("a", Value::unknown()), ("b", Value::unknown())]),
            &ab,
            "82a161d40000a162d40000",
        );
        exact(&Value::object::<&str>([]), &Type::object::<&str>([]), "80");
    }

    #[test]
    fn bytes_match_cty_for_dynamic_values() {
        let s = |t: &str| Value::from(t);
        exact(
            &Value::dynamic(Type::Bool, Value::from(true)),
            &Type::Dynamic,
            "92c40622626f6f6c22c3",
        );
        exact(
            &Value::dynamic(Type::String, s("hello")),
            &Type::Dynamic,
            "92c40822737472696e6722a568656c6c6f",
        );
        exact(
            &Value::dynamic(Type::Number, Value::from(1i64)),
            &Type::Dynamic,
            "92c408226e756d6265722201",
        );
        exact(
            &Value::dynamic(Type::list(Type::String), Value::list([s("hello")])),
            &Type::Dynamic,
            "92c4115b226c697374222c22737472696e67225d91a568656c6c6f",
        );
        exact(
            &Value::dynamic(Type::map(Type::String), Value::map([("hello", s("hello"))])),
            &Type::Dynamic,
            "92c4105b226d6170222c22737472696e67225d81a568656c6c6fa568656c6c6f",
        );
        exact(
            &Value::dynamic(Type::set(Type::String), Value::set([s("hello")])),
            &Type::Dynamic,
            "92c4105b22736574222c22737472696e67225d91a568656c6c6f",
        );
        exact(
            &Value::object([("greeting", Value::dynamic(Type::String, s("hello")))]),
            &Type::object([("greeting", Type::Dynamic)]),
            "81a86772656574696e6792c40822737472696e6722a568656c6c6f",
        );
        exact(
            &Value::list([Value::dynamic(Type::String, s("hello"))]),
            &Type::list(Type::Dynamic),
            "9192c40822737472696e6722a568656c6c6f",
        );
        exact(
            &Value::tuple([
                Value::dynamic(Type::String, s("hello")),
                Value::dynamic(Type::String, s("world")),
            ]),
            &Type::tuple([Type::Dynamic, Type::Dynamic]),
            "9292c40822737472696e6722a568656c6c6f92c40822737472696e6722a5776f726c64",
        );
        // A typed null keeps its type; an untyped one is plain nil.
        exact(
            &Value::dynamic(Type::String, Value::Null),
            &Type::Dynamic,
            "92c40822737472696e6722c0",
        );
        exact(&Value::Null, &Type::Dynamic, "c0");
        exact(
            &Value::object([("a", Value::Null)]),
            &Type::object([("a", Type::Dynamic)]),
            "81a161c0",
        );
        exact(&Value::unknown(), &Type::Dynamic, "d40000");
        exact(
            &Value::list([Value::unknown()]),
            &Type::list(Type::Dynamic),
            "91d40000",
        );
        // Refinements never travel at a dynamic position.
        assert_eq!(
            to_hex(&encode(&Value::unknown_not_null(), &Type::Dynamic).unwrap()),
            "d40000"
        );
        assert_eq!(
            decode(&hex("c7 03 0c 81 01c2"), &Type::Dynamic).unwrap(),
            Value::unknown()
        );
        // The type may also arrive as a msgpack string.
        assert_eq!(
            decode(&hex("92a62262 6f6f6c22c3"), &Type::Dynamic).unwrap(),
            Value::dynamic(Type::Bool, Value::from(true))
        );
        // A typed unknown at a dynamic position survives a round trip.
        round_trip(
            &Value::dynamic(Type::String, Value::unknown_not_null()),
            &Type::Dynamic,
        );
        round_trip(
            &Value::dynamic(
                Type::Dynamic,
                Value::dynamic(Type::Number, Value::from(2i64)),
            ),
            &Type::Dynamic,
        );
    }

    #[test]
    fn refined_unknowns_match_cty() {
        let refined = |r: Refinements| Value::refined(r);
        // not null + prefix "foo-": ext8, 9 bytes, type 12, {1: false, 2: "foo-"}
        exact(
            &refined(Refinements {
                not_null: true,
                string_prefix: Some("foo-".into()),
                ..Default::default()
            }),
            &Type::String,
            "c7 09 0c 82 01c2 02a4666f6f2d",
        );
        exact(
            &refined(Refinements::not_null()),
            &Type::String,
            "c7 03 0c 81 01c2",
        );
        exact(
            &refined(Refinements {
                string_prefix: Some("foo-".into()),
                ..Default::default()
            }),
            &Type::String,
            "c7 07 0c 81 02a4666f6f2d",
        );
        exact(
            &refined(Refinements::not_null()),
            &Type::Bool,
            "c7 03 0c 81 01c2",
        );
        exact(
            &refined(Refinements {
                number_lower: Some((Number::from_i64(0), true)),
                ..Default::default()
            }),
            &Type::Number,
            "c7 05 0c 81 03 92 00 c3",
        );
        exact(
            &refined(Refinements {
                number_upper: Some((Number::from_i64(0), false)),
                ..Default::default()
            }),
            &Type::Number,
            "c7 05 0c 81 04 92 00 c2",
        );
        exact(
            &refined(Refinements {
                not_null: true,
                number_lower: Some((Number::from_i64(0), true)),
                number_upper: Some((Number::from_i64(1), true)),
                ..Default::default()
            }),
            &Type::Number,
            "c7 0b 0c 83 01c2 03 92 00 c3 04 92 01 c3",
        );
        exact(
            &refined(Refinements {
                number_lower: Some((num("0.1"), false)),
                number_upper: Some((num("1e400"), true)),
                ..Default::default()
            }),
            &Type::Number,
            "c7 11 0c 82 03 92 a3302e31 c2 04 92 a53165343030 c3",
        );
        exact(
            &refined(Refinements {
                length_lower: Some(1),
                ..Default::default()
            }),
            &Type::list(Type::String),
            "c7 03 0c 81 05 01",
        );
        exact(
            &refined(Refinements {
                length_upper: Some(1),
                ..Default::default()
            }),
            &Type::set(Type::String),
            "c7 03 0c 81 06 01",
        );
        exact(
            &refined(Refinements {
                not_null: true,
                length_lower: Some(1),
                length_upper: Some(300),
                ..Default::default()
            }),
            &Type::map(Type::String),
            "c7 09 0c 83 01c2 05 01 06 cd012c",
        );
    }

    #[test]
    fn refinements_that_do_not_apply_are_dropped() {
        // Encoding: a prefix on a number, bounds on a string, lengths on an
        // object, a zero lower length bound, infinite number bounds.
        let r = Refinements {
            string_prefix: Some("x".into()),
            number_lower: Some((Number::from_i64(1), true)),
            length_lower: Some(2),
            ..Default::default()
        };
        assert_eq!(
            to_hex(&encode(&Value::refined(r.clone()), &Type::Bool).unwrap()),
            "d40000"
        );
        assert_eq!(
            to_hex(&encode(&Value::refined(r), &Type::String).unwrap()),
            "d60c8102a178"
        );
        let zero_len = Refinements {
            length_lower: Some(0),
            ..Default::default()
        };
        assert_eq!(
            to_hex(&encode(&Value::refined(zero_len), &Type::list(Type::Bool)).unwrap()),
            "d40000"
        );
        let infinite = Refinements {
            number_lower: Some((Number::from_f64(f64::NEG_INFINITY), true)),
            number_upper: Some((Number::from_f64(f64::INFINITY), true)),
            ..Default::default()
        };
        assert_eq!(
            to_hex(&encode(&Value::refined(infinite), &Type::Number).unwrap()),
            "d40000"
        );

        // Decoding: keys for other types and unknown keys are skipped.
        let payload = "84 02a178 05 01 09 92 a161 81 01 c0 01 c2";
        let bytes = hex(&format!("c7 {:02x} 0c {payload}", hex(payload).len()));
        assert_eq!(
            decode(&bytes, &Type::Number).unwrap(),
            Value::unknown_not_null()
        );
        // Bytes after the refinement map are ignored.
        assert_eq!(
            decode(&hex("c7 04 0c 81 01c2 ff"), &Type::Bool).unwrap(),
            Value::unknown_not_null()
        );
        // An empty map is no refinement at all.
        assert_eq!(
            decode(&hex("c7 02 0c 80 00"), &Type::String).unwrap(),
            Value::unknown()
        );
    }

    #[test]
    fn definitely_null_refinement_is_null() {
        assert_eq!(
            decode(&hex("c7 03 0c 81 01c3"), &Type::String).unwrap(),
            Value::Null
        );
    }

    #[test]
    fn long_string_prefixes_are_shortened_like_cty() {
        let cases = [
            ("a".repeat(1024), "a".repeat(255)),
            ("a".repeat(256), "a".repeat(256)),
            (
                format!("{}-", "c".repeat(255)),
                format!("{}-", "c".repeat(255)),
            ),
            (format!("{}🤷🤷", "d".repeat(255)), "d".repeat(255)),
            (
                format!("{}e\u{301}{}", "f".repeat(254), "g".repeat(10)),
                format!("{}e", "f".repeat(254)),
            ),
            (
                format!("{}é{}", "h".repeat(250), "i".repeat(10)),
                format!("{}é{}", "h".repeat(250), "iii"),
            ),
        ];
        for (prefix, expected) in cases {
            let value = Value::refined(Refinements {
                string_prefix: Some(prefix.clone()),
                ..Default::default()
            });
            let bytes = encode(&value, &Type::String).unwrap();
            let back = decode(&bytes, &Type::String).unwrap();
            assert_eq!(
                back.refinements().and_then(|r| r.string_prefix.clone()),
                Some(expected),
                "prefix of {} bytes",
                prefix.len()
            );
        }
        assert_eq!(shortened_prefix(&"é".repeat(200)), "é".repeat(127));
    }

    #[test]
    fn every_extension_code_and_form_is_an_unknown() {
        for input in [
            "d40000",
            "d40700",
            "d4ff00",
            "d50700ff",
            "d607 00000000",
            "d707 0000000000000000",
            "d807 00000000000000000000000000000000",
            "c70007",
            "c70100 00",
            "c70507 0102030405",
            "c8000307 010203",
            "c900000002 07 0102",
            // Extension 12 with at most one byte of payload.
            "c7000c",
            "d40c00",
            // Other codes with a map payload are still just unknown.
            "c70307 8101c2",
        ] {
            assert_eq!(
                decode(&hex(input), &Type::String).unwrap(),
                Value::unknown(),
                "{input}"
            );
            assert_eq!(
                decode(&hex(input), &Type::list(Type::Number)).unwrap(),
                Value::unknown(),
                "{input}"
            );
        }
    }

    #[test]
    fn objects_fill_in_missing_attributes_and_refuse_unknown_ones() {
        let ty = Type::object([("a", Type::String), ("b", Type::Number)]);
        assert_eq!(
            decode(&hex("81a161a178"), &ty).unwrap(),
            Value::object([("a", Value::from("x")), ("b", Value::Null)])
        );
        assert_eq!(
            decode(&hex("80"), &ty).unwrap(),
            Value::object([("a", Value::Null), ("b", Value::Null)])
        );
        let err = decode(&hex("82a161a178a17a01"), &ty).unwrap_err();
        assert_eq!(err.path, AttributePath::root("z"));
        assert!(err.message.contains("unsupported attribute"), "{err}");
        let err = decode(&hex("82a161a178a161a179"), &ty).unwrap_err();
        assert_eq!(err.path, AttributePath::root("a"));
        assert!(err.message.contains("more than once"), "{err}");
        // Encoding: missing attributes are null, extra ones an error.
        assert_eq!(
            to_hex(&encode(&Value::object([("b", Value::from(2i64))]), &ty).unwrap()),
            "82a161c0a16202"
        );
        let err = encode(&Value::object([("c", Value::Null)]), &ty).unwrap_err();
        assert_eq!(err.path, AttributePath::root("c"));
    }

    #[test]
    fn nested_values_round_trip() {
        let ty = Type::object([
            ("names", Type::set(Type::String)),
            ("arns", Type::map(Type::String)),
            (
                "rules",
                Type::list(Type::object([
                    ("n", Type::Number),
                    ("tags", Type::map(Type::list(Type::Bool))),
                ])),
            ),
            ("pair", Type::tuple([Type::String, Type::Dynamic])),
            ("any", Type::Dynamic),
        ]);
        let value = Value::object([
            (
                "names",
                Value::set([Value::from("a"), Value::unknown_not_null()]),
            ),
            (
                "arns",
                Value::map([
                    ("a", Value::from("arn:a")),
                    (
                        "b",
                        Value::refined(Refinements {
                            not_null: true,
                            string_prefix: Some("arn:aws:secretsmanager:".into()),
                            ..Default::default()
                        }),
                    ),
                ]),
            ),
            (
                "rules",
                Value::list([
                    Value::object([
                        ("n", Value::number(num("18446744073709551617"))),
                        (
                            "tags",
                            Value::map([("x", Value::list([Value::from(true), Value::Null]))]),
                        ),
                    ]),
                    Value::object([
                        ("n", Value::number(num("-0.001"))),
                        (
                            "tags",
                            Value::refined(Refinements {
                                length_upper: Some(3),
                                ..Default::default()
                            }),
                        ),
                    ]),
                    Value::Null,
                ]),
            ),
            (
                "pair",
                Value::tuple([
                    Value::from(""),
                    Value::dynamic(
                        Type::object([("deep", Type::list(Type::Number))]),
                        Value::object([(
                            "deep",
                            Value::list([Value::from(1i64), Value::unknown()]),
                        )]),
                    ),
                ]),
            ),
            ("any", Value::unknown()),
        ]);
        round_trip(&value, &ty);
        round_trip(&Value::Null, &ty);
        round_trip(&Value::unknown_not_null(), &ty);
    }

    #[test]
    fn large_collections_use_wide_headers() {
        let ty = Type::list(Type::Number);
        let value = Value::list((0..70_000i64).map(Value::from));
        let bytes = round_trip(&value, &ty);
        assert_eq!(to_hex(&bytes[..5]), "dd00011170");
        let value = Value::list((0..20i64).map(Value::from));
        assert_eq!(to_hex(&round_trip(&value, &ty)[..3]), "dc0014");
        let long = "x".repeat(70_000);
        assert_eq!(
            to_hex(&round_trip(&Value::from(long.as_str()), &Type::String)[..5]),
            "db00011170"
        );
        let map = Value::map((0..16).map(|i| (format!("k{i:02}"), Value::from(i as i64))));
        assert_eq!(
            to_hex(&round_trip(&map, &Type::map(Type::Number))[..3]),
            "de0010"
        );
    }

    fn expect_error(input: &str, ty: &Type, path: AttributePath, needle: &str) {
        let err = decode(&hex(input), ty).unwrap_err();
        assert_eq!(err.path, path, "path of error for {input}: {err}");
        assert!(err.message.contains(needle), "message for {input}: {err}");
    }

    #[test]
    fn wrong_types_are_reported_where_they_are() {
        let ty = Type::object([
            ("s", Type::String),
            ("l", Type::list(Type::map(Type::Bool))),
            ("t", Type::tuple([Type::Number, Type::Number])),
        ]);
        expect_error(
            "81a173 01",
            &ty,
            AttributePath::root("s"),
            "a string is required, but found an integer",
        );
        expect_error(
            "81a16c 91 81a16b a3796573",
            &ty,
            AttributePath::root("l").index(0).key("k"),
            "a bool is required, but found a string",
        );
        expect_error(
            "81a174 9101",
            &ty,
            AttributePath::root("t"),
            "a tuple of 2 elements",
        );
        expect_error(
            "81a174 92 01 c3",
            &ty,
            AttributePath::root("t").index(1),
            "a number is required",
        );
        expect_error(
            "81a174 92 01 a178",
            &ty,
            AttributePath::root("t").index(1),
            "a number is required",
        );
        expect_error(
            "81a174 92 01 cbfff8000000000000",
            &ty,
            AttributePath::root("t").index(1),
            "NaN",
        );
        expect_error(
            "91",
            &ty,
            AttributePath::new(),
            "an object is required, but found an array",
        );
        expect_error("8101c0", &ty, AttributePath::new(), "keys must be strings");
        expect_error("c1", &Type::String, AttributePath::new(), "0xc1");
        expect_error(
            "81a16c 81",
            &ty,
            AttributePath::root("l"),
            "a list is required, but found a map",
        );
        expect_error(
            "a568656c6c6f00",
            &Type::String,
            AttributePath::new(),
            "unexpected bytes",
        );
        expect_error(
            "92a4626f6f6cc3",
            &Type::Dynamic,
            AttributePath::new(),
            "invalid type description",
        );
        expect_error(
            "93c40622626f6f6c22c3c3",
            &Type::Dynamic,
            AttributePath::new(),
            "two elements",
        );
        expect_error("a3", &Type::Dynamic, AttributePath::new(), "dynamic value");
        // Refinement payloads that are not what cty writes.
        expect_error(
            "c7020c9000",
            &Type::String,
            AttributePath::new(),
            "invalid refinements",
        );
        expect_error(
            "c7030c8101a0",
            &Type::String,
            AttributePath::new(),
            "nullness",
        );
        expect_error(
            "c7030c81a0c2",
            &Type::String,
            AttributePath::new(),
            "keys must be integers",
        );
        expect_error(
            "c7040c810391c3",
            &Type::Number,
            AttributePath::new(),
            "bound",
        );
        expect_error(
            "c7030c8105ff",
            &Type::list(Type::String),
            AttributePath::new(),
            "length bound",
        );
        expect_error(
            "c7030c8102c3",
            &Type::String,
            AttributePath::new(),
            "string prefix",
        );
        expect_error(
            "c7020c8102",
            &Type::String,
            AttributePath::new(),
            "ends in the middle",
        );
    }

    #[test]
    fn invalid_utf8_is_an_error_with_its_path() {
        let ty = Type::map(Type::String);
        expect_error(
            "81a16b a2c328",
            &ty,
            AttributePath::new().key("k"),
            "not valid UTF-8",
        );
        expect_error("81a2c328 a0", &ty, AttributePath::new(), "not valid UTF-8");
        expect_error(
            "a2ffff",
            &Type::Number,
            AttributePath::new(),
            "not valid UTF-8",
        );
        expect_error(
            "c7040c8102a1ff",
            &Type::String,
            AttributePath::new(),
            "not valid UTF-8",
        );
    }

    #[test]
    fn huge_declared_lengths_do_not_allocate_or_panic() {
        for (input, ty) in [
            ("ddffffffff", Type::list(Type::String)),
            ("dfffffffff", Type::map(Type::String)),
            ("dbffffffff41", Type::String),
            ("c6ffffffff", Type::String),
            ("c9ffffffff0c", Type::String),
            ("ddffffffff", Type::tuple([Type::Bool])),
            ("c7ff0c 81", Type::Number),
        ] {
            let err = decode(&hex(input), &ty).unwrap_err();
            assert!(!err.message.is_empty(), "{input}");
        }
        // Skipping an unknown refinement with a huge declared array.
        assert!(decode(&hex("c7070c 81 09 ddffffffff"), &Type::Number).is_err());
    }

    #[test]
    fn nesting_is_limited() {
        fn nested_type(levels: usize) -> Type {
            (0..levels).fold(Type::Bool, |t, _| Type::list(t))
        }
        fn nested_bytes(levels: usize) -> Vec<u8> {
            let mut bytes = vec![0x91; levels];
            bytes.push(0xc3);
            bytes
        }
        assert!(decode(&nested_bytes(MAX_DEPTH), &nested_type(MAX_DEPTH)).is_ok());
        let err = decode(&nested_bytes(MAX_DEPTH + 1), &nested_type(MAX_DEPTH + 1)).unwrap_err();
        assert!(err.message.contains("nested"), "{err}");
        assert_eq!(err.path.len(), MAX_DEPTH);
        // Dynamic values wrapping dynamic values.
        let mut bytes = Vec::new();
        for _ in 0..10_000 {
            bytes.extend_from_slice(&hex("92c409 2264796e616d696322"));
        }
        bytes.push(0xc0);
        assert!(decode(&bytes, &Type::Dynamic)
            .unwrap_err()
            .message
            .contains("nested"));
        // Encoding refuses the same depth.
        let deep = (0..MAX_DEPTH + 1).fold(Value::from(true), |v, _| Value::list([v]));
        assert!(encode(&deep, &nested_type(MAX_DEPTH + 1)).is_err());
        let ok = (0..MAX_DEPTH).fold(Value::from(true), |v, _| Value::list([v]));
        round_trip(&ok, &nested_type(MAX_DEPTH));
    }

    #[test]
    fn encoding_refuses_values_that_do_not_fit_the_type() {
        let ty = Type::object([
            ("n", Type::Number),
            ("d", Type::Dynamic),
            ("t", Type::tuple([Type::Bool])),
        ]);
        let err = encode(&Value::object([("n", Value::from("x"))]), &ty).unwrap_err();
        assert_eq!(err.path, AttributePath::root("n"));
        assert!(err.message.contains("cannot be encoded as number"), "{err}");
        let err = encode(&Value::object([("d", Value::from("x"))]), &ty).unwrap_err();
        assert_eq!(err.path, AttributePath::root("d"));
        assert!(err.message.contains("Value::Dynamic"), "{err}");
        let err = encode(&Value::object([("t", Value::tuple([]))]), &ty).unwrap_err();
        assert_eq!(err.path, AttributePath::root("t"));
        let err = encode(
            &Value::dynamic(Type::Bool, Value::from(true)),
            &Type::String,
        )
        .unwrap_err();
        assert!(err.message.contains("bool"), "{err}");
        // A dynamic wrapper whose type is the expected one is unwrapped.
        assert_eq!(
            encode(&Value::dynamic(Type::Bool, Value::from(true)), &Type::Bool).unwrap(),
            [0xc3]
        );
        // Sequence and mapping variants encode alike.
        assert_eq!(
            encode(&Value::list([Value::from("a")]), &Type::set(Type::String)).unwrap(),
            encode(&Value::set([Value::from("a")]), &Type::set(Type::String)).unwrap()
        );
        let err = encode(
            &Value::list([Value::from(1i64), Value::from("no")]),
            &Type::list(Type::Number),
        )
        .unwrap_err();
        assert_eq!(err.path, AttributePath::new().index(1));
        let err = encode(
            &Value::map([("k", Value::from(1i64))]),
            &Type::map(Type::Bool),
        )
        .unwrap_err();
        assert_eq!(err.path, AttributePath::new().key("k"));
        let nan_bound = Refinements {
            number_lower: Some((Number::from_f64(f64::NAN), true)),
            ..Default::default()
        };
        assert!(encode(&Value::refined(nan_bound), &Type::Number).is_err());
    }

    /// xorshift64*: a small deterministic generator for the robustness tests.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    fn sample() -> (Value, Type) {
        let ty = Type::object([
            ("id", Type::String),
            ("names", Type::set(Type::String)),
            ("arns", Type::map(Type::String)),
            ("n", Type::Number),
            ("flags", Type::list(Type::Bool)),
            ("any", Type::Dynamic),
            ("pair", Type::tuple([Type::Number, Type::String])),
        ]);
        let value = Value::object([
            ("id", Value::from("abc")),
            ("names", Value::set([Value::from("x"), Value::from("yz")])),
            (
                "arns",
                Value::map([
                    ("x", Value::from("arn:1")),
                    (
                        "yz",
                        Value::refined(Refinements {
                            not_null: true,
                            string_prefix: Some("arn:".into()),
                            ..Default::default()
                        }),
                    ),
                ]),
            ),
            ("n", Value::number(num("-12345678901234567890.5"))),
            ("flags", Value::list([Value::from(true), Value::Null])),
            (
                "any",
                Value::dynamic(
                    Type::map(Type::Number),
                    Value::map([("q", Value::number(2.5))]),
                ),
            ),
            ("pair", Value::tuple([Value::from(300i64), Value::from("")])),
        ]);
        (value, ty)
    }

    #[test]
    fn every_truncation_is_an_error() {
        let (value, ty) = sample();
        let bytes = round_trip(&value, &ty);
        for len in 0..bytes.len() {
            assert!(
                decode(&bytes[..len], &ty).is_err(),
                "prefix of {len} bytes decoded"
            );
        }
    }

    #[test]
    fn random_and_mutated_input_never_panics() {
        let (value, ty) = sample();
        let valid = encode(&value, &ty).unwrap();
        let types = [
            ty.clone(),
            Type::Dynamic,
            Type::String,
            Type::Number,
            Type::list(Type::Dynamic),
            Type::map(Type::list(Type::Number)),
            Type::tuple([Type::Bool, Type::Dynamic]),
        ];
        let mut rng = Rng(0x5eed_1234_abcd_9876);
        let mut decoded_ok = 0;
        for round in 0..20_000 {
            let input: Vec<u8> = if round % 2 == 0 {
                let len = rng.below(64);
                (0..len).map(|_| rng.next() as u8).collect()
            } else {
                let mut m = valid.clone();
                for _ in 0..1 + rng.below(4) {
                    let i = rng.below(m.len());
                    match rng.below(3) {
                        0 => m[i] = rng.next() as u8,
                        1 => {
                            m.remove(i);
                        }
                        _ => m.insert(i, rng.next() as u8),
                    }
                }
                m
            };
            for t in &types {
                if let Ok(v) = decode(&input, t) {
                    decoded_ok += 1;
                    // Whatever decodes must encode again and decode to itself.
                    if let Ok(again) = encode(&v, t) {
                        assert_eq!(
                            decode(&again, t).as_ref(),
                            Ok(&v),
                            "re-decode of {}",
                            to_hex(&input)
                        );
                    }
                }
            }
        }
        assert!(
            decoded_ok > 100,
            "the generator should hit some valid inputs ({decoded_ok})"
        );
    }
}
