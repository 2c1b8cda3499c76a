//! Values.

use std::collections::BTreeMap;

use super::number::Number;
use super::types::Type;

/// A cty value. Its type is known from where it stands (the schema), except
/// at `dynamic` positions, where [`Value::Dynamic`] carries it.
///
/// Null and unknown are values of every type. Sets are kept as sequences in
/// the order they were decoded or built; their encoding does not
/// deduplicate, and equality between two sets compares that order too.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Null,
    /// A value not known yet (during planning), with whatever Terraform
    /// knows about it. Boxed, like the dynamic type below, so that a value
    /// stays small: state with ten thousand names holds tens of thousands.
    Unknown(Box<Refinements>),
    String(String),
    Number(Number),
    Bool(bool),
    List(Vec<Value>),
    Set(Vec<Value>),
    Map(BTreeMap<String, Value>),
    Tuple(Vec<Value>),
    /// Attribute name to value. Decoding fills in every attribute of the
    /// type (missing ones as null); encoding treats missing ones as null.
    Object(BTreeMap<String, Value>),
    /// A value standing at a `dynamic` position, with its concrete type.
    /// `value` is of type `ty`: known, null or unknown. (A value that is
    /// null or unknown without a known type is plain [`Value::Null`] or
    /// [`Value::Unknown`].)
    Dynamic {
        ty: Box<Type>,
        value: Box<Value>,
    },
}

/// What is known about an unknown value (Terraform 1.6 and later; earlier
/// versions never refine). Every field is optional knowledge: the default
/// is "nothing known". Which fields apply depends on the type: the prefix to
/// strings, the number bounds to numbers, the length bounds to lists, sets
/// and maps, `not_null` to every type but `dynamic`. The codecs drop
/// refinements that do not apply to the value's type.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Refinements {
    /// The value will not be null.
    pub not_null: bool,
    /// The string will start with this.
    pub string_prefix: Option<String>,
    /// The number will be at least (`true`: or equal to) this.
    pub number_lower: Option<(Number, bool)>,
    /// The number will be at most (`true`: or equal to) this.
    pub number_upper: Option<(Number, bool)>,
    /// The collection will have at least this many elements.
    pub length_lower: Option<u64>,
    /// The collection will have at most this many elements.
    pub length_upper: Option<u64>,
}

impl Refinements {
    /// Knowledge that the value will not be null, and nothing else.
    pub fn not_null() -> Refinements {
        Refinements {
            not_null: true,
            ..Refinements::default()
        }
    }

    /// True when nothing is known.
    pub fn is_empty(&self) -> bool {
        *self == Refinements::default()
    }
}

impl Value {
    /// An unknown value about which nothing is known.
    pub fn unknown() -> Value {
        Value::Unknown(Box::default())
    }

    /// An unknown value known not to be null.
    pub fn unknown_not_null() -> Value {
        Value::Unknown(Box::new(Refinements::not_null()))
    }

    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    pub fn number(n: impl Into<Number>) -> Value {
        Value::Number(n.into())
    }

    pub fn list(elements: impl IntoIterator<Item = Value>) -> Value {
        Value::List(elements.into_iter().collect())
    }

    pub fn set(elements: impl IntoIterator<Item = Value>) -> Value {
        Value::Set(elements.into_iter().collect())
    }

    pub fn tuple(elements: impl IntoIterator<Item = Value>) -> Value {
        Value::Tuple(elements.into_iter().collect())
    }

    pub fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Map(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    pub fn object<K: Into<String>>(attributes: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Object(attributes.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// An unknown value with what is known about it.
    pub fn refined(refinements: Refinements) -> Value {
        Value::Unknown(Box::new(refinements))
    }

    /// A value with its concrete type, for a `dynamic` position.
    pub fn dynamic(ty: Type, value: Value) -> Value {
        Value::Dynamic {
            ty: Box::new(ty),
            value: Box::new(value),
        }
    }

    /// The value itself, looking through any [`Value::Dynamic`] wrapper.
    /// The accessors below all do this.
    pub fn unwrap_dynamic(&self) -> &Value {
        let mut v = self;
        while let Value::Dynamic { value, .. } = v {
            v = value;
        }
        v
    }

    pub fn is_null(&self) -> bool {
        matches!(self.unwrap_dynamic(), Value::Null)
    }

    /// Unknown at the top (elements of a known collection may still be
    /// unknown: see [`Value::is_wholly_known`]).
    pub fn is_unknown(&self) -> bool {
        matches!(self.unwrap_dynamic(), Value::Unknown(_))
    }

    pub fn is_known(&self) -> bool {
        !self.is_unknown()
    }

    /// Known here and at every level inside.
    pub fn is_wholly_known(&self) -> bool {
        match self.unwrap_dynamic() {
            Value::Unknown(_) => false,
            Value::List(vs) | Value::Set(vs) | Value::Tuple(vs) => {
                vs.iter().all(Value::is_wholly_known)
            }
            Value::Map(m) | Value::Object(m) => m.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    /// What is known about an unknown value.
    pub fn refinements(&self) -> Option<&Refinements> {
        match self.unwrap_dynamic() {
            Value::Unknown(r) => Some(r),
            _ => None,
        }
    }

    /// An object's attribute.
    pub fn get_attribute(&self, name: &str) -> Option<&Value> {
        match self.unwrap_dynamic() {
            Value::Object(attributes) => attributes.get(name),
            _ => None,
        }
    }

    /// A map's element.
    pub fn get_key(&self, key: &str) -> Option<&Value> {
        match self.unwrap_dynamic() {
            Value::Map(entries) => entries.get(key),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self.unwrap_dynamic() {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.unwrap_dynamic() {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<&Number> {
        match self.unwrap_dynamic() {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The elements of a list, set or tuple.
    pub fn as_elements(&self) -> Option<&[Value]> {
        match self.unwrap_dynamic() {
            Value::List(vs) | Value::Set(vs) | Value::Tuple(vs) => Some(vs),
            _ => None,
        }
    }

    /// The entries of a map.
    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self.unwrap_dynamic() {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The attributes of an object.
    pub fn attributes(&self) -> Option<&BTreeMap<String, Value>> {
        match self.unwrap_dynamic() {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// A word for the kind of value, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Unknown(_) => "unknown value",
            Value::String(_) => "string",
            Value::Number(_) => "number",
            Value::Bool(_) => "bool",
            Value::List(_) => "list",
            Value::Set(_) => "set",
            Value::Map(_) => "map",
            Value::Tuple(_) => "tuple",
            Value::Object(_) => "object",
            Value::Dynamic { .. } => "dynamic value",
        }
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_owned())
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<Number> for Value {
    fn from(n: Number) -> Value {
        Value::Number(n)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Number(Number::from_i64(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predicates() {
        assert!(Value::Null.is_null() && Value::Null.is_known());
        assert!(Value::unknown().is_unknown() && !Value::unknown().is_null());
        assert!(Value::dynamic(Type::String, Value::Null).is_null());
        assert!(Value::dynamic(Type::String, Value::unknown()).is_unknown());
        let nested = Value::object([("a", Value::list([Value::from("x"), Value::unknown()]))]);
        assert!(nested.is_known());
        assert!(!nested.is_wholly_known());
        assert!(Value::object([("a", Value::list([Value::from("x")]))]).is_wholly_known());
        assert!(
            !Value::dynamic(Type::list(Type::String), Value::list([Value::unknown()]))
                .is_wholly_known()
        );
        assert_eq!(
            Value::unknown_not_null().refinements(),
            Some(&Refinements::not_null())
        );
        assert!(Refinements::default().is_empty() && !Refinements::not_null().is_empty());
    }

    #[test]
    fn accessors_look_through_dynamic() {
        let obj = Value::object([("name", Value::from("n")), ("count", Value::from(3i64))]);
        assert_eq!(obj.get_attribute("name").and_then(Value::as_str), Some("n"));
        assert_eq!(
            obj.get_attribute("count")
                .and_then(Value::as_number)
                .and_then(|n| n.as_i64()),
            Some(3)
        );
        assert_eq!(obj.get_attribute("missing"), None);
        let wrapped = Value::dynamic(Type::object([("name", Type::String)]), obj.clone());
        assert_eq!(
            wrapped.get_attribute("name").and_then(Value::as_str),
            Some("n")
        );
        assert_eq!(
            Value::dynamic(Type::Bool, Value::from(true)).as_bool(),
            Some(true)
        );
        assert_eq!(
            Value::set([Value::from("a")])
                .as_elements()
                .map(<[Value]>::len),
            Some(1)
        );
        assert_eq!(Value::tuple([]).as_elements().map(<[Value]>::len), Some(0));
        let m = Value::map([("k", Value::from("v"))]);
        assert_eq!(m.get_key("k").and_then(Value::as_str), Some("v"));
        assert!(m.as_map().is_some() && m.attributes().is_none());
        assert!(obj.attributes().is_some() && obj.as_map().is_none());
        assert_eq!(Value::from("s").as_bool(), None);
        assert_eq!(Value::Null.as_str(), None);
    }
}
