//! Plan-time warnings about size: a policy IAM would refuse, and a
//! resource large enough that Terraform's own work dominates.

use crate::provider::arn::predicted_secret_arn;
use crate::provider::place::{region_and_account, Place};
use crate::provider::policy::{read_policy_size, MANAGED_POLICY_LIMIT};
use crate::tf::diag::Diagnostics;
use crate::tf::value::{AttributePath, Value};

use super::schema::{SECRET_ARN_MAP, SECRET_NAMES};

/// Above this many names in one resource, Terraform's own after-apply
/// consistency check (pairwise over set elements) costs more than the
/// provider's work; docs/guides/scale.md has the measurements.
pub const NAMES_PER_RESOURCE_ADVISED: usize = 1_000;

/// Adds the warnings a plan from `prior` (null for a create) to `planned`
/// deserves; `here` is where the configured provider creates secrets, when
/// it is configured. Each warns only when the plan brings the problem about
/// (a create, or a change that crosses the line), so a plan that leaves
/// things as they are, a no-change plan above all, warns of nothing.
pub fn warn(prior: &Value, planned: &Value, here: Option<Place<'_>>, diags: &mut Diagnostics) {
    let before = (!prior.is_null()).then(|| recorded_size(prior));
    if before.is_none_or(|(_, policy)| policy <= MANAGED_POLICY_LIMIT) {
        warn_about_policy_size(planned, here, diags);
    }
    if before.is_none_or(|(names, _)| names <= NAMES_PER_RESOURCE_ADVISED) {
        warn_about_resource_size(planned, diags);
    }
}

/// How many names `prior` records, and the size of its `read_policy_json`.
fn recorded_size(prior: &Value) -> (usize, usize) {
    let arns = prior
        .get_attribute(SECRET_ARN_MAP)
        .and_then(Value::as_map)
        .map(|m| m.values().filter_map(Value::as_str).collect::<Vec<_>>())
        .unwrap_or_default();
    (arns.len(), read_policy_size(arns.iter().copied()))
}

/// `read_policy_json` over IAM's managed-policy limit (the caller asks
/// only when it was not over it before), judged on the first plan already: a name being added has no ARN yet, but the length its ARN
/// will have is known (partition, region and account from the provider,
/// the name, and the 7-character suffix), so the apply that would attach
/// the policy is warned about before it fails at IAM.
fn warn_about_policy_size(planned: &Value, here: Option<Place<'_>>, diags: &mut Diagnostics) {
    let Some(names) = planned
        .get_attribute(SECRET_NAMES)
        .and_then(Value::as_elements)
    else {
        return;
    };
    let known = planned
        .get_attribute(SECRET_ARN_MAP)
        .and_then(Value::as_map);
    let known_arn = |name: &str| known.and_then(|m| m.get(name)).and_then(Value::as_str);
    // Without a configured provider, a recorded ARN tells the place.
    let here = here.or_else(|| {
        known?.values().filter_map(Value::as_str).find_map(|arn| {
            let (region, account) = region_and_account(arn)?;
            Some(Place {
                region,
                account: Some(account),
            })
        })
    });
    let mut arns = Vec::new();
    let mut predicted = 0;
    for name in names.iter().filter_map(Value::as_str) {
        if let Some(arn) = known_arn(name) {
            arns.push(arn.to_owned());
        } else if let Some(here) = here {
            arns.push(predicted_secret_arn(here.region, here.account, name));
            predicted += 1;
        }
    }
    let size = read_policy_size(arns.iter().map(String::as_str));
    if size <= MANAGED_POLICY_LIMIT {
        return;
    }
    let (is, when) = match predicted {
        0 => ("is", String::new()),
        n => (
            "will be",
            format!(" once the {n} being added exist (the length of an ARN is known before the secret is created)"),
        ),
    };
    diags.warning_at(
        AttributePath::root(SECRET_NAMES),
        "read_policy_json is larger than IAM accepts",
        format!(
            "read_policy_json {is} {size} characters for {} secrets{when}, but IAM refuses a \
             managed policy over {MANAGED_POLICY_LIMIT} characters. Attach read_policy_documents \
             (the same grant in documents that each fit) instead, or give each application its \
             own policy for its own secrets with provider::planton::read_policy_json.",
            arns.len()
        ),
    );
}

fn warn_about_resource_size(planned: &Value, diags: &mut Diagnostics) {
    let Some(names) = planned
        .get_attribute(SECRET_NAMES)
        .and_then(Value::as_elements)
    else {
        return;
    };
    if names.len() <= NAMES_PER_RESOURCE_ADVISED {
        return;
    }
    diags.warning_at(
        AttributePath::root(SECRET_NAMES),
        format!("{} names in one planton_aws_secrets", names.len()),
        format!(
            "After every apply Terraform compares set values element by element, which grows \
             with the square of the number of names; above about {NAMES_PER_RESOURCE_ADVISED} \
             names that check costs more than the provider's own work. Split the names into \
             groups of at most {NAMES_PER_RESOURCE_ADVISED}: a map of name lists and one \
             resource with for_each over it (see the scale guide in the provider's \
             documentation)."
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::policy::tests::realistic_arns;

    const HERE: Place = Place {
        region: "eu-central-1",
        account: Some("123456789012"),
    };

    /// A plan where every name already has its ARN.
    fn planned(arns: &[String]) -> Value {
        let known: Vec<(String, String)> = arns
            .iter()
            .enumerate()
            .map(|(i, a)| (format!("n{i}"), a.clone()))
            .collect();
        let names: Vec<String> = known.iter().map(|(n, _)| n.clone()).collect();
        adding(&names, &known)
    }

    #[test]
    fn small_resources_plan_without_warnings() {
        let mut diags = Diagnostics::new();
        warn(
            &Value::Null,
            &planned(&realistic_arns(40)),
            Some(HERE),
            &mut diags,
        );
        assert!(diags.is_empty(), "{diags:?}");
    }

    #[test]
    fn an_oversized_policy_warns_once_with_its_size_and_the_limit() {
        let arns = realistic_arns(300);
        let size = read_policy_size(arns.iter().map(String::as_str));
        let mut diags = Diagnostics::new();
        warn(&Value::Null, &planned(&arns), Some(HERE), &mut diags);
        assert_eq!(diags.len(), 1);
        let warning = diags.iter().next().unwrap();
        assert!(!diags.has_errors());
        assert!(warning.detail.starts_with(&format!(
            "read_policy_json is {size} characters for 300 secrets, but"
        )));
        assert!(warning.detail.contains("6144"));
        assert!(warning.detail.contains("read_policy_documents"));
        assert!(warning
            .detail
            .contains("provider::planton::read_policy_json"));
    }

    #[test]
    fn a_resource_over_the_advised_size_warns_how_to_split() {
        let mut diags = Diagnostics::new();
        warn(
            &Value::Null,
            &planned(&realistic_arns(1_001)),
            Some(HERE),
            &mut diags,
        );
        assert!(diags
            .iter()
            .any(|d| d.summary.starts_with("1001 names") && d.detail.contains("for_each")));
    }

    /// A plan with these names, of which `known` have their ARNs (the
    /// others are being added).
    fn adding(names: &[String], known: &[(String, String)]) -> Value {
        let set = names.iter().map(|n| Value::String(n.clone())).collect();
        let map = known
            .iter()
            .map(|(n, a)| (n.clone(), Value::String(a.clone())))
            .collect();
        Value::Object(
            [
                (SECRET_NAMES.to_owned(), Value::Set(set)),
                (SECRET_ARN_MAP.to_owned(), Value::Map(map)),
            ]
            .into_iter()
            .collect(),
        )
    }

    fn names_of(arns: &[String]) -> Vec<String> {
        arns.iter()
            .map(|a| a.splitn(7, ':').nth(6).unwrap())
            .map(|r| r[..r.len() - 7].to_owned())
            .collect()
    }

    #[test]
    fn the_first_plan_warns_from_the_length_the_arns_will_have() {
        let arns = realistic_arns(300);
        let names = names_of(&arns);
        let size = read_policy_size(arns.iter().map(String::as_str));
        let mut diags = Diagnostics::new();
        warn(&Value::Null, &adding(&names, &[]), Some(HERE), &mut diags);
        assert_eq!(diags.len(), 1, "{diags:?}");
        let warning = diags.iter().next().unwrap();
        assert!(
            warning.detail.starts_with(&format!(
                "read_policy_json will be {size} characters for 300 secrets once the 300 being \
                 added exist"
            )),
            "{}",
            warning.detail
        );
        // Half recorded, half being added: the same size, and the place
        // comes from a recorded ARN when the provider is not configured.
        let known: Vec<(String, String)> = names
            .iter()
            .cloned()
            .zip(arns.iter().cloned())
            .take(150)
            .collect();
        for here in [Some(HERE), None] {
            let mut diags = Diagnostics::new();
            warn(&Value::Null, &adding(&names, &known), here, &mut diags);
            let detail = &diags.iter().next().unwrap().detail;
            assert!(
                detail.starts_with(&format!(
                    "read_policy_json will be {size} characters for 300 secrets once the 150"
                )),
                "{detail}"
            );
        }
    }

    #[test]
    fn a_first_plan_that_fits_says_nothing_and_an_unknown_place_predicts_nothing() {
        let arns = realistic_arns(300);
        let names = names_of(&arns);
        let fit = crate::provider::policy::arns_that_fit(arns.iter().map(String::as_str));
        let mut diags = Diagnostics::new();
        warn(
            &Value::Null,
            &adding(&names[..fit], &[]),
            Some(HERE),
            &mut diags,
        );
        assert!(diags.is_empty(), "{diags:?}");
        let mut diags = Diagnostics::new();
        warn(&Value::Null, &adding(&names, &[]), None, &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
    }

    /// A plan that leaves the policy over the limit, or the names over the
    /// advised count, warns of neither: only the plan that crosses the line
    /// (or creates beyond it) does.
    #[test]
    fn only_a_plan_that_crosses_a_line_warns() {
        let arns = realistic_arns(1_002);
        let over = planned(&arns[..1_001]);
        let mut diags = Diagnostics::new();
        warn(&over, &over, Some(HERE), &mut diags);
        assert!(diags.is_empty(), "no change: {diags:?}");
        let mut diags = Diagnostics::new();
        warn(&over, &planned(&arns), Some(HERE), &mut diags);
        assert!(diags.is_empty(), "still over both lines: {diags:?}");

        let fit = crate::provider::policy::arns_that_fit(arns.iter().map(String::as_str));
        let mut diags = Diagnostics::new();
        warn(
            &planned(&arns[..fit]),
            &planned(&arns[..fit + 1]),
            Some(HERE),
            &mut diags,
        );
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(
            diags.iter().next().unwrap().summary,
            "read_policy_json is larger than IAM accepts"
        );

        let mut diags = Diagnostics::new();
        warn(&planned(&arns[..1_000]), &over, Some(HERE), &mut diags);
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert!(diags
            .iter()
            .next()
            .unwrap()
            .summary
            .starts_with("1001 names"));
    }
}
