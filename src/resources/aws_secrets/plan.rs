//! PlanResourceChange: precise planned values, so a plan shows exactly what
//! will change and a plan after apply is empty.

use std::collections::{BTreeMap, BTreeSet};

use crate::provider::arn::{partition_of_region, predicted_secret_arn};
use crate::provider::key_names::{is_aws_managed_alias, known_policy_key_arn};
use crate::provider::place::{region_and_account, Place};
use crate::provider::policy::{keyed_policy_json, planned_documents};
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
///
/// Everything knowable is planned (docs/development/decisions.md, "The plan
/// is the truth"): `secret_arn_map` has a key for every known name, the
/// recorded names' ARNs as values and only added names unknown;
/// `read_policy_documents` has its exact length, and the exact text of
/// every document no added name lands in, whenever the names and the place
/// are known; `read_policy_json` is unknown only when names are added.
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
    let recorded = if prior.is_null() {
        None
    } else {
        Some(SecretsState::from_value(prior)?)
    };
    let id = recorded
        .as_ref()
        .map_or_else(Value::unknown, |r| Value::String(r.id.clone()));
    let (arn_map, (policy, documents)) = match &names {
        Some(names) => {
            let recorded_arn = |name: &str| recorded.as_ref().and_then(|r| r.arns.get(name));
            let arn_map = Value::Map(
                names
                    .iter()
                    .map(|n| {
                        let arn = recorded_arn(n)
                            .map_or_else(Value::unknown, |a| Value::String(a.clone()));
                        (n.clone(), arn)
                    })
                    .collect(),
            );
            let policies = match &recorded {
                Some(prior)
                    if names.len() == prior.arns.len()
                        && names.iter().all(|n| prior.arns.contains_key(n)) =>
                {
                    planned_key_policies(prior, &key_value, place)
                }
                _ => planned_grants(recorded.as_ref(), names, &key_value, place),
            };
            (arn_map, policies)
        }
        None => (Value::unknown(), (Value::unknown(), Value::unknown())),
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

/// `read_policy_json` and `read_policy_documents` for known `names` that
/// add or remove some, continuing `recorded` (`None` for a create, which
/// packs afresh as apply's create does), under the planned key.
fn planned_grants(
    recorded: Option<&SecretsState>,
    names: &[String],
    key: &Value,
    place: Option<Place<'_>>,
) -> (Value, Value) {
    let unknown = || (Value::unknown(), Value::unknown());
    // Whether a key is set decides the room every document keeps.
    if !key.is_known() {
        return unknown();
    }
    let new_key = key.as_str().map(str::to_owned);
    let customer = new_key.as_deref().is_some_and(|k| !is_aws_managed_alias(k));
    let place = place.or_else(|| recorded.and_then(recorded_place));
    // The key ARN the applied documents will name, when known now.
    let key_arn = match recorded {
        Some(prior) if new_key == prior.kms_key_id && (prior.key_arn.is_some() || !customer) => {
            Some(prior.key_arn.clone())
        }
        _ => place.and_then(|p| known_policy_key_arn(new_key.as_deref(), p.region, p.account)),
    };
    let template = SecretsState {
        kms_key_id: new_key.clone(),
        key_arn: key_arn.clone().flatten(),
        ..recorded.cloned().unwrap_or_default()
    };
    let grant = template.key_grant();
    let reserve = new_key.is_some();
    let recorded_arn = |name: &str| recorded.and_then(|r| r.arns.get(name));
    let mut arns: Vec<String> = names
        .iter()
        .filter_map(|n| recorded_arn(n).cloned())
        .collect();
    let added: Vec<&String> = names.iter().filter(|n| recorded_arn(n).is_none()).collect();
    let mut predicted = Vec::with_capacity(added.len());
    if !added.is_empty() {
        // Without the place, or in a region whose partition is not known,
        // an ARN's length is not known: nothing more is.
        let Some(place) = place.filter(|p| partition_of_region(p.region).is_some()) else {
            return unknown();
        };
        predicted.extend(
            added
                .iter()
                .map(|n| predicted_secret_arn(place.region, place.account, n)),
        );
    }
    let predicted_set: BTreeSet<&str> = predicted.iter().map(String::as_str).collect();
    let texts_known = key_arn.is_some();
    let policy = if predicted.is_empty() && texts_known {
        keyed_policy_json(arns.iter().map(String::as_str), grant.as_ref())
            .map_or(Value::Null, Value::String)
    } else {
        Value::unknown()
    };
    arns.extend(predicted.iter().cloned());
    let kept_from = recorded.map_or(&[][..], |r| r.documents.as_slice());
    let documents = planned_documents(
        kept_from,
        arns.iter().map(String::as_str),
        &predicted_set,
        grant.as_ref(),
        reserve,
    )
    .into_iter()
    .map(|d| {
        d.filter(|_| texts_known)
            .map_or_else(Value::unknown, Value::String)
    })
    .collect();
    (policy, Value::List(documents))
}

/// The place a recorded ARN names: where an unconfigured provider's
/// resource lives.
fn recorded_place(recorded: &SecretsState) -> Option<Place<'_>> {
    recorded.arns.values().find_map(|arn| {
        let (region, account) = region_and_account(arn)?;
        Some(Place {
            region,
            account: Some(account),
        })
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

/// Terraform rejects an apply whose result contradicts a known planned value
/// ("Provider produced inconsistent result"). The plan above is built so
/// that this cannot happen; should it anyway (an ARN of a length no region
/// rule predicted), the apply says so as an error naming what differs, so
/// Terraform records the state as it is and the next plan starts from it.
pub fn check_applied(planned: &Value, applied: &Value, diags: &mut Diagnostics) {
    if diags.has_errors() || applied.is_null() {
        return;
    }
    let differing: Vec<&str> = [SECRET_ARN_MAP, READ_POLICY_JSON, READ_POLICY_DOCUMENTS]
        .into_iter()
        .filter(|attribute| {
            match (
                planned.get_attribute(attribute),
                applied.get_attribute(attribute),
            ) {
                (Some(planned), Some(applied)) => !conforms(planned, applied),
                _ => false,
            }
        })
        .collect();
    if differing.is_empty() {
        return;
    }
    diags.error_at(
        AttributePath::root(SECRET_NAMES),
        "The applied secrets differ from the plan",
        format!(
            "The apply finished, but {} differ from what the plan showed (for example a secret \
             ARN of a length the plan could not predict). State records what exists now; run \
             terraform plan to see it, and apply again. Please report this to the provider's \
             maintainers.",
            differing.join(" and ")
        ),
    );
}

/// Whether `applied` is what `planned` promised: equal wherever planned
/// is known, with a list's length and a map's keys included.
fn conforms(planned: &Value, applied: &Value) -> bool {
    match (planned, applied) {
        (planned, _) if planned.is_unknown() => true,
        (Value::List(planned), Value::List(applied)) => {
            planned.len() == applied.len()
                && planned.iter().zip(applied).all(|(p, a)| conforms(p, a))
        }
        (Value::Map(planned), Value::Map(applied)) => {
            planned.len() == applied.len()
                && planned
                    .iter()
                    .all(|(k, p)| applied.get(k).is_some_and(|a| conforms(p, a)))
        }
        (planned, applied) => planned == applied,
    }
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
        // The keys are the names, a create included; the ARNs are unknown.
        let arns = planned
            .get_attribute(SECRET_ARN_MAP)
            .unwrap()
            .as_map()
            .unwrap();
        assert_eq!(arns.keys().collect::<Vec<_>>(), ["a"]);
        assert!(arns["a"].is_unknown());
        // Without the place, the length of the ARN to be is not known.
        assert!(planned
            .get_attribute(READ_POLICY_DOCUMENTS)
            .unwrap()
            .is_unknown());
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
    const HERE: Place = Place {
        region: "us-east-1",
        account: None,
    };

    /// Names of every length, some another's plus "-" (which orders
    /// differently by ARN than by name, depending on the random suffix)
    /// or "+", some ending like a suffix themselves.
    fn name_pool(count: usize, seed: u64) -> Vec<String> {
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut pool = Vec::new();
        for i in 0..count {
            let base = format!("team-{}/svc{i}{}", i % 5, "x".repeat(rng.usize(0..90)));
            match i % 4 {
                0 => pool.extend([format!("{base}-q"), base]),
                1 => pool.extend([format!("{base}+q"), base]),
                2 => pool.push(format!("{base}-AbC123")),
                _ => pool.push(base),
            }
        }
        pool
    }

    fn strings(value: &Value) -> Vec<Option<String>> {
        value
            .as_elements()
            .unwrap()
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect()
    }

    /// The plan is the truth: from a create of 250 names through 40 random
    /// changes (additions, removals, both), with names of every length and
    /// shape, every known planned value is the applied one (Terraform's
    /// check, `check_applied`, finds nothing), the documents' count is
    /// always known, an addition leaves unknown only the documents it
    /// lands in, and a removal plans everything, `read_policy_json` too.
    #[tokio::test]
    async fn every_known_planned_value_is_what_apply_returns() {
        use crate::provider::secrets::fake::FakeSecrets;
        use crate::resources::aws_secrets::apply::tests::configured;
        use crate::resources::aws_secrets::apply::{create, update};
        use crate::tf::stop::StopSignal;

        let fake = std::sync::Arc::new(FakeSecrets::new());
        let client = configured(&fake, &[]);
        let pool = name_pool(260, 23);
        let mut rng = fastrand::Rng::with_seed(23);
        let mut names: BTreeSet<&str> = pool.iter().take(250).map(String::as_str).collect();
        let mut prior = Value::Null;
        let mut unknown_documents = 0;
        for step in 0..41 {
            if step > 0 {
                for _ in 0..rng.usize(0..3) {
                    names.insert(&pool[rng.usize(..pool.len())]);
                }
                let remove = if step % 5 == 0 { 0 } else { rng.usize(0..3) };
                for _ in 0..remove {
                    let gone = *names.iter().nth(rng.usize(..names.len())).unwrap();
                    names.remove(gone);
                }
            }
            let list: Vec<&str> = names.iter().copied().collect();
            let planned = plan(&prior, &config(&list), Some(&BTreeMap::new()), Some(HERE))
                .unwrap()
                .state;
            let documents = strings(planned.get_attribute(READ_POLICY_DOCUMENTS).unwrap());
            let recorded = SecretsState::from_value(&prior).ok();
            let added = list
                .iter()
                .filter(|n| recorded.as_ref().is_none_or(|r| !r.arns.contains_key(**n)))
                .count();
            let unknown = documents.iter().filter(|d| d.is_none()).count();
            assert!(
                unknown <= added,
                "step {step}: {unknown} unknown for {added} added"
            );
            assert_eq!(
                planned
                    .get_attribute(READ_POLICY_JSON)
                    .unwrap()
                    .is_unknown(),
                added > 0,
                "step {step}"
            );
            if let Some(recorded) = &recorded {
                let before = &recorded.documents;
                let touched = before
                    .iter()
                    .zip(&documents)
                    .filter(|(b, p)| p.as_ref() != Some(*b))
                    .count()
                    + before.len().abs_diff(documents.len());
                let removed = recorded
                    .arns
                    .keys()
                    .filter(|n| !names.contains(n.as_str()))
                    .count();
                assert!(
                    touched <= 2 * (added + removed),
                    "step {step}: {touched} touched"
                );
            }
            unknown_documents += unknown;

            let mut diags = Diagnostics::new();
            let applied = match recorded {
                None => create(&client, &StopSignal::never(), &planned, &mut diags).await,
                Some(recorded) => {
                    update(
                        &client,
                        &StopSignal::never(),
                        recorded,
                        &planned,
                        &mut diags,
                    )
                    .await
                }
            };
            assert!(!diags.has_errors(), "step {step}: {diags:?}");
            check_applied(&planned, &applied, &mut diags);
            assert!(diags.is_empty(), "step {step}: {diags:?}");
            let applied_documents = strings(applied.get_attribute(READ_POLICY_DOCUMENTS).unwrap());
            assert_eq!(applied_documents.len(), documents.len(), "step {step}");
            assert!(applied_documents.len() > 3, "several documents");
            prior = applied;
        }
        assert!(
            unknown_documents > 15,
            "additions were planned: {unknown_documents}"
        );
    }

    /// The check can fail: a different ARN, a missing document or key.
    #[test]
    fn an_apply_that_contradicts_its_plan_is_an_error() {
        let planned = plan(
            &prior(),
            &config(&["a", "c"]),
            Some(&BTreeMap::new()),
            Some(HERE),
        )
        .unwrap()
        .state;
        let mut state = SecretsState::from_value(&prior()).unwrap();
        state.arns.remove("b");
        state.arns.insert(
            "c".into(),
            "arn:aws:secretsmanager:us-east-1:000000000000:secret:c-AbCdEf".into(),
        );
        let mut diags = Diagnostics::new();
        check_applied(&planned, &state.to_value(), &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        state.arns.insert("a".into(), "arn:other".into());
        check_applied(&planned, &state.to_value(), &mut diags);
        assert!(diags.has_errors());
        assert!(diags
            .iter()
            .next()
            .unwrap()
            .detail
            .contains("secret_arn_map"));
    }
}
