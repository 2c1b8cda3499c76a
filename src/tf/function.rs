//! The provider function side of the provider boundary (Terraform 1.8+,
//! OpenTofu 1.7+): pure computations on values, with no client.

use crate::tf::value::{Type, Value};

/// One positional parameter.
pub struct Parameter {
    pub name: &'static str,
    pub ty: Type,
    pub description: String,
}

impl Parameter {
    pub fn new(name: &'static str, ty: Type, description: impl Into<String>) -> Self {
        Self {
            name,
            ty,
            description: description.into(),
        }
    }
}

/// What Terraform needs to type-check a call before making it. Null and
/// unknown arguments never reach the function: Terraform rejects the first
/// and answers the second with an unknown result itself.
pub struct Signature {
    pub parameters: Vec<Parameter>,
    pub returns: Type,
    /// One line, shown in editors.
    pub summary: String,
    /// Markdown.
    pub description: String,
}

/// Why a call failed; `argument` is the zero-based position of the argument
/// at fault, so Terraform can point at it in the configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionError {
    pub text: String,
    pub argument: Option<usize>,
}

impl FunctionError {
    /// `text` is a sentence, ending with one period like a diagnostic's
    /// detail (the protocol conversion leaves the period to the client).
    pub fn in_argument(argument: usize, text: impl Into<String>) -> Self {
        let text = text.into();
        crate::tf::diag::check_sentence(&text);
        Self {
            text,
            argument: Some(argument),
        }
    }

    pub fn new(text: impl Into<String>) -> Self {
        let text = text.into();
        crate::tf::diag::check_sentence(&text);
        Self {
            text,
            argument: None,
        }
    }
}

/// A provider function, called as `provider::NAME::FUNCTION(...)`.
pub trait Function: Send + Sync + 'static {
    /// The function's name within the provider's namespace.
    fn name(&self) -> &'static str;

    fn signature(&self) -> Signature;

    /// `arguments` match the signature's parameters in number and type and
    /// are known and not null.
    fn call(&self, arguments: &[Value]) -> Result<Value, FunctionError>;
}
