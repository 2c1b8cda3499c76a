//! Diagnostics and attribute paths to their protobuf form.

use crate::tf::diag::{Diagnostics, Severity};
use crate::tf::proto::tfplugin6 as pb;
use crate::tf::value::{AttributePath, PathStep};

use pb::attribute_path::step::Selector;

pub fn to_proto(diags: Diagnostics) -> Vec<pb::Diagnostic> {
    diags
        .into_iter()
        .map(|d| pb::Diagnostic {
            severity: match d.severity {
                Severity::Error => pb::diagnostic::Severity::Error,
                Severity::Warning => pb::diagnostic::Severity::Warning,
            } as i32,
            summary: d.summary,
            detail: d.detail,
            attribute: d.path.as_ref().map(path_to_proto),
        })
        .collect()
}

pub fn path_to_proto(path: &AttributePath) -> pb::AttributePath {
    let steps = path
        .0
        .iter()
        .map(|step| pb::attribute_path::Step {
            selector: Some(match step {
                PathStep::Attribute(name) => Selector::AttributeName(name.clone()),
                PathStep::Key(key) => Selector::ElementKeyString(key.clone()),
                PathStep::Index(index) => Selector::ElementKeyInt(*index),
            }),
        })
        .collect();
    pb::AttributePath { steps }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_steps_keep_their_kind_and_order() {
        let path = AttributePath::root("endpoints")
            .attribute("sts")
            .key("k")
            .index(2);
        let proto = path_to_proto(&path);
        let selectors: Vec<_> = proto
            .steps
            .into_iter()
            .map(|s| s.selector.unwrap())
            .collect();
        assert_eq!(
            selectors,
            vec![
                Selector::AttributeName("endpoints".into()),
                Selector::AttributeName("sts".into()),
                Selector::ElementKeyString("k".into()),
                Selector::ElementKeyInt(2),
            ]
        );
    }

    #[test]
    fn severity_maps() {
        let mut diags = Diagnostics::new();
        diags.warning("w", "Careful.");
        diags.error("e", "Wrong.");
        let proto = to_proto(diags);
        assert_eq!(proto[0].severity, pb::diagnostic::Severity::Warning as i32);
        assert_eq!(proto[1].severity, pb::diagnostic::Severity::Error as i32);
    }
}
