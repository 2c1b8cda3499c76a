//! Function signatures and errors to their protobuf form.

use crate::tf::function::{FunctionError, Parameter, Signature};
use crate::tf::proto::tfplugin6 as pb;

pub fn signature_to_proto(signature: &Signature) -> pb::Function {
    pb::Function {
        parameters: signature
            .parameters
            .iter()
            .map(parameter_to_proto)
            .collect(),
        variadic_parameter: None,
        r#return: Some(pb::function::Return {
            r#type: signature.returns.to_json(),
        }),
        summary: signature.summary.clone(),
        description: signature.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
        deprecation_message: String::new(),
    }
}

fn parameter_to_proto(parameter: &Parameter) -> pb::function::Parameter {
    pb::function::Parameter {
        name: parameter.name.to_owned(),
        r#type: parameter.ty.to_json(),
        allow_null_value: false,
        allow_unknown_values: false,
        description: parameter.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
    }
}

/// Function errors are written as sentences, like every diagnostic, but
/// Terraform and OpenTofu show one inside a sentence of their own that adds
/// the final period ("Invalid value for \"arns\" parameter: TEXT." or "Call
/// to function \"NAME\" failed: TEXT."), so the text goes without its own.
pub fn error_to_proto(error: FunctionError) -> pb::FunctionError {
    let text = error.text.trim_end();
    pb::FunctionError {
        text: text.strip_suffix('.').unwrap_or(text).to_owned(),
        function_argument: error.argument.map(|a| a as i64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tf::value::Type;

    #[test]
    fn parameters_and_return_type_reach_the_wire() {
        let signature = Signature {
            parameters: vec![Parameter::new("arns", Type::list(Type::String), "ARNs")],
            returns: Type::String,
            summary: "s".into(),
            description: "d".into(),
        };
        let proto = signature_to_proto(&signature);
        assert_eq!(proto.parameters[0].name, "arns");
        assert_eq!(proto.parameters[0].r#type, br#"["list","string"]"#.to_vec());
        assert!(!proto.parameters[0].allow_null_value);
        assert_eq!(proto.r#return.unwrap().r#type, br#""string""#.to_vec());
        let error = error_to_proto(FunctionError::in_argument(2, "Bad."));
        assert_eq!(error.function_argument, Some(2));
    }

    #[test]
    fn the_client_adds_the_final_period() {
        let error = error_to_proto(FunctionError::new("It failed. Try again.\n"));
        assert_eq!(error.text, "It failed. Try again");
        assert_eq!(error.function_argument, None);
    }
}
