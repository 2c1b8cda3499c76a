//! Saying why names were not taken, and what the user can do about it.
//! Hints tell the truth: an import is offered as the fix only for planton
//! secrets that an interrupted apply could have made, and only on the
//! condition that no state records their id; a secret made outside this
//! provider, or scheduled by someone other than its owner, is said to be
//! exactly that.

use std::collections::{BTreeMap, BTreeSet};

use crate::tf::diag::Diagnostics;
use crate::tf::value::AttributePath;

use super::ownership::Refusal;
use super::report::brief_listing;
use super::schema::SECRET_NAMES;

/// Refusals explained one per line before the rest are counted.
const EXPLAINED: usize = 10;

/// The kinds of refusal that share one remedy.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Remedy {
    /// Live with another planton id: another resource's, or the orphan of
    /// an apply killed before it saved state.
    OtherOwner,
    /// Live, and not made by this provider (or changed since).
    NotMadeHere,
    /// Scheduled outside Terraform while still owned: its owner restores it.
    OwnerRestores,
    /// Scheduled and not a clean planton secret.
    RestoreByHand,
}

impl Remedy {
    fn of(refusal: &Refusal) -> Self {
        match refusal {
            Refusal::OwnedByAnother { .. } => Remedy::OtherOwner,
            Refusal::NotPlanton
            | Refusal::Altered {
                scheduled_for_deletion: false,
                ..
            } => Remedy::NotMadeHere,
            Refusal::ScheduledOwnedByAnother { .. } => Remedy::OwnerRestores,
            Refusal::Altered {
                scheduled_for_deletion: true,
                ..
            }
            | Refusal::ScheduledNotPlanton => Remedy::RestoreByHand,
        }
    }

    /// What to do about `names` (quoted for reading) refused this way;
    /// `ids` are the owners they carry, `import` how to take them over.
    fn advice(self, names: &str, ids: &str, import: &Import) -> String {
        let Import { commands, id_list } = import;
        match self {
            Remedy::OtherOwner => format!(
                "{names} belong to another planton_aws_secrets resource ({ids}). If that \
                 resource is in another configuration or workspace, remove the names from one of \
                 the two: a secret has one owner. Only if no state records {ids} (an apply of this \
                 configuration was killed before it saved state; the random id that proved the \
                 secrets were its own died with that run), take them over here and let the next \
                 apply add the rest (<ADDRESS> is the resource address shown above):\n\n\
                 {commands}  terraform apply\n\nor, with Terraform 1.5 or later, {}add this \
                 block and apply:\n\n  import {{\n    to = <ADDRESS>\n    id = \
                 \"{id_list}\"\n  }}",
                if commands.contains("state rm") {
                    "after the state rm, "
                } else {
                    ""
                }
            ),
            Remedy::NotMadeHere => format!(
                "{names} were not made by this provider, or were changed since it made them, so \
                 no interrupted apply explains them and this resource will not take them. Choose \
                 other names, or, to manage a secret made elsewhere on purpose, import it \
                 deliberately after reviewing it (see the resource's Import documentation)."
            ),
            Remedy::OwnerRestores => format!(
                "{names} were scheduled for deletion outside Terraform while resource {ids} still \
                 owns them, and only that resource restores them: apply its configuration (its \
                 refresh drops them and its apply restores them with the same ARNs), or remove \
                 the names here."
            ),
            Remedy::RestoreByHand => format!(
                "{names} are scheduled for deletion and are not clean planton secrets, so this \
                 provider will not restore them. Inspect each, then restore it yourself (aws \
                 secretsmanager restore-secret --secret-id NAME) and import it deliberately, wait \
                 for its deletion to complete, or choose another name."
            ),
        }
    }
}

fn quoted(names: &[&str]) -> String {
    brief_listing(names)
}

/// How refused secrets are taken over: an import of every name, after
/// removing the resource from state when it is there (an import needs a
/// free address; the import takes the recorded secrets again too).
struct Import {
    /// Shell lines, each indented and ending in a newline.
    commands: String,
    /// The import ID: the names, comma-separated.
    id_list: String,
}

impl Import {
    fn of<'a>(
        names: impl IntoIterator<Item = &'a str>,
        recorded: &'a BTreeMap<String, String>,
    ) -> Self {
        let all: BTreeSet<&str> = names
            .into_iter()
            .chain(recorded.keys().map(String::as_str))
            .collect();
        let id_list = all.into_iter().collect::<Vec<_>>().join(",");
        let state_rm = if recorded.is_empty() {
            ""
        } else {
            "  terraform state rm <ADDRESS>\n"
        };
        Self {
            commands: format!("{state_rm}  terraform import <ADDRESS> '{id_list}'\n"),
            id_list,
        }
    }
}

/// The detail of one refused name's error.
pub fn refused_detail(name: &str, refusal: &Refusal) -> String {
    let owner = refusal.owner().unwrap_or_default();
    let import = Import::of([name], &BTreeMap::new());
    format!(
        "A secret named {name:?} cannot be taken: {refusal}. {}",
        Remedy::of(refusal).advice(&quoted(&[name]), owner, &import)
    )
}

/// One error for the names an apply found it may not take: which, why, and
/// for each kind of refusal what to do. `recorded` is what the resource
/// holds in state after this apply; `wrote_nothing` whether the apply
/// wrote nothing at all (its names were all checked first).
pub fn explain_refusals(
    mut refused: Vec<(String, Refusal)>,
    recorded: &BTreeMap<String, String>,
    wrote_nothing: bool,
    diags: &mut Diagnostics,
) {
    if refused.is_empty() {
        return;
    }
    refused.sort_by(|a, b| a.0.cmp(&b.0));
    let outcome = if recorded.is_empty() {
        "Nothing was created or changed."
    } else if wrote_nothing {
        "Nothing was created or changed; the names already recorded stay in state."
    } else {
        "They were left untouched; the resource's other names are in place and recorded in state."
    };
    let mut detail = format!(
        "{outcome} A secret has one owner: this resource creates new secrets and restores ones \
         their owner released, and never takes over a secret that belongs to another resource \
         or was made outside this provider.\n",
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
    let remedies: BTreeSet<Remedy> = refused.iter().map(|(_, r)| Remedy::of(r)).collect();
    for remedy in remedies {
        let of_kind: Vec<&(String, Refusal)> = refused
            .iter()
            .filter(|(_, r)| Remedy::of(r) == remedy)
            .collect();
        let names: Vec<&str> = of_kind.iter().map(|(n, _)| n.as_str()).collect();
        let ids: BTreeSet<&str> = of_kind.iter().filter_map(|(_, r)| r.owner()).collect();
        let ids: Vec<&str> = ids.into_iter().collect();
        detail.push_str("\n\n");
        let import = Import::of(names.iter().copied(), recorded);
        detail.push_str(&remedy.advice(&quoted(&names), &ids.join(", "), &import));
        if remedy == Remedy::OtherOwner {
            // The routes by identity and by `terraform query` (identity.rs).
            detail.push_str(&refusal_hint(ids.iter().copied()));
        }
    }
    if refused
        .iter()
        .any(|(_, r)| Remedy::of(r) == Remedy::OtherOwner)
    {
        detail.push_str(
            "\n\nA planton_aws_secrets cannot be replaced with lifecycle \
             create_before_destroy: the new object would need the old one's secrets while the old \
             one still owns them. Remove create_before_destroy; a plain replacement hands the \
             secrets over and keeps every ARN.",
        );
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

/// The import-by-identity route for refused secrets that carry another
/// planton id (as after an apply killed before it saved state), for the
/// refusal's error: a ready block when they share one id.
pub fn refusal_hint<'a>(owner_ids: impl IntoIterator<Item = &'a str>) -> String {
    let ids: BTreeSet<&str> = owner_ids.into_iter().collect();
    let query = "With Terraform 1.14 or later, `terraform query` with a planton_aws_secrets list \
                 block (in a .tfquery.hcl file) shows every group of secrets by id, and \
                 -generate-config-out writes an import block for each.";
    match ids.iter().next() {
        Some(id) if ids.len() == 1 => format!(
            "\n\nWith Terraform 1.12 or later, the interrupted apply's secrets can also be \
             imported by their id, which takes every secret carrying it:\n\n  import {{\n    to = <ADDRESS>\n    identity = {{\n      \
             id = \"{id}\"\n    }}\n  }}\n\n{query}"
        ),
        _ => format!("\n\n{query}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::aws_secrets::groups;

    fn owned(i: usize) -> (String, Refusal) {
        (
            format!("n{i:03}"),
            Refusal::OwnedByAnother {
                owner: "asm-x".into(),
            },
        )
    }

    fn explained(refused: Vec<(String, Refusal)>) -> String {
        let mut diags = Diagnostics::new();
        explain_refusals(refused, &BTreeMap::new(), true, &mut diags);
        assert_eq!(diags.len(), 1);
        let detail = diags.iter().next().unwrap().detail.clone();
        detail
    }

    #[test]
    fn many_refusals_make_one_error_in_name_order() {
        let mut refused: Vec<_> = (0..12).rev().map(owned).collect();
        refused.insert(3, ("z".into(), Refusal::ScheduledNotPlanton));
        let mut diags = Diagnostics::new();
        explain_refusals(refused, &BTreeMap::new(), true, &mut diags);
        assert_eq!(diags.len(), 1);
        let error = diags.iter().next().unwrap();
        assert!(error.summary.starts_with("13 secret name(s)"));
        let detail = &error.detail;
        assert!(detail.contains(
            "- \"n000\": it exists and belongs to another planton_aws_secrets resource (id asm-x)"
        ));
        assert!(detail.find("\"n000\"").unwrap() < detail.find("\"n009\"").unwrap());
        assert!(detail.contains("and 3 more: \"n010\", \"n011\", \"z\""));
        let all: Vec<String> = (0..12).map(|i| format!("n{i:03}")).collect();
        let id = all.join(",");
        assert!(detail.contains(&format!("terraform import <ADDRESS> '{id}'")));
        assert!(detail.contains(&format!("id = \"{id}\"")));
        assert!(detail.contains("Only if no state records asm-x"));
        assert!(detail.contains("identity = {\n      id = \"asm-x\""));
        assert!(detail.contains("terraform query"));
        assert!(detail.contains("create_before_destroy"));
    }

    #[test]
    fn a_resource_already_in_state_is_removed_before_the_import_of_all_its_names() {
        let recorded = BTreeMap::from([("mine".to_owned(), "arn:mine".to_owned())]);
        let mut diags = Diagnostics::new();
        explain_refusals(vec![owned(1)], &recorded, false, &mut diags);
        let detail = &diags.iter().next().unwrap().detail;
        assert!(detail.starts_with("They were left untouched"), "{detail}");
        assert!(detail.contains(
            "  terraform state rm <ADDRESS>\n  terraform import <ADDRESS> 'mine,n001'\n"
        ));
        assert!(detail.contains("after the state rm, add this block"));
    }

    #[test]
    fn secrets_made_elsewhere_get_no_ready_import() {
        let detail = explained(vec![
            ("a".into(), Refusal::ScheduledNotPlanton),
            ("b".into(), Refusal::NotPlanton),
        ]);
        assert!(detail.contains("restore-secret --secret-id NAME"));
        assert!(detail.contains("\"b\" were not made by this provider"));
        assert!(!detail.contains("terraform import"), "{detail}");
        assert!(!detail.contains("import {"));
        assert!(!detail.contains("create_before_destroy"));
    }

    #[test]
    fn a_scheduled_secret_of_a_live_owner_points_to_that_owner() {
        let detail = explained(vec![(
            "x".into(),
            Refusal::ScheduledOwnedByAnother {
                owner: "asm-a".into(),
            },
        )]);
        assert!(detail.contains("while resource asm-a still owns them"));
        assert!(!detail.contains("terraform import"), "{detail}");
    }

    #[test]
    fn one_name_gets_its_own_remedy() {
        let detail = refused_detail(
            "n",
            &Refusal::OwnedByAnother {
                owner: "asm-o".into(),
            },
        );
        assert!(detail.contains("terraform import <ADDRESS> 'n'"));
        assert!(detail.contains("belong to another planton_aws_secrets resource (asm-o)"));
    }

    #[test]
    fn refusals_of_one_orphan_group_get_a_ready_identity_block() {
        let one = refusal_hint([groups::tests::A, groups::tests::A]);
        assert!(
            one.contains(&format!("id = \"{}\"", groups::tests::A)),
            "{one}"
        );
        assert!(one.contains("terraform query") && one.ends_with("for each."));
        let two = refusal_hint([groups::tests::A, groups::tests::B]);
        assert!(!two.contains("identity = {") && two.contains("terraform query"));
    }
}
