//! Per-name failures, reported so that a thousand failing names make a
//! readable handful of diagnostics rather than a thousand.

use crate::tf::diag::Diagnostics;
use crate::tf::value::AttributePath;

use super::schema::SECRET_NAMES;

/// Failures shown one by one; the rest are summarised.
const DETAILED: usize = 10;
/// Names listed in a summary.
const LISTED: usize = 50;

/// Collects what went wrong for which name during one operation.
pub struct NameReport {
    /// Past participle of the operation: "created", "deleted", "re-tagged".
    action: &'static str,
    failures: Vec<Failure>,
    stopped: Vec<String>,
}

struct Failure {
    name: String,
    summary: String,
    detail: String,
}

impl NameReport {
    pub fn new(action: &'static str) -> Self {
        Self {
            action,
            failures: Vec::new(),
            stopped: Vec::new(),
        }
    }

    pub fn failed(&mut self, name: &str, summary: String, detail: String) {
        self.failures.push(Failure {
            name: name.to_owned(),
            summary,
            detail,
        });
    }

    /// The name was not handled because Terraform asked the provider to stop.
    pub fn stopped(&mut self, name: &str) {
        self.stopped.push(name.to_owned());
    }

    pub fn is_clean(&self) -> bool {
        self.failures.is_empty() && self.stopped.is_empty()
    }

    pub fn finish(mut self, diags: &mut Diagnostics) {
        self.failures.sort_by(|a, b| a.name.cmp(&b.name));
        self.stopped.sort();
        let mut failures = self.failures.into_iter();
        for failure in failures.by_ref().take(DETAILED) {
            diags.error_at(
                AttributePath::root(SECRET_NAMES),
                failure.summary,
                failure.detail,
            );
        }
        let rest: Vec<Failure> = failures.collect();
        if !rest.is_empty() {
            let names: Vec<String> = rest.iter().map(|f| f.name.clone()).collect();
            diags.error(
                format!("{} more secrets were not {}", rest.len(), self.action),
                format!(
                    "Besides the errors above, these secrets failed the same way or similarly \
                     (the first errors show the causes): {}. State records only what was done; \
                     fix the cause and apply again.",
                    listing(&names)
                ),
            );
        }
        if !self.stopped.is_empty() {
            diags.error(
                format!("{} secrets were not {}", self.stopped.len(), self.action),
                format!(
                    "Terraform asked the provider to stop before these secrets were handled: {}. \
                     State records what was done; apply again to finish.",
                    listing(&self.stopped)
                ),
            );
        }
    }
}

/// Names shown in full in a warning; the rest are counted.
const BRIEF: usize = 10;

/// The first ten names, then how many more.
pub fn brief_listing<S: AsRef<str>>(names: &[S]) -> String {
    let shown: Vec<String> = names
        .iter()
        .take(BRIEF)
        .map(|n| format!("{:?}", n.as_ref()))
        .collect();
    match names.len().saturating_sub(BRIEF) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

fn listing(names: &[String]) -> String {
    let shown: Vec<String> = names
        .iter()
        .take(LISTED)
        .map(|n| format!("{n:?}"))
        .collect();
    match names.len().saturating_sub(LISTED) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_failures_become_a_handful_of_diagnostics() {
        let mut report = NameReport::new("created");
        for i in 0..500 {
            report.failed(
                &format!("n{i:03}"),
                format!("Failed n{i:03}"),
                "AccessDenied".into(),
            );
        }
        for i in 0..700 {
            report.stopped(&format!("s{i:03}"));
        }
        let mut diags = Diagnostics::new();
        report.finish(&mut diags);
        assert_eq!(diags.len(), DETAILED + 2);
        let all: Vec<_> = diags.iter().collect();
        assert_eq!(all[0].summary, "Failed n000");
        assert!(all[DETAILED]
            .summary
            .starts_with("490 more secrets were not created"));
        assert!(all[DETAILED].detail.contains("and 440 more"));
        assert!(all[DETAILED + 1]
            .summary
            .starts_with("700 secrets were not created"));
    }

    #[test]
    fn brief_listings_show_ten_then_count() {
        let names: Vec<String> = (0..13).map(|i| format!("n{i:02}")).collect();
        let text = brief_listing(&names);
        assert!(text.starts_with("\"n00\", \"n01\""));
        assert!(text.contains("\"n09\" and 3 more"), "{text}");
        assert!(!text.contains("n10"));
        assert_eq!(brief_listing(&["a"]), "\"a\"");
    }

    #[test]
    fn a_clean_report_says_nothing() {
        let report = NameReport::new("deleted");
        assert!(report.is_clean());
        let mut diags = Diagnostics::new();
        report.finish(&mut diags);
        assert!(diags.is_empty());
    }
}
