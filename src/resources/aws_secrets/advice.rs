//! Plan-time warnings about size: a policy IAM would refuse, and a
//! resource large enough that Terraform's own work dominates.

use crate::provider::policy::{read_policy_size, MANAGED_POLICY_LIMIT};
use crate::tf::diag::Diagnostics;
use crate::tf::value::{AttributePath, Value};

use super::schema::{SECRET_ARN_MAP, SECRET_NAMES};

/// Above this many names in one resource, Terraform's own after-apply
/// consistency check (pairwise over set elements) costs more than the
/// provider's work; docs/guides/scale.md has the measurements.
pub const NAMES_PER_RESOURCE_ADVISED: usize = 1_000;

/// Adds the warnings that apply to a planned state.
pub fn warn(planned: &Value, diags: &mut Diagnostics) {
    warn_about_policy_size(planned, diags);
    warn_about_resource_size(planned, diags);
}

/// `read_policy_json` over IAM's managed-policy limit, judged from the ARNs
/// known at plan time (for added names, the next plan knows).
fn warn_about_policy_size(planned: &Value, diags: &mut Diagnostics) {
    let Some(arns) = planned
        .get_attribute(SECRET_ARN_MAP)
        .and_then(Value::as_map)
    else {
        return;
    };
    let known = arns.values().filter_map(Value::as_str);
    let size = read_policy_size(known);
    if size <= MANAGED_POLICY_LIMIT {
        return;
    }
    diags.warning(
        "read_policy_json is larger than IAM accepts",
        format!(
            "read_policy_json is {size} characters for {} secrets, but IAM refuses a managed \
             policy over {MANAGED_POLICY_LIMIT} characters. Attach read_policy_documents (the \
             same grant in documents that each fit) instead, or give each application its own \
             policy for its own secrets with provider::planton::read_policy_json.",
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

    fn planned(arns: &[String]) -> Value {
        let names = arns
            .iter()
            .enumerate()
            .map(|(i, _)| Value::String(format!("n{i}")))
            .collect();
        let map = arns
            .iter()
            .enumerate()
            .map(|(i, a)| (format!("n{i}"), Value::String(a.clone())))
            .collect();
        Value::Object(
            [
                (SECRET_NAMES.to_owned(), Value::Set(names)),
                (SECRET_ARN_MAP.to_owned(), Value::Map(map)),
            ]
            .into_iter()
            .collect(),
        )
    }

    #[test]
    fn small_resources_plan_without_warnings() {
        let mut diags = Diagnostics::new();
        warn(&planned(&realistic_arns(40)), &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
    }

    #[test]
    fn an_oversized_policy_warns_once_with_its_size_and_the_limit() {
        let arns = realistic_arns(300);
        let size = read_policy_size(arns.iter().map(String::as_str));
        let mut diags = Diagnostics::new();
        warn(&planned(&arns), &mut diags);
        assert_eq!(diags.len(), 1);
        let warning = diags.iter().next().unwrap();
        assert!(!diags.has_errors());
        assert!(warning.detail.contains(&size.to_string()));
        assert!(warning.detail.contains("6144"));
        assert!(warning.detail.contains("read_policy_documents"));
        assert!(warning
            .detail
            .contains("provider::planton::read_policy_json"));
    }

    #[test]
    fn a_resource_over_the_advised_size_warns_how_to_split() {
        let mut diags = Diagnostics::new();
        warn(&planned(&realistic_arns(1_001)), &mut diags);
        assert!(diags
            .iter()
            .any(|d| d.summary.starts_with("1001 names") && d.detail.contains("for_each")));
    }
}
