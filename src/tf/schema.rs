//! The schema model: what attributes and blocks a provider or resource has.
//!
//! A schema both describes the configuration to Terraform and fixes the cty
//! type every value of that object is decoded with.

use std::collections::{BTreeMap, BTreeSet};

use crate::tf::value::Type;

/// A versioned schema; the version is what UpgradeResourceState compares.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Schema {
    pub version: i64,
    pub block: Block,
}

/// An object with attributes and nested blocks.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Block {
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<NestedBlock>,
    pub description: String,
    pub deprecated: bool,
}

/// Whether an attribute is set by the user, by the provider, or either.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    Required,
    Optional,
    Computed,
    OptionalComputed,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    pub name: String,
    pub ty: Type,
    pub description: String,
    pub presence: Presence,
    pub sensitive: bool,
    pub deprecated: bool,
}

/// How many instances of a nested block an object holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    /// At most one; absent is null.
    Single,
    /// Exactly one, never null; absent means all attributes null.
    Group,
    List,
    Set,
    Map,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NestedBlock {
    pub type_name: String,
    pub block: Block,
    pub nesting: Nesting,
    pub min_items: i64,
    pub max_items: i64,
}

/// A resource identity schema (protocol 6.9, Terraform 1.12 and later): the
/// few values that name one remote object for good, separate from its state
/// and versioned on their own. Identity values are objects of these
/// attributes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IdentitySchema {
    pub version: i64,
    pub attributes: Vec<IdentityAttribute>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct IdentityAttribute {
    pub name: String,
    pub ty: Type,
    pub description: String,
    /// Must be given in an `import { identity = {...} }` block; otherwise
    /// the provider can fill it in.
    pub required_for_import: bool,
}

impl IdentitySchema {
    pub fn new(version: i64) -> Self {
        Self {
            version,
            attributes: Vec::new(),
        }
    }

    pub fn attribute(mut self, attribute: IdentityAttribute) -> Self {
        self.attributes.push(attribute);
        self
    }

    /// The cty type of an identity value.
    pub fn value_type(&self) -> Type {
        Type::Object {
            attributes: self
                .attributes
                .iter()
                .map(|a| (a.name.clone(), a.ty.clone()))
                .collect(),
            optional: BTreeSet::new(),
        }
    }
}

impl IdentityAttribute {
    pub fn required_for_import(name: &str, ty: Type, description: &str) -> Self {
        Self {
            name: name.to_owned(),
            ty,
            description: description.to_owned(),
            required_for_import: true,
        }
    }

    pub fn optional_for_import(name: &str, ty: Type, description: &str) -> Self {
        Self {
            required_for_import: false,
            ..Self::required_for_import(name, ty, description)
        }
    }
}

impl Schema {
    pub fn new(version: i64, block: Block) -> Self {
        Self { version, block }
    }

    /// The cty type of a whole object described by this schema.
    pub fn value_type(&self) -> Type {
        self.block.value_type()
    }
}

impl Block {
    pub fn new(description: impl Into<String>) -> Self {
        Self {
            description: description.into(),
            ..Self::default()
        }
    }

    pub fn attribute(mut self, attribute: Attribute) -> Self {
        self.attributes.push(attribute);
        self
    }

    pub fn block(mut self, block: NestedBlock) -> Self {
        self.blocks.push(block);
        self
    }

    /// Object type with one attribute per schema attribute and nested block.
    pub fn value_type(&self) -> Type {
        let mut attributes = BTreeMap::new();
        for attribute in &self.attributes {
            attributes.insert(attribute.name.clone(), attribute.ty.clone());
        }
        for nested in &self.blocks {
            let inner = nested.block.value_type();
            let ty = match nested.nesting {
                Nesting::Single | Nesting::Group => inner,
                Nesting::List => Type::list(inner),
                Nesting::Set => Type::set(inner),
                Nesting::Map => Type::map(inner),
            };
            attributes.insert(nested.type_name.clone(), ty);
        }
        Type::Object {
            attributes,
            optional: BTreeSet::new(),
        }
    }

    pub fn find_attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }
}

impl Attribute {
    fn new(name: &str, ty: Type, presence: Presence) -> Self {
        Self {
            name: name.to_owned(),
            ty,
            description: String::new(),
            presence,
            sensitive: false,
            deprecated: false,
        }
    }

    pub fn required(name: &str, ty: Type) -> Self {
        Self::new(name, ty, Presence::Required)
    }

    pub fn optional(name: &str, ty: Type) -> Self {
        Self::new(name, ty, Presence::Optional)
    }

    pub fn computed(name: &str, ty: Type) -> Self {
        Self::new(name, ty, Presence::Computed)
    }

    pub fn optional_computed(name: &str, ty: Type) -> Self {
        Self::new(name, ty, Presence::OptionalComputed)
    }

    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = text.into();
        self
    }

    /// Terraform hides sensitive values in plans and output.
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    pub fn is_required(&self) -> bool {
        self.presence == Presence::Required
    }

    pub fn is_optional(&self) -> bool {
        matches!(
            self.presence,
            Presence::Optional | Presence::OptionalComputed
        )
    }

    pub fn is_computed(&self) -> bool {
        matches!(
            self.presence,
            Presence::Computed | Presence::OptionalComputed
        )
    }
}

impl NestedBlock {
    pub fn new(type_name: &str, nesting: Nesting, block: Block) -> Self {
        let max_items = if nesting == Nesting::Single { 1 } else { 0 };
        Self {
            type_name: type_name.to_owned(),
            block,
            nesting,
            min_items: 0,
            max_items,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_type_covers_attributes_and_blocks() {
        let schema = Schema::new(
            1,
            Block::new("root")
                .attribute(Attribute::required("names", Type::set(Type::String)))
                .attribute(Attribute::computed("id", Type::String))
                .block(NestedBlock::new(
                    "endpoints",
                    Nesting::Single,
                    Block::new("").attribute(Attribute::optional("sts", Type::String)),
                ))
                .block(NestedBlock::new(
                    "rule",
                    Nesting::List,
                    Block::new("").attribute(Attribute::optional("n", Type::Number)),
                )),
        );
        let expected = Type::object([
            ("names", Type::set(Type::String)),
            ("id", Type::String),
            ("endpoints", Type::object([("sts", Type::String)])),
            ("rule", Type::list(Type::object([("n", Type::Number)]))),
        ]);
        assert_eq!(schema.value_type(), expected);
    }

    #[test]
    fn presence_flags() {
        let a = Attribute::optional_computed("x", Type::Bool);
        assert!(a.is_optional() && a.is_computed() && !a.is_required());
        let r = Attribute::required("y", Type::Bool);
        assert!(r.is_required() && !r.is_optional() && !r.is_computed());
    }
}
