//! The resource's typed state and its conversion to and from [`Value`].

use std::collections::BTreeMap;

use crate::provider::tags::OWNERSHIP_ID;
use crate::tf::value::Value;

use super::ownership::Owner;
use crate::provider::policy::policy_values;

use super::schema::{
    ID, READ_POLICY_DOCUMENTS, READ_POLICY_JSON, SECRET_ARN_MAP, SECRET_NAMES, TAGS_ALL,
};

/// What is recorded for one `planton_aws_secrets`: the names that exist,
/// with their ARNs, under one id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SecretsState {
    pub id: String,
    /// name -> ARN; the keys are the resource's `secret_names`.
    pub arns: BTreeMap<String, String>,
    pub tags_all: BTreeMap<String, String>,
}

impl SecretsState {
    pub fn new(id: String, tags_all: BTreeMap<String, String>) -> Self {
        Self {
            id,
            arns: BTreeMap::new(),
            tags_all,
        }
    }

    /// Who owns this state's secrets: its id, and the id its `tags_all`
    /// still records (after an upgrade or an import, until the next apply
    /// re-tags the secrets).
    pub fn owner(&self) -> Owner {
        Owner::with_recorded(&self.id, self.tags_all.get(OWNERSHIP_ID))
    }

    /// The state value; the policies are derived from the ARNs.
    pub fn to_value(&self) -> Value {
        let names = self.arns.keys().map(|n| Value::String(n.clone())).collect();
        let arns = self
            .arns
            .iter()
            .map(|(n, a)| (n.clone(), Value::String(a.clone())))
            .collect();
        let (policy, documents) = policy_values(self.arns.values());
        Value::Object(
            [
                (ID, Value::String(self.id.clone())),
                (SECRET_NAMES, Value::Set(names)),
                (SECRET_ARN_MAP, Value::Map(arns)),
                (READ_POLICY_JSON, policy),
                (READ_POLICY_DOCUMENTS, documents),
                (TAGS_ALL, string_map(&self.tags_all)),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
        )
    }

    /// Reads recorded state. Fails only on state no release ever wrote.
    pub fn from_value(value: &Value) -> Result<Self, String> {
        let id = value
            .get_attribute(ID)
            .and_then(Value::as_str)
            .ok_or("the recorded state has no id")?
            .to_owned();
        let arns = known_string_map(value.get_attribute(SECRET_ARN_MAP))
            .ok_or("the recorded state has no secret_arn_map")?;
        let tags_all = known_string_map(value.get_attribute(TAGS_ALL)).unwrap_or_default();
        Ok(Self { id, arns, tags_all })
    }
}

pub fn string_map(map: &BTreeMap<String, String>) -> Value {
    Value::Map(
        map.iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

/// A wholly known map of strings, or `None`.
pub fn known_string_map(value: Option<&Value>) -> Option<BTreeMap<String, String>> {
    value?
        .as_map()?
        .iter()
        .map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
        .collect()
}

/// The known names of a `secret_names` value; `None` when the set or any
/// element is not known yet.
pub fn known_names(value: Option<&Value>) -> Option<Vec<String>> {
    value?
        .as_elements()?
        .iter()
        .map(|v| v.as_str().map(str::to_owned))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_value() {
        let mut state = SecretsState::new(
            "asm-1".into(),
            BTreeMap::from([("team".into(), "x".into())]),
        );
        state.arns.insert(
            "a".into(),
            "arn:aws:secretsmanager:us-east-1:1:secret:a-AbCdEf".into(),
        );
        let value = state.to_value();
        assert_eq!(SecretsState::from_value(&value).unwrap(), state);
        let names = known_names(value.get_attribute(SECRET_NAMES)).unwrap();
        assert_eq!(names, vec!["a".to_owned()]);
        assert!(value
            .get_attribute(READ_POLICY_JSON)
            .unwrap()
            .as_str()
            .unwrap()
            .contains("a-AbCdEf"));
    }

    #[test]
    fn no_secrets_is_no_policy_rather_than_an_empty_grant() {
        let value = SecretsState::new("asm-1".into(), BTreeMap::new()).to_value();
        assert_eq!(value.get_attribute(READ_POLICY_JSON), Some(&Value::Null));
        assert_eq!(
            value.get_attribute(READ_POLICY_DOCUMENTS),
            Some(&Value::List(Vec::new()))
        );
    }

    #[test]
    fn unknown_names_are_not_known() {
        let value = Value::Set(vec![Value::String("a".into()), Value::unknown()]);
        assert_eq!(known_names(Some(&value)), None);
        assert_eq!(known_names(Some(&Value::unknown())), None);
    }
}
