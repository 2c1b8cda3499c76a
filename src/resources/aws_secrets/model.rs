//! The resource's typed state and its conversion to and from [`Value`].

use std::collections::BTreeMap;

use crate::provider::key_names::via_service;
use crate::provider::tags::OWNERSHIP_ID;
use crate::tf::value::Value;

use super::ownership::Owner;
use crate::provider::policy::{kept_policy_values, KeyGrant};

use super::schema::{
    ID, KMS_KEY_ID, READ_POLICY_DOCUMENTS, READ_POLICY_JSON, RECOVERY_WINDOW, SECRET_ARN_MAP,
    SECRET_NAMES, TAGS_ALL,
};

/// What is recorded for one `planton_aws_secrets`: the names that exist,
/// with their ARNs, under one id, and the read policy documents recorded
/// last (the next ones are kept from them).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SecretsState {
    pub id: String,
    /// name -> ARN; the keys are the resource's `secret_names`.
    pub arns: BTreeMap<String, String>,
    pub tags_all: BTreeMap<String, String>,
    /// The `read_policy_documents` recorded in the state this one
    /// continues, which the next ones are kept from; empty for a new or
    /// imported object.
    pub documents: Vec<String>,
    /// `kms_key_id` as configured (`None`: the AWS-managed key).
    pub kms_key_id: Option<String>,
    /// The key ARN the read policies grant `kms:Decrypt` on: `None` for
    /// the AWS-managed key. Recorded in the policy documents themselves.
    pub key_arn: Option<String>,
    /// The resource's `recovery_window_in_days`, if set.
    pub recovery_window_in_days: Option<i64>,
}

impl SecretsState {
    pub fn new(id: String, tags_all: BTreeMap<String, String>) -> Self {
        Self {
            id,
            arns: BTreeMap::new(),
            tags_all,
            documents: Vec::new(),
            kms_key_id: None,
            key_arn: None,
            recovery_window_in_days: None,
        }
    }

    /// An empty state under the same id that keeps this one's documents,
    /// for rebuilding what exists now from what was recorded.
    pub fn successor(&self, tags_all: BTreeMap<String, String>) -> Self {
        Self {
            documents: self.documents.clone(),
            kms_key_id: self.kms_key_id.clone(),
            key_arn: self.key_arn.clone(),
            recovery_window_in_days: self.recovery_window_in_days,
            ..Self::new(self.id.clone(), tags_all)
        }
    }

    /// `read_policy_json` and `read_policy_documents` for these ARNs, the
    /// documents kept from the recorded ones. With a `kms_key_id` every
    /// document keeps room for the key's statement, whichever key it is.
    pub fn policy_values(&self) -> (Value, Value) {
        kept_policy_values(
            &self.documents,
            self.arns.values(),
            self.key_grant().as_ref(),
            self.kms_key_id.is_some(),
        )
    }

    /// The `kms:Decrypt` grant a customer key adds to the read policies
    /// (the key is in the secrets' region, so its ARN names that region).
    pub fn key_grant(&self) -> Option<KeyGrant> {
        let arn = self.key_arn.clone()?;
        let region = arn.split(':').nth(3)?.to_owned();
        KeyGrant::new([arn], via_service(&region))
    }

    /// The recovery window removals use: the resource's, else `provider`'s.
    pub fn window(&self, provider: i64) -> i64 {
        self.recovery_window_in_days.unwrap_or(provider)
    }

    /// Who owns this state's secrets: its id, and the id its `tags_all`
    /// still records (after an upgrade or an import, until the next apply
    /// re-tags the secrets).
    pub fn owner(&self) -> Owner {
        Owner::with_recorded(&self.id, self.tags_all.get(OWNERSHIP_ID))
    }

    /// The state value; the policies are derived from the ARNs (and the
    /// recorded documents).
    pub fn to_value(&self) -> Value {
        let names = self.arns.keys().map(|n| Value::String(n.clone())).collect();
        let arns = self
            .arns
            .iter()
            .map(|(n, a)| (n.clone(), Value::String(a.clone())))
            .collect();
        let (policy, documents) = self.policy_values();
        Value::Object(
            [
                (ID, Value::String(self.id.clone())),
                (SECRET_NAMES, Value::Set(names)),
                (SECRET_ARN_MAP, Value::Map(arns)),
                (READ_POLICY_JSON, policy),
                (READ_POLICY_DOCUMENTS, documents),
                (TAGS_ALL, string_map(&self.tags_all)),
                (KMS_KEY_ID, optional_string(self.kms_key_id.as_deref())),
                (
                    RECOVERY_WINDOW,
                    self.recovery_window_in_days
                        .map_or(Value::Null, Value::number),
                ),
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
        let documents =
            known_strings(value.get_attribute(READ_POLICY_DOCUMENTS)).unwrap_or_default();
        let kms_key_id = value
            .get_attribute(KMS_KEY_ID)
            .and_then(Value::as_str)
            .map(str::to_owned);
        let policy = value
            .get_attribute(READ_POLICY_JSON)
            .and_then(Value::as_str);
        let key_arn = kms_key_id
            .as_ref()
            .and(documents.first().map(String::as_str).or(policy))
            .and_then(KeyGrant::of_document)
            .and_then(|grant| grant.key_arns.into_iter().next());
        let recovery_window_in_days = value
            .get_attribute(RECOVERY_WINDOW)
            .and_then(Value::as_number)
            .and_then(|n| n.as_i64());
        Ok(Self {
            id,
            arns,
            tags_all,
            documents,
            kms_key_id,
            key_arn,
            recovery_window_in_days,
        })
    }
}

fn optional_string(value: Option<&str>) -> Value {
    value.map_or(Value::Null, |v| Value::String(v.to_owned()))
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
    known_strings(value)
}

/// The strings of a wholly known list or set, or `None`.
fn known_strings(value: Option<&Value>) -> Option<Vec<String>> {
    value?
        .as_elements()?
        .iter()
        .map(|v| v.as_str().map(str::to_owned))
        .collect()
}

#[cfg(test)]
pub mod tests {
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
        let recorded = SecretsState::from_value(&value).unwrap();
        assert_eq!(recorded.documents.len(), 1);
        let without_documents = SecretsState {
            documents: Vec::new(),
            ..recorded.clone()
        };
        assert_eq!(without_documents, state);
        assert_eq!(recorded.to_value(), value);
        let names = known_names(value.get_attribute(SECRET_NAMES)).unwrap();
        assert_eq!(names, vec!["a".to_owned()]);
        assert!(value
            .get_attribute(READ_POLICY_JSON)
            .unwrap()
            .as_str()
            .unwrap()
            .contains("a-AbCdEf"));
    }

    /// A state with 1,000 secrets, recorded.
    pub fn recorded_thousand() -> SecretsState {
        let arns = crate::provider::policy::tests::platform_arns(1_000, 7);
        let mut state = SecretsState::new("asm-1".into(), BTreeMap::new());
        state.arns = (0..).map(|i| format!("n{i:04}")).zip(arns).collect();
        SecretsState::from_value(&state.to_value()).unwrap()
    }

    /// How many documents differ between two recordings, counting a
    /// document added or dropped at the end.
    pub fn documents_changed(before: &SecretsState, after: &SecretsState) -> usize {
        let (b, a) = (&before.documents, &after.documents);
        b.iter().zip(a).filter(|(x, y)| x != y).count() + b.len().abs_diff(a.len())
    }

    #[test]
    fn each_recording_keeps_the_documents_of_the_last() {
        let mut recorded = recorded_thousand();
        assert!(recorded.documents.len() > 10);
        for removed in ["n0500", "n0000", "n0999", "n0501"] {
            let mut next = recorded.successor(recorded.tags_all.clone());
            next.arns = recorded.arns.clone();
            next.arns.remove(removed);
            let next = SecretsState::from_value(&next.to_value()).unwrap();
            assert!(documents_changed(&recorded, &next) <= 2);
            recorded = next;
        }
        let fresh = SecretsState {
            documents: Vec::new(),
            ..recorded.clone()
        };
        let fresh = SecretsState::from_value(&fresh.to_value()).unwrap();
        assert_ne!(
            fresh.documents, recorded.documents,
            "kept, not packed afresh"
        );
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
