//! Looking secrets up by name with DescribeSecret (which never returns a
//! value), concurrent and paced like every batch of this provider.

use crate::provider::batch::{run_all, Outcome};
use crate::provider::secrets::{ApiError, SecretInfo, SecretsApi};
use crate::tf::stop::StopSignal;

/// What DescribeSecret said about one name.
pub enum Lookup {
    Live(SecretInfo),
    ScheduledForDeletion,
    Missing,
    Failed(ApiError),
    /// Not asked: the provider was told to stop first.
    Skipped,
}

impl Lookup {
    /// Why the name cannot be used, ending in what to do; `remedy` says how
    /// to stop asking for it ("leave it out of the import ID").
    pub fn problem(&self, name: &str, remedy: &str) -> Option<String> {
        Some(match self {
            Lookup::Live(_) => return None,
            Lookup::ScheduledForDeletion => format!(
                "it is scheduled for deletion. Restore it first (aws secretsmanager restore-secret \
                 --secret-id '{name}'), or {remedy}"
            ),
            Lookup::Missing => format!(
                "no secret with that name exists in this account and region. Check the name and \
                 the provider's region, or {remedy}"
            ),
            Lookup::Failed(error) => format!("DescribeSecret failed: {error}"),
            Lookup::Skipped => "the provider was stopped before it was checked".to_owned(),
        })
    }
}

/// Each name with what DescribeSecret says about it, in name order (so the
/// errors callers make of them come in that order, however the concurrent
/// lookups finished).
pub async fn describe_names(
    api: &dyn SecretsApi,
    stop: &StopSignal,
    names: Vec<String>,
) -> Vec<(String, Lookup)> {
    let mut outcomes = run_all(names, stop, |name| async move { api.describe(&name).await }).await;
    outcomes.sort_by(|a, b| a.0.cmp(&b.0));
    outcomes
        .into_iter()
        .map(|(name, outcome)| {
            let lookup = match outcome {
                Outcome::Done(Some(info)) if info.scheduled_for_deletion => {
                    Lookup::ScheduledForDeletion
                }
                Outcome::Done(Some(info)) => Lookup::Live(info),
                Outcome::Done(None) => Lookup::Missing,
                Outcome::Failed(error) => Lookup::Failed(error),
                Outcome::Skipped => Lookup::Skipped,
            };
            (name, lookup)
        })
        .collect()
}
