//! Schema model to its protobuf form.

use crate::tf::proto::tfplugin6 as pb;
use crate::tf::schema::{Attribute, Block, IdentitySchema, NestedBlock, Nesting, Schema};

pub fn to_proto(schema: &Schema) -> pb::Schema {
    pb::Schema {
        version: schema.version,
        block: Some(block_to_proto(&schema.block, schema.version)),
    }
}

pub fn identity_to_proto(schema: &IdentitySchema) -> pb::ResourceIdentitySchema {
    use pb::resource_identity_schema::IdentityAttribute;
    pb::ResourceIdentitySchema {
        version: schema.version,
        identity_attributes: schema
            .attributes
            .iter()
            .map(|a| IdentityAttribute {
                name: a.name.clone(),
                r#type: a.ty.to_json(),
                required_for_import: a.required_for_import,
                optional_for_import: !a.required_for_import,
                description: a.description.clone(),
            })
            .collect(),
    }
}

fn block_to_proto(block: &Block, version: i64) -> pb::schema::Block {
    pb::schema::Block {
        version,
        attributes: block.attributes.iter().map(attribute_to_proto).collect(),
        block_types: block.blocks.iter().map(nested_to_proto).collect(),
        description: block.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: block.deprecated,
        deprecation_message: String::new(),
        // Protocol 6.11's computed blocks: no schema here has one.
        computed: false,
    }
}

fn attribute_to_proto(attribute: &Attribute) -> pb::schema::Attribute {
    pb::schema::Attribute {
        name: attribute.name.clone(),
        r#type: attribute.ty.to_json(),
        nested_type: None,
        description: attribute.description.clone(),
        required: attribute.is_required(),
        optional: attribute.is_optional(),
        computed: attribute.is_computed(),
        sensitive: attribute.sensitive,
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: attribute.deprecated,
        write_only: false,
        deprecation_message: String::new(),
    }
}

fn nested_to_proto(nested: &NestedBlock) -> pb::schema::NestedBlock {
    use pb::schema::nested_block::NestingMode;
    let nesting = match nested.nesting {
        Nesting::Single => NestingMode::Single,
        Nesting::Group => NestingMode::Group,
        Nesting::List => NestingMode::List,
        Nesting::Set => NestingMode::Set,
        Nesting::Map => NestingMode::Map,
    };
    pb::schema::NestedBlock {
        type_name: nested.type_name.clone(),
        block: Some(block_to_proto(&nested.block, 0)),
        nesting: nesting as i32,
        min_items: nested.min_items,
        max_items: nested.max_items,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tf::value::Type;

    #[test]
    fn flags_and_types_reach_the_wire() {
        let schema = Schema::new(
            2,
            Block::new("doc")
                .attribute(Attribute::required("names", Type::set(Type::String)).description("n"))
                .attribute(Attribute::optional("key", Type::String).sensitive())
                .block(NestedBlock::new(
                    "endpoints",
                    Nesting::Single,
                    Block::new(""),
                )),
        );
        let proto = to_proto(&schema);
        assert_eq!(proto.version, 2);
        let block = proto.block.unwrap();
        assert_eq!(block.attributes[0].r#type, br#"["set","string"]"#.to_vec());
        assert!(block.attributes[0].required && !block.attributes[0].optional);
        assert!(block.attributes[1].sensitive && block.attributes[1].optional);
        assert_eq!(
            block.block_types[0].nesting,
            pb::schema::nested_block::NestingMode::Single as i32
        );
        assert_eq!(block.block_types[0].max_items, 1);
    }

    #[test]
    fn identity_attributes_say_what_import_needs() {
        use crate::tf::schema::IdentityAttribute;
        let schema = IdentitySchema::new(3)
            .attribute(IdentityAttribute::required_for_import(
                "id",
                Type::String,
                "the id",
            ))
            .attribute(IdentityAttribute::optional_for_import(
                "region",
                Type::String,
                "",
            ));
        let proto = identity_to_proto(&schema);
        assert_eq!(proto.version, 3);
        let [id, region] = &proto.identity_attributes[..] else {
            panic!("{proto:?}");
        };
        assert_eq!(id.r#type, br#""string""#.to_vec());
        assert!(id.required_for_import && !id.optional_for_import);
        assert!(region.optional_for_import && !region.required_for_import);
        assert_eq!(
            schema.value_type(),
            Type::object([("id", Type::String), ("region", Type::String)])
        );
    }
}
