//! DynamicValue <-> Value. Terraform sends msgpack; JSON appears only for
//! values a user or older tooling wrote by hand.

use crate::tf::diag::Diagnostics;
use crate::tf::proto::tfplugin6::DynamicValue;
use crate::tf::value::{json, msgpack, DecodeError, Type, Value};

/// Decodes a value of the given type; an absent or empty DynamicValue is null.
pub fn decode(value: Option<&DynamicValue>, ty: &Type, what: &str) -> Result<Value, Diagnostics> {
    let Some(value) = value else {
        return Ok(Value::Null);
    };
    let decoded = if !value.msgpack.is_empty() {
        msgpack::decode(&value.msgpack, ty)
    } else if !value.json.is_empty() {
        json::decode(&value.json, ty)
    } else {
        return Ok(Value::Null);
    };
    decoded.map_err(|error| decode_error(error, what))
}

pub fn encode(value: &Value, ty: &Type, what: &str) -> Result<DynamicValue, Diagnostics> {
    match msgpack::encode(value, ty) {
        Ok(bytes) => Ok(DynamicValue {
            msgpack: bytes,
            json: Vec::new(),
        }),
        Err(error) => {
            let mut diags = Diagnostics::new();
            diags.error(
                format!("Provider produced an invalid {what}"),
                format!(
                    "The provider built a {what} that does not fit its own schema ({error}). \
                     This is a provider bug; nothing was changed by this encoding step."
                ),
            );
            Err(diags)
        }
    }
}

fn decode_error(error: DecodeError, what: &str) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let detail = format!(
        "Terraform sent a {what} that does not match the provider's schema: {}. Make sure \
         Terraform and the provider agree on the schema (run terraform init again); if they do, \
         report this as a bug.",
        error.message
    );
    let summary = format!("Invalid {what}");
    if error.path.is_empty() {
        diags.error(summary, detail);
    } else {
        diags.error_at(error.path, summary, detail);
    }
    diags
}
