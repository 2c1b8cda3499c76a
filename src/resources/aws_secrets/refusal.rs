//! Saying why names were not taken, and what the user can do about it.

use crate::tf::diag::Diagnostics;
use crate::tf::value::AttributePath;

use super::ownership::Refusal;
use super::report::brief_listing;
use super::schema::SECRET_NAMES;

/// Refusals explained one per line before the rest are counted.
const EXPLAINED: usize = 10;

/// What to do about one refused name.
fn remedy(name: &str, refusal: &Refusal) -> String {
    match refusal {
        Refusal::OwnedByAnother { .. } => format!(
            "A secret has one owner, so it was left untouched. Remove the name from one of the \
             two resources, or move it deliberately: remove it from the other resource's state \
             (terraform state rm, or drop the name there), then import it here (terraform import \
             <address> '{name},...')."
        ),
        Refusal::NotPlanton
        | Refusal::Altered {
            scheduled_for_deletion: false,
            ..
        } => format!(
            "This provider never takes over a secret it did not make, so it was left untouched. \
             To manage it here, import it (terraform import <address> '{name},...'); otherwise \
             remove the name from secret_names."
        ),
        Refusal::Altered {
            scheduled_for_deletion: true,
            ..
        }
        | Refusal::ScheduledNotPlanton => format!(
            "This provider will not restore it. Inspect it, then restore it yourself (aws \
             secretsmanager restore-secret --secret-id '{name}') and import it (terraform import \
             <address> '{name},...'), wait for its deletion to complete, or choose another name."
        ),
    }
}

/// The detail of one refused name's error.
pub fn refused_detail(name: &str, refusal: &Refusal) -> String {
    format!(
        "A secret named {name:?} cannot be taken: {refusal}. {}",
        remedy(name, refusal)
    )
}

/// One error for a create that found names it may not take: which, why,
/// and (when planton secrets of an unknown id are among them, as after
/// Terraform was killed mid-create) the import that takes them over and
/// lets the next apply add the rest.
pub fn explain_refusals(mut refused: Vec<(String, Refusal)>, diags: &mut Diagnostics) {
    if refused.is_empty() {
        return;
    }
    refused.sort_by(|a, b| a.0.cmp(&b.0));
    let mut detail = String::from(
        "Nothing was created or changed. A secret has one owner, and a new \
         planton_aws_secrets resource only creates secrets, or restores clean planton secrets \
         scheduled for deletion; it never takes over an existing one.\n",
    );
    for (name, refusal) in refused.iter().take(EXPLAINED) {
        detail.push_str(&format!("\n- {name:?}: {refusal}"));
    }
    let rest: Vec<&str> = refused
        .iter()
        .skip(EXPLAINED)
        .map(|(n, _)| n.as_str())
        .collect();
    if !rest.is_empty() {
        detail.push_str(&format!(
            "\n- and {} more: {}",
            rest.len(),
            brief_listing(&rest)
        ));
    }
    let importable: Vec<&str> = refused
        .iter()
        .filter(|(_, r)| r.importable())
        .map(|(n, _)| n.as_str())
        .collect();
    let id = importable.join(",");
    if refused.iter().any(|(_, r)| r.owner().is_some()) {
        detail.push_str(&format!(
            "\n\nIf an earlier apply of this configuration was interrupted (Terraform killed \
             before it saved state), these are its secrets; the random id that proved it died \
             with that run. Take over the {} existing secret(s) and create the missing ones in \
             one step (<ADDRESS> is the resource address shown above):\n\n  \
             terraform import <ADDRESS> '{id}'\n  terraform apply\n\nor, with Terraform 1.5 or \
             later, add this block to the configuration and apply:\n\n  import {{\n    to = \
             <ADDRESS>\n    id = \"{id}\"\n  }}\n\nIf they belong to another configuration, \
             remove the names from one of the two instead. If this is a replacement with \
             lifecycle create_before_destroy: a planton_aws_secrets cannot be replaced with \
             create_before_destroy, because a secret has one owner and the new object cannot \
             take the old one's secrets; remove create_before_destroy (a plain replacement \
             keeps the ARNs by restoring them).",
            importable.len()
        ));
        // The routes by identity and by `terraform query` (identity.rs).
        detail.push_str(&super::identity::refusal_hint(
            refused.iter().filter_map(|(_, r)| r.owner()),
        ));
    } else if !importable.is_empty() {
        detail.push_str(&format!(
            "\n\nTo manage the existing secret(s) here, import them (<ADDRESS> is the resource \
             address shown above): terraform import <ADDRESS> '{id}'. Otherwise remove the names \
             from secret_names."
        ));
    }
    if let Some((name, _)) = refused.iter().find(|(_, r)| !r.importable()) {
        detail.push_str(&format!(
            "\n\nA secret scheduled for deletion is restored only when it is a clean planton \
             secret. Inspect the others, then restore each yourself (aws secretsmanager \
             restore-secret --secret-id '{name}') and import it, wait for its deletion to \
             complete, or choose another name."
        ));
    }
    diags.error_at(
        AttributePath::root(SECRET_NAMES),
        format!(
            "{} secret name(s) already exist and are not this resource's",
            refused.len()
        ),
        detail,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(i: usize) -> (String, Refusal) {
        (
            format!("n{i:03}"),
            Refusal::OwnedByAnother {
                owner: "asm-x".into(),
            },
        )
    }

    #[test]
    fn many_refusals_make_one_error_with_a_ready_import() {
        let mut refused: Vec<_> = (0..12).map(owned).collect();
        refused.push(("z".into(), Refusal::ScheduledNotPlanton));
        let mut diags = Diagnostics::new();
        explain_refusals(refused, &mut diags);
        assert_eq!(diags.len(), 1);
        let error = diags.iter().next().unwrap();
        assert!(error.summary.starts_with("13 secret name(s)"));
        assert!(error.detail.contains(
            "\"n000\": it exists and belongs to another planton_aws_secrets resource (id asm-x)"
        ));
        assert!(error
            .detail
            .contains("and 3 more: \"n010\", \"n011\", \"z\""));
        let all: Vec<String> = (0..12).map(|i| format!("n{i:03}")).collect();
        let id = all.join(",");
        assert!(error
            .detail
            .contains(&format!("terraform import <ADDRESS> '{id}'")));
        assert!(error.detail.contains(&format!("id = \"{id}\"")));
        assert!(error.detail.contains("create_before_destroy"));
        assert!(error.detail.contains("identity = {\n      id = \"asm-x\""));
    }

    #[test]
    fn foreign_unowned_secrets_get_their_remedy_and_no_import_block() {
        let mut diags = Diagnostics::new();
        explain_refusals(vec![("a".into(), Refusal::ScheduledNotPlanton)], &mut diags);
        let error = diags.iter().next().unwrap();
        assert!(error.detail.contains("restore-secret --secret-id 'a'"));
        assert!(!error.detail.contains("import {"));
    }
}
