//! Diagnostics: what the provider tells the user, optionally pinned to the
//! attribute it is about so Terraform can underline the right line.

use crate::tf::value::AttributePath;

/// How serious a diagnostic is. Any error fails the operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// One message for the user: a one-line summary, a detail that says what to
/// do, and the attribute it concerns when there is one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub summary: String,
    pub detail: String,
    pub path: Option<AttributePath>,
}

/// An ordered collection of diagnostics gathered during one call.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        check_sentence(&diagnostic.detail);
        self.0.push(diagnostic);
    }

    /// Adds an error that concerns the configuration as a whole.
    pub fn error(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.add(Severity::Error, summary, detail, None);
    }

    /// Adds an error about one attribute.
    pub fn error_at(
        &mut self,
        path: AttributePath,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.add(Severity::Error, summary, detail, Some(path));
    }

    pub fn warning(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.add(Severity::Warning, summary, detail, None);
    }

    pub fn warning_at(
        &mut self,
        path: AttributePath,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.add(Severity::Warning, summary, detail, Some(path));
    }

    fn add(
        &mut self,
        severity: Severity,
        summary: impl Into<String>,
        detail: impl Into<String>,
        path: Option<AttributePath>,
    ) {
        let detail = detail.into();
        check_sentence(&detail);
        self.0.push(Diagnostic {
            severity,
            summary: summary.into(),
            detail,
            path,
        });
    }

    /// The same diagnostics with every attribute path starting at
    /// `attribute` (for values that stand inside a block of that name).
    pub fn within(self, attribute: &str) -> Diagnostics {
        Diagnostics(
            self.0
                .into_iter()
                .map(|mut d| {
                    d.path = d.path.map(|inner| {
                        let mut outer = AttributePath::root(attribute);
                        for step in inner.0 {
                            outer.push(step);
                        }
                        outer
                    });
                    d
                })
                .collect(),
        )
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }

    /// How many errors so far: a step compares before and after to tell
    /// whether it failed.
    pub fn error_count(&self) -> usize {
        self.0
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }
}

/// Whether `text` ends as a detail must: with exactly one period (after
/// any trailing whitespace).
pub fn ends_with_one_period(text: &str) -> bool {
    let text = text.trim_end();
    text.ends_with('.') && !text.ends_with("..")
}

/// In unit tests, every detail any code under test writes is checked, so a
/// message without its period (or with two) fails the test that reaches it.
pub(crate) fn check_sentence(text: &str) {
    #[cfg(test)]
    assert!(
        ends_with_one_period(text),
        "a diagnostic detail or function error must end with exactly one period: {text:?}"
    );
    #[cfg(not(test))]
    let _ = text;
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_alone_are_not_errors() {
        let mut diags = Diagnostics::new();
        diags.warning("careful", "This may collide.");
        assert!(!diags.has_errors());
        diags.error_at(AttributePath::root("region"), "bad", "Fix it.");
        assert!(diags.has_errors());
        assert_eq!(diags.len(), 2);
        let last = diags.iter().last().unwrap();
        assert_eq!(last.path, Some(AttributePath::root("region")));
    }

    #[test]
    fn a_detail_ends_with_exactly_one_period() {
        assert!(ends_with_one_period("Do this.\n"));
        assert!(!ends_with_one_period("Do this"));
        assert!(!ends_with_one_period("Do this.."));
        assert!(!ends_with_one_period(""));
        let unfinished = std::panic::catch_unwind(|| Diagnostics::new().error("s", "no period"));
        assert!(unfinished.is_err());
    }
}
