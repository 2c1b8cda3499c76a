//! Resource identities on the wire. A resource without an identity ignores
//! whatever identity a request carries and answers with none, exactly as
//! before identities existed.

use crate::tf::convert::dynamic;
use crate::tf::diag::Diagnostics;
use crate::tf::engine::ResourceEntry;
use crate::tf::proto::tfplugin6 as pb;
use crate::tf::value::Value;

/// The identity a request carries, decoded with the resource's identity
/// type; null when there is none (or the resource has no identity).
pub fn decode<C>(
    entry: &ResourceEntry<C>,
    data: Option<&pb::ResourceIdentityData>,
    what: &str,
) -> Result<Value, Diagnostics> {
    match (&entry.identity, data) {
        (Some(identity), Some(data)) => {
            dynamic::decode(data.identity_data.as_ref(), &identity.value_type, what)
        }
        _ => Ok(Value::Null),
    }
}

/// The identity for an answer; `None` when null, when the resource has no
/// identity, or (with an error in `diags`) when it does not fit the schema.
pub fn encode<C>(
    entry: &ResourceEntry<C>,
    identity: &Value,
    diags: &mut Diagnostics,
) -> Option<pb::ResourceIdentityData> {
    let schema = entry.identity.as_ref()?;
    if identity.is_null() {
        return None;
    }
    match dynamic::encode(identity, &schema.value_type, "identity") {
        Ok(encoded) => Some(pb::ResourceIdentityData {
            identity_data: Some(encoded),
        }),
        Err(more) => {
            diags.extend(more);
            None
        }
    }
}
