//! PlanResourceChange: precise planned values, so a plan shows exactly what
//! will change and a plan after apply is empty.

use std::collections::BTreeMap;

use crate::provider::key_names::{is_aws_managed_alias, known_policy_key_arn};
use crate::provider::place::Place;
use crate::provider::tags::{ownership_tags, OWNERSHIP_ID};
use crate::tf::diag::Diagnostics;
use crate::tf::provider::Planned;
use crate::tf::value::{AttributePath, Value};

use super::model::{known_names, SecretsState};
use super::report::brief_listing;
use super::schema::{
    ID, KMS_KEY_ID, READ_POLICY_DOCUMENTS, READ_POLICY_JSON, RECOVERY_WINDOW, SECRET_ARN_MAP,
    SECRET_NAMES, TAGS_ALL,
};

/// Plans a create (`prior` null) or an update. `default_tags` and `place`
/// are `None` when the provider configuration is not known yet.
pub fn plan(
    prior: &Value,
    config: &Value,
    default_tags: Option<&BTreeMap<String, String>>,
    place: Option<Place<'_>>,
) -> Result<Planned, String> {
    let attribute = |name| config.get_attribute(name).cloned().unwrap_or(Value::Null);
    let key_value = attribute(KMS_KEY_ID);
    let window_value = attribute(RECOVERY_WINDOW);
    let names_value = config
        .get_attribute(SECRET_NAMES)
        .cloned()
        .unwrap_or(Value::Null);
    let names = known_names(Some(&names_value));

    let unknown_policies = || (Value::unknown(), Value::unknown());
    let (id, arn_map, (policy, documents)) = if prior.is_null() {
        (Value::unknown(), Value::unknown(), unknown_policies())
    } else {
        let prior = SecretsState::from_value(prior)?;
        let (arn_map, planned_policies) = match &names {
            // Names that stay keep their ARNs; only added names are unknown.
            Some(names) => {
                let arn_map = Value::Map(
                    names
                        .iter()
                        .map(|n| {
                            let arn = prior
                                .arns
                                .get(n)
                                .map_or_else(Value::unknown, |a| Value::String(a.clone()));
                            (n.clone(), arn)
                        })
                        .collect(),
                );
                let unchanged = names.len() == prior.arns.len()
                    && names.iter().all(|n| prior.arns.contains_key(n));
                let planned_policies = if unchanged {
                    planned_key_policies(&prior, &key_value, place)
                } else {
                    unknown_policies()
                };
                (arn_map, planned_policies)
            }
            None => (Value::unknown(), unknown_policies()),
        };
        (Value::String(prior.id.clone()), arn_map, planned_policies)
    };

    let tags_all = match default_tags {
        Some(defaults) => planned_tags(defaults, id.as_str()),
        None => Value::unknown(),
    };

    let state = Value::Object(
        [
            (ID, id),
            (SECRET_NAMES, names_value),
            (SECRET_ARN_MAP, arn_map),
            (READ_POLICY_JSON, policy),
            (READ_POLICY_DOCUMENTS, documents),
            (TAGS_ALL, tags_all),
            (KMS_KEY_ID, key_value),
            (RECOVERY_WINDOW, window_value),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect(),
    );
    Ok(Planned {
        state,
        requires_replace: Vec::new(),
        private: Vec::new(),
    })
}

/// The policies of unchanged names under the planned key: the recorded
/// ones when the key stays, else as the new key makes them when its ARN is
/// known without asking KMS. Otherwise the text waits for apply, but the
/// count is known: every document keeps the same room for a key statement
/// whichever key it is (a key not known yet is taken to be set).
fn planned_key_policies(
    prior: &SecretsState,
    key: &Value,
    place: Option<Place<'_>>,
) -> (Value, Value) {
    let new_key = key.as_str().map(str::to_owned);
    // Recorded: no customer key, or one whose ARN the documents hold.
    let customer = new_key.as_deref().is_some_and(|k| !is_aws_managed_alias(k));
    if key.is_known() && new_key == prior.kms_key_id && (prior.key_arn.is_some() || !customer) {
        return prior.policy_values();
    }
    let resolved = match (key.is_known(), place) {
        (true, Some(place)) => {
            known_policy_key_arn(new_key.as_deref(), place.region, place.account)
        }
        _ => None,
    };
    if let Some(key_arn) = resolved {
        let next = SecretsState {
            kms_key_id: new_key,
            key_arn,
            ..prior.clone()
        };
        return next.policy_values();
    }
    let placeholder = SecretsState {
        kms_key_id: Some(new_key.unwrap_or_default()),
        key_arn: None,
        ..prior.clone()
    };
    let (_, documents) = placeholder.policy_values();
    let count = documents.as_elements().map_or(0, <[Value]>::len);
    (Value::unknown(), Value::List(vec![Value::unknown(); count]))
}

/// The resource's own recovery window in a planned state, when set and
/// known.
pub fn planned_window(planned: &Value) -> Option<i64> {
    planned
        .get_attribute(RECOVERY_WINDOW)
        .and_then(Value::as_number)
        .and_then(|n| n.as_i64())
}

/// The names an update plan drops: known in the prior state and absent
/// from the planned (known) names.
pub fn removed_names(prior: &Value, planned: &Value) -> Vec<String> {
    let (Ok(prior), Some(names)) = (
        SecretsState::from_value(prior),
        known_names(planned.get_attribute(SECRET_NAMES)),
    ) else {
        return Vec::new();
    };
    prior
        .arns
        .into_keys()
        .filter(|n| !names.contains(n))
        .collect()
}

/// One warning naming the secrets a plan will schedule for deletion, so
/// "1 to change" never hides a deletion.
pub fn warn_deletions(names: &[String], window: Option<i64>, diags: &mut Diagnostics) {
    if names.is_empty() {
        return;
    }
    let window = match window {
        Some(days) => format!("a recovery window of {days} days"),
        None => "the provider's recovery window".to_owned(),
    };
    diags.warning_at(
        AttributePath::root(SECRET_NAMES),
        format!("{} secret(s) will be scheduled for deletion", names.len()),
        format!(
            "Applying this plan schedules these secrets for deletion with {window}: {}. Until the \
             window ends they can be restored (aws secretsmanager restore-secret, or add the name \
             back and apply); applications reading them fail meanwhile.",
            brief_listing(names)
        ),
    );
}

/// The provider's default tags plus the ownership tags; the id tag is
/// unknown until the id is.
fn planned_tags(defaults: &BTreeMap<String, String>, id: Option<&str>) -> Value {
    let mut tags: BTreeMap<String, Value> = ownership_tags(defaults, id.unwrap_or_default())
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    if id.is_none() {
        tags.insert(OWNERSHIP_ID.to_owned(), Value::unknown());
    }
    Value::Map(tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(names: &[&str]) -> Value {
        let set = Value::Set(
            names
                .iter()
                .map(|n| Value::String((*n).to_owned()))
                .collect(),
        );
        Value::Object([(SECRET_NAMES.to_owned(), set)].into_iter().collect())
    }

    fn prior() -> Value {
        let mut state =
            SecretsState::new("asm-1".into(), ownership_tags(&BTreeMap::new(), "asm-1"));
        state.arns.insert("a".into(), "arn:a".into());
        state.arns.insert("b".into(), "arn:b".into());
        state.to_value()
    }

    #[test]
    fn create_plans_unknown_computed_values() {
        let planned = plan(&Value::Null, &config(&["a"]), Some(&BTreeMap::new()), None)
            .unwrap()
            .state;
        assert!(planned.get_attribute(ID).unwrap().is_unknown());
        assert!(planned.get_attribute(SECRET_ARN_MAP).unwrap().is_unknown());
        let tags = planned.get_attribute(TAGS_ALL).unwrap().as_map().unwrap();
        assert!(tags[OWNERSHIP_ID].is_unknown());
        assert_eq!(tags["planton.ai/resource"], Value::String("true".into()));
    }

    #[test]
    fn same_names_plan_exactly_the_prior_state() {
        let planned = plan(&prior(), &config(&["a", "b"]), Some(&BTreeMap::new()), None)
            .unwrap()
            .state;
        assert_eq!(planned, prior());
        // Order in the configuration is no change either.
        let reordered = plan(&prior(), &config(&["b", "a"]), Some(&BTreeMap::new()), None)
            .unwrap()
            .state;
        for attribute in [
            ID,
            SECRET_ARN_MAP,
            READ_POLICY_JSON,
            READ_POLICY_DOCUMENTS,
            TAGS_ALL,
        ] {
            assert_eq!(
                reordered.get_attribute(attribute),
                prior().get_attribute(attribute)
            );
        }
    }

    /// Documents kept through earlier changes (not a fresh packing) are
    /// planned exactly as recorded while the names stay.
    #[test]
    fn unchanged_names_plan_the_recorded_documents() {
        let mut prior = crate::resources::aws_secrets::model::tests::recorded_thousand();
        prior.arns.remove("n0500");
        let prior = SecretsState::from_value(&prior.to_value()).unwrap();
        let names: Vec<&str> = prior.arns.keys().map(String::as_str).collect();
        let planned = plan(
            &prior.to_value(),
            &config(&names),
            Some(&BTreeMap::new()),
            None,
        )
        .unwrap()
        .state;
        let documents: Vec<Value> = prior.documents.iter().cloned().map(Value::String).collect();
        assert_eq!(
            planned.get_attribute(READ_POLICY_DOCUMENTS),
            Some(&Value::List(documents))
        );
        let fresh = SecretsState {
            documents: Vec::new(),
            ..prior.clone()
        };
        assert_ne!(
            fresh.to_value().get_attribute(READ_POLICY_DOCUMENTS),
            planned.get_attribute(READ_POLICY_DOCUMENTS)
        );
    }

    #[test]
    fn added_names_alone_are_unknown() {
        let planned = plan(&prior(), &config(&["a", "c"]), Some(&BTreeMap::new()), None)
            .unwrap()
            .state;
        let arns = planned
            .get_attribute(SECRET_ARN_MAP)
            .unwrap()
            .as_map()
            .unwrap();
        assert_eq!(arns["a"], Value::String("arn:a".into()));
        assert!(arns["c"].is_unknown());
        assert!(!arns.contains_key("b"));
        assert!(planned
            .get_attribute(READ_POLICY_JSON)
            .unwrap()
            .is_unknown());
        assert!(planned
            .get_attribute(READ_POLICY_DOCUMENTS)
            .unwrap()
            .is_unknown());
        assert_eq!(
            planned.get_attribute(ID),
            Some(&Value::String("asm-1".into()))
        );
    }

    #[test]
    fn changed_default_tags_change_tags_all_only() {
        let tags = BTreeMap::from([("team".to_owned(), "platform".to_owned())]);
        let planned = plan(&prior(), &config(&["a", "b"]), Some(&tags), None)
            .unwrap()
            .state;
        let planned_tags = planned.get_attribute(TAGS_ALL).unwrap().as_map().unwrap();
        assert_eq!(planned_tags["team"], Value::String("platform".into()));
        assert!(!planned
            .get_attribute(READ_POLICY_JSON)
            .unwrap()
            .is_unknown());
    }

    #[test]
    fn removed_names_are_named_in_one_warning() {
        let planned = plan(&prior(), &config(&["a", "c"]), Some(&BTreeMap::new()), None)
            .unwrap()
            .state;
        let removed = removed_names(&prior(), &planned);
        assert_eq!(removed, ["b"]);
        let mut diags = Diagnostics::new();
        warn_deletions(&removed, Some(7), &mut diags);
        assert_eq!(diags.len(), 1);
        let warning = diags.iter().next().unwrap();
        assert!(warning.summary.starts_with("1 secret(s) will be scheduled"));
        assert!(warning.detail.contains("7 days: \"b\""));
        assert!(removed_names(&Value::Null, &planned).is_empty());
        let mut diags = Diagnostics::new();
        warn_deletions(&[], Some(7), &mut diags);
        assert!(diags.is_empty());
    }

    #[test]
    fn a_new_key_plans_its_documents_or_at_least_their_count() {
        let prior = crate::resources::aws_secrets::model::tests::recorded_thousand();
        let names: Vec<&str> = prior.arns.keys().map(String::as_str).collect();
        let place = Place {
            region: "us-east-1",
            account: Some("111122223333"),
        };
        let with_key = |key: Value| {
            let mut config = config(&names);
            if let Value::Object(attributes) = &mut config {
                attributes.insert(KMS_KEY_ID.to_owned(), key);
            }
            let planned = plan(
                &prior.to_value(),
                &config,
                Some(&BTreeMap::new()),
                Some(place),
            )
            .unwrap()
            .state;
            planned
                .get_attribute(READ_POLICY_DOCUMENTS)
                .unwrap()
                .clone()
        };
        let key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        let known = with_key(Value::String(key.into()));
        let known = known.as_elements().unwrap();
        assert!(known.iter().all(|d| d.as_str().unwrap().contains(key)));
        // By key id: the ARN follows from the region and account.
        let by_id = with_key(Value::String("1234abcd-12ab-34cd-56ef-1234567890ab".into()));
        assert_eq!(by_id.as_elements().unwrap(), known);
        // An alias, or a key not known yet: the text waits, the count not.
        for key in [Value::String("alias/app".into()), Value::unknown()] {
            let waiting = with_key(key);
            let waiting = waiting.as_elements().unwrap();
            assert_eq!(waiting.len(), known.len());
            assert!(waiting.iter().all(Value::is_unknown));
        }
    }

    #[test]
    fn unknown_names_make_arns_unknown() {
        let names = Value::Set(vec![Value::String("a".into()), Value::unknown()]);
        let config = Value::Object([(SECRET_NAMES.to_owned(), names)].into_iter().collect());
        let planned = plan(&prior(), &config, None, None).unwrap().state;
        assert!(planned.get_attribute(SECRET_ARN_MAP).unwrap().is_unknown());
        assert!(planned.get_attribute(TAGS_ALL).unwrap().is_unknown());
    }
}
