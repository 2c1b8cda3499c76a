//! Per-name failures, reported so that a thousand failing names make a
//! readable handful of diagnostics rather than a thousand.

use std::collections::BTreeSet;

use crate::provider::secrets::{ApiError, ErrorKind, NOT_SENT};
use crate::tf::diag::Diagnostics;
use crate::tf::value::AttributePath;

use super::schema::SECRET_NAMES;

/// Failures shown one by one; the rest are summarised.
const DETAILED: usize = 10;
/// Names listed in a summary.
const LISTED: usize = 50;
/// Names listed when one cause covers them all.
const LISTED_SHARED: usize = 5;

/// Collects what went wrong for which name during one operation.
pub struct NameReport {
    /// Past participle of the operation: "created", "deleted", "re-tagged".
    action: &'static str,
    failures: Vec<Failure>,
    stopped: Vec<String>,
    /// Names not handled because the endpoint was unreachable, with the
    /// first such error (they share the endpoint and cause).
    unreachable: Vec<String>,
    outage: Option<ApiError>,
    /// How many of them were sent and got no answer (the rest were held
    /// back unsent).
    unanswered: usize,
    /// Names whose request was abandoned unanswered after a stop.
    abandoned: Vec<String>,
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
            unreachable: Vec::new(),
            outage: None,
            unanswered: 0,
            abandoned: Vec::new(),
        }
    }

    /// Files a failure that is not about the name itself (the endpoint is
    /// unreachable, or the request was abandoned at a stop) into one shared
    /// diagnostic; returns false, filing nothing, for any other error.
    pub fn shared_cause(&mut self, name: &str, error: Option<&ApiError>) -> bool {
        match error.map(|e| e.kind) {
            Some(ErrorKind::Unreachable) => {
                self.unreachable.push(name.to_owned());
                if error.is_some_and(|e| e.code != NOT_SENT) {
                    self.unanswered += 1;
                }
                if self.outage.is_none() {
                    self.outage = error.cloned();
                }
                true
            }
            Some(ErrorKind::Abandoned) => {
                self.abandoned.push(name.to_owned());
                true
            }
            _ => false,
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
        self.failures.is_empty()
            && self.stopped.is_empty()
            && self.unreachable.is_empty()
            && self.abandoned.is_empty()
    }

    pub fn finish(mut self, diags: &mut Diagnostics) {
        self.failures.sort_by(|a, b| a.name.cmp(&b.name));
        self.stopped.sort();
        self.unreachable.sort();
        self.abandoned.sort();
        if let Some(outage) = &self.outage {
            let not_sent = self.unreachable.len();
            let unanswered = match self.unanswered {
                0 => String::new(),
                n => format!(
                    " {n} of them were sent and got no answer, so they may have been {}; the \
                     next apply settles them (a secret made for this resource carries its \
                     planton.ai/resource-id tag and is adopted).",
                    self.action
                ),
            };
            diags.error_at(
                AttributePath::root(SECRET_NAMES),
                format!(
                    "AWS Secrets Manager is unreachable: {not_sent} secret(s) were not {}",
                    self.action
                ),
                format!(
                    "{}. After repeated connection failures the provider stopped sending \
                     requests there; these {not_sent} secret(s) were not {}: {}.{unanswered} \
                     State records what was done. Check the network, the endpoint (endpoints.secretsmanager, \
                     AWS_ENDPOINT_URL_SECRETS_MANAGER, AWS_ENDPOINT_URL) and proxy settings, \
                     then apply again.",
                    outage.message.trim_end_matches('.'),
                    self.action,
                    listing(&self.unreachable, LISTED_SHARED)
                ),
            );
        }
        if !self.abandoned.is_empty() {
            diags.error_at(
                AttributePath::root(SECRET_NAMES),
                format!(
                    "{} secret(s) may or may not have been {}",
                    self.abandoned.len(),
                    self.action
                ),
                format!(
                    "Terraform asked the provider to stop, and AWS had not answered these \
                     requests {}s later, so they were abandoned: {}. State records only what \
                     certainly happened; the next apply settles the rest (a secret created for \
                     this resource is recognised by its planton.ai/resource-id tag and kept).",
                    crate::provider::bounds::STOP_GRACE.as_secs(),
                    listing(&self.abandoned, LISTED_SHARED)
                ),
            );
        }
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
            diags.error_at(
                AttributePath::root(SECRET_NAMES),
                format!("{} more secrets were not {}", rest.len(), self.action),
                format!(
                    "Besides the errors above, these secrets failed the same way or similarly \
                     (the first errors show the causes): {}. State records only what was done; \
                     fix the cause and apply again.",
                    listing(&names, LISTED)
                ),
            );
        }
        if !self.stopped.is_empty() {
            diags.error_at(
                AttributePath::root(SECRET_NAMES),
                format!("{} secrets were not {}", self.stopped.len(), self.action),
                format!(
                    "Terraform asked the provider to stop before these secrets were handled: {}. \
                     State records what was done; apply again to finish.",
                    listing(&self.stopped, LISTED)
                ),
            );
        }
    }
}

/// Names shown in full in a warning; the rest are counted.
const BRIEF: usize = 10;

/// The first ten names in name order, then how many more.
pub fn brief_listing<S: AsRef<str>>(names: &[S]) -> String {
    listing(names, BRIEF)
}

/// One error for a refresh that could not learn the state of `names`:
/// the plan must fail rather than keep their recorded state unchecked.
pub fn unverified(names: &[String], first_error: &ApiError, diags: &mut Diagnostics) {
    diags.error_at(
        AttributePath::root(SECRET_NAMES),
        format!("Cannot refresh {} secret(s)", names.len()),
        format!(
            "DescribeSecret failed for {} secret(s): {}. The first error: {}. Without their \
             current state the plan cannot be trusted, so it stops here; fix the cause (network, \
             endpoint, permissions) and plan again.",
            names.len(),
            listing(names, LISTED_SHARED),
            first_error.to_string().trim_end_matches('.')
        ),
    );
}

/// The first `limit` names in name order, quoted, then how many more.
fn listing<S: AsRef<str>>(names: &[S], limit: usize) -> String {
    let mut sorted: Vec<&str> = names.iter().map(AsRef::as_ref).collect();
    sorted.sort_unstable();
    let shown: Vec<String> = sorted
        .iter()
        .take(limit)
        .map(|n| format!("{n:?}"))
        .collect();
    match names.len().saturating_sub(limit) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

/// One warning for secrets that now carry another resource instance's id:
/// this resource lets go of them instead of fighting over their tags.
pub fn warn_owned_elsewhere(names: &[(String, String)], what: &str, diags: &mut Diagnostics) {
    if names.is_empty() {
        return;
    }
    let listed: Vec<&str> = names.iter().map(|(n, _)| n.as_str()).collect();
    let owners: BTreeSet<&str> = names.iter().map(|(_, o)| o.as_str()).collect();
    diags.warning_at(
        AttributePath::root(SECRET_NAMES),
        format!(
            "{} secret(s) now belong to another planton_aws_secrets resource",
            names.len()
        ),
        format!(
            "These secrets now carry the planton.ai/resource-id of another resource ({}) \
             instead of this one's (an import elsewhere, or a tag changed outside Terraform), so \
             they {what} and are no longer in this resource's state: {}. Remove them from \
             secret_names here, or move them back deliberately (terraform state rm there, \
             terraform import here).",
            owners.into_iter().collect::<Vec<_>>().join(", "),
            brief_listing(&listed)
        ),
    );
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
                "AccessDenied.".into(),
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

    fn api_error(kind: ErrorKind, message: &str) -> ApiError {
        ApiError {
            kind,
            code: "RequestFailed".into(),
            message: message.into(),
        }
    }

    #[test]
    fn an_outage_is_one_diagnostic_naming_the_endpoint_and_count() {
        let mut report = NameReport::new("created");
        let outage = api_error(
            ErrorKind::Unreachable,
            "http://127.0.0.1:9 is unreachable: connection refused",
        );
        let held_back = ApiError {
            code: NOT_SENT.into(),
            ..outage.clone()
        };
        for i in 0..300 {
            let error = if i < 2 { &outage } else { &held_back };
            assert!(report.shared_cause(&format!("n{i:03}"), Some(error)));
        }
        let abandoned = api_error(ErrorKind::Abandoned, "abandoned");
        assert!(report.shared_cause("late", Some(&abandoned)));
        let other = api_error(ErrorKind::Other, "AccessDenied");
        assert!(!report.shared_cause("x", Some(&other)));
        assert!(!report.shared_cause("x", None));
        assert!(!report.is_clean());
        let mut diags = Diagnostics::new();
        report.finish(&mut diags);
        assert_eq!(diags.len(), 2, "{diags:?}");
        let all: Vec<_> = diags.iter().collect();
        assert_eq!(
            all[0].summary,
            "AWS Secrets Manager is unreachable: 300 secret(s) were not created"
        );
        assert!(all[0]
            .detail
            .starts_with("http://127.0.0.1:9 is unreachable: connection refused."));
        assert!(
            all[0].detail.contains("\"n004\" and 295 more"),
            "{}",
            all[0].detail
        );
        assert!(
            all[0]
                .detail
                .contains("2 of them were sent and got no answer, so they may have been created"),
            "{}",
            all[0].detail
        );
        assert!(all[1]
            .summary
            .starts_with("1 secret(s) may or may not have been created"));
        assert!(all[1].detail.contains("\"late\""));
    }

    #[test]
    fn brief_listings_show_ten_then_count() {
        let names: Vec<String> = (0..13).map(|i| format!("n{i:02}")).collect();
        let text = brief_listing(&names);
        assert!(text.starts_with("\"n00\", \"n01\""));
        assert!(text.contains("\"n09\" and 3 more"), "{text}");
        assert!(!text.contains("n10"));
        assert_eq!(brief_listing(&["a"]), "\"a\"");
        let mut shuffled = names.clone();
        shuffled.reverse();
        assert_eq!(brief_listing(&shuffled), text);
    }

    #[test]
    fn an_unverified_refresh_lists_names_in_order() {
        let names: Vec<String> = ["c", "a", "b"].map(String::from).to_vec();
        let error = api_error(ErrorKind::Other, "AccessDenied.");
        let mut diags = Diagnostics::new();
        unverified(&names, &error, &mut diags);
        let detail = &diags.iter().next().unwrap().detail;
        assert!(
            detail.contains("3 secret(s): \"a\", \"b\", \"c\"."),
            "{detail}"
        );
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
