//! CallFunction, after the server decoded each argument with its
//! parameter's type.

use crate::tf::function::FunctionError;
use crate::tf::provider::Provider;
use crate::tf::value::Value;

use super::{Engine, FunctionEntry};

impl<P: Provider> Engine<P> {
    pub fn call_function(
        &self,
        entry: &FunctionEntry,
        arguments: &[Value],
    ) -> Result<Value, FunctionError> {
        let expected = entry.signature.parameters.len();
        if arguments.len() != expected {
            return Err(FunctionError::new(format!(
                "{} takes {expected} argument(s) but was called with {}.",
                entry.function.name(),
                arguments.len()
            )));
        }
        // The signature promises functions known, non-null arguments;
        // Terraform enforces that, this only keeps a broken client from
        // reaching function code.
        if let Some(position) = arguments.iter().position(|a| !a.is_wholly_known()) {
            return Err(FunctionError::in_argument(
                position,
                "This argument is not known yet; the function needs a known value.",
            ));
        }
        if let Some(position) = arguments.iter().position(Value::is_null) {
            return Err(FunctionError::in_argument(
                position,
                "This argument is null; the function needs a value.",
            ));
        }
        entry.function.call(arguments)
    }
}
